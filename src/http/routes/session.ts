import { z } from 'zod';
import { AppError, isAppError } from '../../core/errors.js';
import { API_ROLES, type Principal } from '../../core/principal.js';
import type { LiveSession, SessionService, StartedSession } from '../../accounts/sessions.js';
import type { SignInService } from '../../accounts/sign-in-service.js';
import { requirePrincipal, sessionOf, type SessionAuth } from '../auth/middleware.js';
import { isSameOrigin } from '../auth/same-origin.js';
import { clearCookie, setCookie, type CookiePolicy } from '../auth/session-cookie.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

/** The cross-page contract (docs/sign-in.md): who is signed in and the CSRF token to send back. */
const SessionView = z.object({
  principal: z.object({
    id: z.string(),
    role: z.enum(API_ROLES),
    organizationId: z.string().nullable(),
    authorityId: z.string().nullable(),
    officialId: z.string().nullable(),
    displayName: z.string().nullable(),
  }),
  csrfToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
  idleExpiresAt: z.string().nullable(),
});

const SignInBody = z.strictObject({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
  totp: z
    .string()
    .regex(/^\s*\d{6}\s*$/)
    .optional()
    .describe('6-digit code when the account has TOTP'),
});

export interface SessionRouteDeps extends SessionAuth {
  readonly sessions: SessionService;
  readonly signIn: SignInService;
  readonly cookie: CookiePolicy;
  readonly publicUrl: string;
}

function view(p: Principal, s: LiveSession | undefined): z.infer<typeof SessionView> {
  return {
    principal: {
      id: p.id,
      role: p.role as z.infer<typeof SessionView>['principal']['role'],
      organizationId: p.organizationId ?? null,
      authorityId: p.authorityId ?? null,
      officialId: p.officialId ?? null,
      displayName: s?.account.displayName ?? null,
    },
    csrfToken: s?.csrfToken ?? null,
    expiresAt: s?.expiresAt.toISOString() ?? null,
    idleExpiresAt: s?.idleExpiresAt.toISOString() ?? null,
  };
}

/** Sets the new session's cookie (a new id at every sign-in) and answers the session view. */
export function sendStartedSession(res: Parameters<RouteSpec['handle']>[0]['res'], d: SessionRouteDeps, s: StartedSession): void {
  setCookie(res, d.cookie, s.sessionId, d.sessions.policy.absoluteSeconds);
  res.setHeader('Cache-Control', 'no-store');
}

/** GET/POST/DELETE /api/v1/session: who am I, sign in with a local account, sign out. */
export function sessionRoutes(d: SessionRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/session',
      operationId: 'getSession',
      summary: 'The signed-in principal and the CSRF token for state-changing requests (csrfToken null for Bearer tokens).',
      tag: 'sign-in',
      auth: API_ROLES,
      responses: { 200: { description: 'Session', schema: SessionView } },
      handle({ res, principal }) {
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, view(requirePrincipal(principal), res.locals.session as LiveSession | undefined));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/session',
      operationId: 'signIn',
      summary:
        'Sign in with a local account (username, password, TOTP code when enabled); sets the session cookie. LOGIN_FAILED, TOTP_REQUIRED, LOGIN_LOCKED.',
      tag: 'sign-in',
      auth: 'public',
      body: SignInBody,
      responses: { 200: { description: 'Signed in; Set-Cookie carries the session', schema: SessionView } },
      async handle({ req, res, body }) {
        // Login CSRF: a foreign page must not sign the browser in to an attacker's account.
        if (!isSameOrigin(req, d.publicUrl))
          throw new AppError('CSRF_INVALID', 'cross-origin sign-in refused', { details: { reason: 'origin' } });
        // A session already in this browser ends: sign-in always issues a new id (no fixation).
        const previous = await sessionOf(req, d);
        if (previous) await d.sessions.end(previous.idHash);
        let s: StartedSession;
        try {
          s = await d.signIn.signIn({
            username: body.username,
            password: body.password,
            ...(body.totp ? { totp: body.totp.trim() } : {}),
            ip: req.ip ?? '',
          });
        } catch (e) {
          if (isAppError(e, 'LOGIN_LOCKED')) res.setHeader('Retry-After', String(e.details?.retryAfterSeconds ?? 900));
          throw e;
        }
        sendStartedSession(res, d, s);
        sendJson(res, 200, view(s.principal, s));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/session',
      operationId: 'signOut',
      summary: 'Sign out: the session is revoked on the server and the cookie cleared (needs X-CSRF-Token).',
      tag: 'sign-in',
      auth: API_ROLES,
      responses: { 204: { description: 'Signed out' } },
      async handle({ req, res }) {
        const s = res.locals.session as LiveSession | undefined;
        if (!s) throw new AppError('BAD_REQUEST', 'this request is authenticated by a token, not a session: nothing to sign out');
        await d.signIn.signOut(s, req.ip ?? '');
        clearCookie(res, d.cookie);
        res.status(204).end();
      },
    }),
  ];
}
