import type { Request } from 'express';

/**
 * The origins a state-changing cookie request may come from: kyso's public URL and the origin the
 * browser addressed (scheme + Host), so a server reached by its loopback address during
 * development works too. OWASP CSRF Prevention Cheat Sheet, "verifying origin with standard headers".
 */
export function requestOrigin(req: Request): string | undefined {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '' && origin !== 'null') return origin;
  if (origin === 'null') return 'null';
  const referer = req.headers.referer;
  if (typeof referer === 'string' && referer !== '') {
    try {
      return new URL(referer).origin;
    } catch {
      return 'null';
    }
  }
  return undefined;
}

/** True when the request names no origin (not a browser, or an old one) or names one of ours. */
export function isSameOrigin(req: Request, publicUrl: string): boolean {
  const o = requestOrigin(req);
  if (o === undefined) return true;
  const own = new Set<string>([new URL(publicUrl).origin]);
  const host = req.headers.host;
  if (host) own.add(`${req.protocol}://${host}`);
  return own.has(o);
}
