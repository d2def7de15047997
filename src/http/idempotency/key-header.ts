import type { Request } from 'express';
import { AppError } from '../../core/errors.js';

/**
 * The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header, "The
 * Idempotency-Key HTTP Request Header Field"): an RFC 8941 structured-field String, e.g.
 * `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`. Many clients written before the
 * draft send the key bare (`Idempotency-Key: 8e03978e-…`); a bare key of token characters is
 * accepted as the same key, so `"abc"` and `abc` name one key. The draft asks for a UUID or
 * another key with enough entropy; kyso only bounds the length (1-255 characters).
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MAX_KEY = 255;

/** The key of the request, undefined when the header is absent; IDEMPOTENCY_KEY_INVALID when malformed. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  // Node joins repeated headers with ", "; a repeated or list-valued key is refused.
  const text = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
  const key = text.startsWith('"') ? parseSfString(text) : /^[A-Za-z0-9!#$%&'*+.^_`|~:/=-]+$/.test(text) ? text : undefined;
  if (key === undefined || key.length === 0 || key.length > MAX_KEY) {
    throw new AppError(
      'IDEMPOTENCY_KEY_INVALID',
      `Idempotency-Key must be one structured-field string of 1-${MAX_KEY} visible ASCII characters, e.g. "0b6d3b2e-…"`,
    );
  }
  return key;
}

/** RFC 8941 §4.2.5: DQUOTE, printable ASCII with `\"` and `\\` escapes, DQUOTE, nothing after. */
function parseSfString(text: string): string | undefined {
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[++i];
      if (next !== '"' && next !== '\\') return undefined;
      out += next;
    } else if (ch === '"') {
      return i === text.length - 1 ? out : undefined;
    } else {
      const c = ch.charCodeAt(0);
      if (c < 0x20 || c > 0x7e) return undefined;
      out += ch;
    }
  }
  return undefined;
}
