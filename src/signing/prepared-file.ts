import { AppError } from '../core/errors.js';
import { copyRange } from '../core/chunk-range.js';

/**
 * A two-phase session's prepared file (docs/signatures-and-validation.md "Two phases") is kept
 * without the `/Contents` placeholder's zero hex digits: they are most of the file (the
 * placeholder is sized for the largest CMS the session may receive) and carry nothing, since the
 * byte range excludes them from what is signed and completion writes the CMS over them
 * (ISO 32000-1 §12.8.1: `<` at b, `>` at c-1). The kept bytes are prepared[0, b) + prepared[c, end):
 * b + d bytes, where the whole file has c + d (c > b), so the length tells the two forms apart; a
 * whole file (a gap that is not `<0…0>`, or a session stored before) works the same everywhere.
 */
export type ByteRange = readonly [number, number, number, number];

/**
 * The prepared file (whole, or as consecutive parts) without its gap when the gap is the
 * zero-filled placeholder; otherwise the whole file.
 */
export function withoutPlaceholderGap(prepared: Buffer | readonly Buffer[], byteRange: ByteRange): Buffer {
  const parts = Buffer.isBuffer(prepared) ? [prepared] : prepared;
  const whole = () => (Buffer.isBuffer(prepared) ? prepared : Buffer.concat(parts));
  const [a, b, c, d] = byteRange;
  const length = parts.reduce((n, p) => n + p.length, 0);
  if (a !== 0 || b < 0 || c - b < 2 || d < 0 || c + d !== length) return whole();
  // the gap lies in one part (the placeholder is written as one string)
  let at = 0;
  const holder = parts.find((p) => (at + p.length >= c ? true : ((at += p.length), false)));
  if (!holder || b < at) return whole();
  if (holder[b - at] !== LT || holder[c - 1 - at] !== GT || !isZeroDigits(holder, b + 1 - at, c - 1 - at)) return whole();
  const out = Buffer.allocUnsafe(b + d);
  copyRange(parts, 0, b, out, 0);
  copyRange(parts, c, c + d, out, b);
  return out;
}

/** The two signed byte ranges of a prepared file in either form (no copy). */
export function signedRanges(prepared: Buffer, byteRange: ByteRange): [Buffer, Buffer] {
  const [a, b, c, d] = byteRange;
  const from = isWithoutGap(prepared, byteRange) ? b : c;
  return [prepared.subarray(a, a + b), prepared.subarray(from, from + d)];
}

/**
 * The signed file: the prepared file (either form) with `cms` in hex at the start of the gap and
 * zero digits after it. Only the gap's digits differ from the prepared file; a CMS larger than
 * the gap is PLACEHOLDER_OVERFLOW (nothing is truncated).
 */
export function embedIntoPlaceholder(prepared: Buffer, byteRange: ByteRange, cms: Buffer): Buffer {
  const [a, b, c, d] = byteRange;
  const withoutGap = isWithoutGap(prepared, byteRange);
  if (a !== 0 || b >= c || (!withoutGap && c + d !== prepared.length))
    throw new TypeError('embedIntoPlaceholder: byte range does not fit the prepared file');
  if (!withoutGap && (prepared[b] !== LT || prepared[c - 1] !== GT))
    throw new TypeError('embedIntoPlaceholder: the gap is not a hex string');
  const capacity = c - b - 2;
  if (cms.length * 2 > capacity) {
    throw new AppError('PLACEHOLDER_OVERFLOW', 'the signature does not fit the prepared placeholder', {
      details: { needed: cms.length, capacity: Math.floor(capacity / 2) },
    });
  }
  const out = Buffer.allocUnsafe(c + d);
  prepared.copy(out, 0, 0, b);
  if (withoutGap) {
    out[b] = LT;
    out.fill(ZERO_DIGIT, b + 1, c - 1);
    out[c - 1] = GT;
    prepared.copy(out, c, b, b + d);
  } else {
    prepared.copy(out, b, b, c + d);
  }
  out.write(cms.toString('hex'), b + 1, 'latin1');
  return out;
}

function isWithoutGap(prepared: Buffer, [a, b, c, d]: ByteRange): boolean {
  return a === 0 && c - b >= 2 && prepared.length === b + d;
}

const LT = 0x3c;
const GT = 0x3e;
const ZERO_DIGIT = 0x30;
let zeros = Buffer.alloc(0);

function isZeroDigits(buf: Buffer, from: number, to: number): boolean {
  const n = to - from;
  if (zeros.length < n) zeros = Buffer.alloc(n, ZERO_DIGIT);
  return buf.compare(zeros, 0, n, from, to) === 0;
}
