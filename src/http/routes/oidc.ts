import { z } from 'zod';
import { AppError, isAppError } from '../../core/errors.js';
import type { OidcSignIn } from '../../accounts/oidc-sign-in.js';
import { safeReturnTo } from '../../accounts/oidc-sign-in.js';
import { clearCookie, readCookie, setCookie, type CookiePolicy } from '../auth/session-cookie.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { sendStartedSession, type SessionRouteDeps } from './session.js';

export interface OidcRouteDeps extends SessionRouteDeps {
  /** Undefined when KYSO_OIDC_ISSUER is not set: both routes answer 404. */
  readonly oidc: OidcSignIn | undefined;
  readonly pendingCookie: CookiePolicy;
  readonly redirectUri: string;
}

const LoginQuery = z.object({ returnTo: z.string().max(512).optional() });

function notConfigured(): AppError {
  return new AppError('NOT_FOUND', 'OpenID Connect sign-in is not configured (KYSO_OIDC_ISSUER)');
}

/**
 * Browser navigations to and back from the province's identity provider. A failed callback goes
 * back to the sign-in page with the stable code (`/login?error=OIDC_FAILED&reason=…`), not a JSON
 * document, since a person is looking at it; the audit log has the details.
 */
export function oidcRoutes(d: OidcRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/auth/oidc/login',
      operationId: 'oidcLogin',
      summary: 'Start an OpenID Connect sign-in: 302 to the identity provider (authorization code + PKCE, state, nonce).',
      tag: 'sign-in',
      auth: 'public',
      // Each start stores a pending sign-in: limited per client IP like the other costly public routes.
      rateLimited: true,
      query: LoginQuery,
      responses: { 302: { description: 'Redirect to the identity provider' } },
      async handle({ res, query }) {
        if (!d.oidc) throw notConfigured();
        const b = await d.oidc.begin(safeReturnTo(query.returnTo));
        setCookie(res, d.pendingCookie, b.cookieValue, b.maxAgeSeconds);
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(302, b.url);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/auth/oidc/callback',
      operationId: 'oidcCallback',
      summary: 'Where the identity provider sends the browser back: sets the session cookie and redirects (303) to returnTo.',
      tag: 'sign-in',
      auth: 'public',
      responses: { 303: { description: 'Signed in (or back to /login?error=OIDC_FAILED)' } },
      async handle({ req, res }) {
        if (!d.oidc) throw notConfigured();
        // The registered redirect URI with the provider's query: what openid-client checks, even
        // behind a reverse proxy that rewrites the host.
        const callback = new URL(d.redirectUri);
        callback.search = new URL(req.originalUrl, d.publicUrl).search;
        clearCookie(res, d.pendingCookie);
        res.setHeader('Cache-Control', 'no-store');
        try {
          const r = await d.oidc.complete(callback, readCookie(req, d.pendingCookie.name), req.ip ?? '');
          sendStartedSession(res, d, r.session);
          res.redirect(303, r.returnTo);
        } catch (e) {
          if (!isAppError(e, 'OIDC_FAILED')) throw e;
          const reason = typeof e.details?.reason === 'string' ? e.details.reason : 'unknown';
          res.redirect(303, `/login?error=OIDC_FAILED&reason=${encodeURIComponent(reason)}`);
        }
      },
    }),
  ];
}
