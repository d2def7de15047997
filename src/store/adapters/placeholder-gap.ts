/**
 * A two-phase session row keeps its prepared PDF without the `/Contents` placeholder's zero hex
 * digits: they are most of the file (the placeholder is sized for the largest CMS the session may
 * receive) and carry nothing, since completion writes the CMS into them and the byte range excludes
 * them from what is signed (ISO 32000-1 §12.8.1: `<` at b, `>` at c-1). Stored bytes are
 * prepared[0, b) + prepared[c, end): b + d bytes, where the whole file has c + d (c > b), so the
 * length tells which form a row holds; a file whose gap is not `<0…0>` is stored whole.
 */
type ByteRange = readonly [number, number, number, number];

/** The bytes to store for `prepared` (its gap removed when the gap is the zero-filled placeholder). */
export function withoutPlaceholderGap(prepared: Buffer, byteRange: ByteRange): Buffer {
  const [a, b, c, d] = byteRange;
  if (a !== 0 || b < 0 || c - b < 2 || d < 0 || c + d !== prepared.length) return prepared;
  if (prepared[b] !== LT || prepared[c - 1] !== GT || !isZeroDigits(prepared, b + 1, c - 1)) return prepared;
  const out = Buffer.allocUnsafe(b + d);
  prepared.copy(out, 0, 0, b);
  prepared.copy(out, b, c, c + d);
  return out;
}

/** The prepared file from what a row holds (withoutPlaceholderGap's output, or a whole file). */
export function withPlaceholderGap(stored: Buffer, byteRange: ByteRange): Buffer {
  const [a, b, c, d] = byteRange;
  if (a !== 0 || c - b < 2 || stored.length !== b + d) return stored;
  const out = Buffer.allocUnsafe(c + d);
  stored.copy(out, 0, 0, b);
  out[b] = LT;
  out.fill(ZERO_DIGIT, b + 1, c - 1);
  out[c - 1] = GT;
  stored.copy(out, c, b, b + d);
  return out;
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
