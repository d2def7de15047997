import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../core/errors.js';
import type { ApiTokenService, Principal, Role } from './api-tokens.js';

/** Authorization: Bearer <token> (RFC 6750 §2.1). Sets res.locals.principal. */
export function authenticate(tokens: ApiTokenService): RequestHandler {
  return (req, res, next) => {
    const h = req.headers.authorization;
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
