import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * Who may read operator detail (metrics, the reasons behind a failing readiness probe): a caller
 * on this machine's loopback interface, or anyone presenting the operator token. A request relayed
 * by a reverse proxy on the same host also arrives from loopback, so a `Forwarded` or
 * `X-Forwarded-For` header (RFC 7239) makes it an outside request.
 */
export function isOperatorRequest(req: Request, token: string | undefined): boolean {
  if (isDirectLoopback(req)) return true;
  if (!token) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return false;
  // Compare digests so the comparison takes the same time whatever the length of the guess.
  return timingSafeEqual(sha256(m[1]), sha256(token));
}

function isDirectLoopback(req: Request): boolean {
  if (req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined) return false;
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
