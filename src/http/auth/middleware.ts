import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../core/errors.js';
import type { ApiTokenService, Principal, Role } from './api-tokens.js';
import { csrfTokenMatches, type LiveSession, type SessionService } from '../../accounts/sessions.js';
import { readCookie, type CookiePolicy } from './session-cookie.js';
import { isSameOrigin } from './same-origin.js';

/** Sign-in sessions as a second way in (docs/sign-in.md). */
export interface SessionAuth {
  readonly sessions: SessionService;
  readonly cookie: CookiePolicy;
  readonly publicUrl: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request authenticated by the cookie must carry the session's synchronizer
 * token (OWASP CSRF Prevention Cheat Sheet) and, when the browser names an origin, come from ours.
 */
export function checkCsrf(req: Request, session: LiveSession, publicUrl: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  if (!isSameOrigin(req, publicUrl)) throw new AppError('CSRF_INVALID', 'cross-origin request refused', { details: { reason: 'origin' } });
  const presented = req.headers['x-csrf-token'];
  if (!csrfTokenMatches(session.csrfToken, typeof presented === 'string' ? presented : undefined))
    throw new AppError('CSRF_INVALID', 'missing or wrong X-CSRF-Token header', { details: { reason: 'token' } });
}

/** The live session of the request's cookie, if any (res.locals.session once authenticated). */
export async function sessionOf(req: Request, auth: SessionAuth): Promise<LiveSession | undefined> {
  const v = readCookie(req, auth.cookie.name);
  return v ? auth.sessions.authenticate(v) : undefined;
}

/**
 * Authorization: Bearer <token> (RFC 6750 §2.1), or else the session cookie of a signed-in
 * person. A request with an Authorization header is judged by it alone. Sets res.locals.principal
 * (and res.locals.session for a cookie).
 */
export function authenticate(tokens: ApiTokenService, sessionAuth?: SessionAuth): RequestHandler {
  return (req, res, next) => {
    const h = req.headers.authorization;
    if (!h && sessionAuth && readCookie(req, sessionAuth.cookie.name) !== undefined) {
      void (async () => {
        const s = await sessionOf(req, sessionAuth);
        if (!s) throw new AppError('UNAUTHENTICATED', 'the session has ended; sign in again');
        checkCsrf(req, s, sessionAuth.publicUrl);
        res.locals.principal = s.principal;
        res.locals.session = s;
      })().then(() => next(), next);
      return;
    }
    if (!h) return next(new AppError('UNAUTHENTICATED', 'missing Authorization: Bearer token'));
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m || !m[1]) return next(new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"'));
    tokens.authenticate(m[1]).then((p) => {
      res.locals.principal = p;
      next();
    }, next);
  };
}

/** Least privilege per route: the token's role must be one of `roles`. */
export function requireRole(roles: readonly Role[]): RequestHandler {
  return (_req, res, next) => {
    const p = res.locals.principal as Principal | undefined;
    if (!p) return next(new AppError('UNAUTHENTICATED', 'authentication required'));
    if (!(roles as readonly string[]).includes(p.role))
      return next(new AppError('FORBIDDEN', `role ${p.role} may not do this; needs one of ${roles.join(', ')}`));
    next();
  };
}

/** The caller of an authenticated route (route specs with `auth` other than 'public'). */
export function requirePrincipal(p: Principal | undefined): Principal {
  if (!p) throw new TypeError('requirePrincipal: route is not authenticated');
  return p;
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new TypeError('principalOf: route is not authenticated');
  return p;
}

export function requestIdOf(_req: Request, res: Response): string {
  return (res.locals.requestId as string | undefined) ?? '';
}
