import { AppError } from '../core/errors.js';

/**
 * Writes a CMS into the zero-filled `/Contents <…>` gap of an already prepared file (two-phase
 * completion: the session stores the prepared bytes and byte range, not the placement's closure). Only the
 * hex digits inside the gap change (ISO 32000-1 §12.8.1: the gap is the hex string, `<` at b and
 * `>` at c-1); every other byte is the prepared file's.
 */
export function embedIntoPlaceholder(prepared: Buffer, byteRange: readonly [number, number, number, number], cms: Buffer): Buffer {
  const [a, b, c, d] = byteRange;
  if (a !== 0 || c + d !== prepared.length || b >= c)
    throw new TypeError('embedIntoPlaceholder: byte range does not fit the prepared file');
  if (prepared[b] !== 0x3c || prepared[c - 1] !== 0x3e) throw new TypeError('embedIntoPlaceholder: the gap is not a hex string');
  const capacity = c - b - 2;
  const hex = cms.toString('hex');
  if (hex.length > capacity) {
    throw new AppError('PLACEHOLDER_OVERFLOW', 'the signature does not fit the prepared placeholder', {
      details: { needed: cms.length, capacity: Math.floor(capacity / 2) },
    });
  }
  const out = Buffer.from(prepared);
  out.write(hex, b + 1, 'latin1');
  return out;
}
