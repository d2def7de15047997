import type { Request, Response } from 'express';

/**
 * The session cookie (RFC 6265bis). Over https it is `__Host-kyso_session`: the prefix makes the
 * browser refuse it unless it is Secure, has Path=/ and no Domain, so no sibling host or plain-http
 * page can plant or overwrite it. Browsers refuse `__Host-` and Secure cookies from http origins,
 * so a development server on http://127.0.0.1 uses `kyso_session` without Secure (docs/sign-in.md).
 * SameSite=Lax: sent on top-level navigations (the identity provider's redirect back to the
 * callback), never on cross-site subrequests; CSRF tokens guard the rest.
 */
export interface CookiePolicy {
  readonly name: string;
  readonly secure: boolean;
}

export function cookiePolicy(publicUrl: string): CookiePolicy {
  return publicUrl.startsWith('https:') ? { name: '__Host-kyso_session', secure: true } : { name: 'kyso_session', secure: false };
}

/** The short-lived cookie naming a pending OIDC sign-in (state, nonce and PKCE verifier stay on the server). */
export function oidcCookiePolicy(publicUrl: string): CookiePolicy {
  return publicUrl.startsWith('https:') ? { name: '__Host-kyso_oidc', secure: true } : { name: 'kyso_oidc', secure: false };
}

/** One cookie's value from the Cookie header (first occurrence; values are base64url, no decoding needed). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function setCookie(res: Response, p: CookiePolicy, value: string, maxAgeSeconds: number): void {
  const attrs = [`${p.name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (p.secure) attrs.push('Secure');
  res.append('Set-Cookie', attrs.join('; '));
}

export function clearCookie(res: Response, p: CookiePolicy): void {
  setCookie(res, p, '', 0);
}
