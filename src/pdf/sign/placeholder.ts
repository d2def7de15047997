import { createHash, hash as oneShotHash } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { copyRange } from '../../core/chunk-range.js';
import type { HashName } from '../../core/signature-algorithms.js';

export type ByteRange = [number, number, number, number];

/** Width of each of the three patched /ByteRange numbers (enough for files up to ~9.3 GB). */
export const BYTE_RANGE_DIGITS = 10;

const BYTE_RANGE_ZEROS = '0'.repeat(BYTE_RANGE_DIGITS);
const BYTE_RANGE_PLACEHOLDER = Buffer.from(`[0 ${BYTE_RANGE_ZEROS} ${BYTE_RANGE_ZEROS} ${BYTE_RANGE_ZEROS}]`, 'latin1');

/**
 * `[0 0000000000 0000000000 0000000000]`: fixed width so the final numbers fit in place.
 * Read-only and shared, as contentsPlaceholder: the serializer copies it into the update, where
 * the final value is written.
 */
export function byteRangePlaceholder(): Buffer {
  return BYTE_RANGE_PLACEHOLDER;
}

/**
 * The patched value, padded with spaces to the placeholder's width (white-space is free, §7.2.3):
 * ASCII, one byte per character, written over the placeholder's bytes.
 */
export function byteRangeText(br: ByteRange): string {
  const width = BYTE_RANGE_PLACEHOLDER.length;
  const s = `[${br[0]} ${br[1]} ${br[2]} ${br[3]}`;
  if (s.length + 1 > width) throw new AppError('PDF_LIMIT_EXCEEDED', 'file too large for the /ByteRange placeholder');
  return s + ' '.repeat(width - s.length - 1) + ']';
}

let zeros: Buffer | undefined;

/**
 * `<00…00>` holding `size` bytes of DER. Read-only and shared between calls of the same size (a
 * batch asks for the same one per document): the serializer copies it into the update, and the
 * CMS is later written into that copy, never into this buffer.
 */
export function contentsPlaceholder(size: number): Buffer {
  if (zeros?.length !== size * 2 + 2) {
    zeros = Buffer.alloc(size * 2 + 2, 0x30);
    zeros[0] = 0x3c;
    zeros[zeros.length - 1] = 0x3e;
  }
  return zeros;
}

/**
 * Hashes the two byte ranges of a (possibly split) file in place: `chunks` are consecutive
 * buffers forming the file (original ‖ appended tail), never concatenated or copied.
 */
export function hashByteRange(chunks: readonly Buffer[], br: ByteRange, hash: HashName): Buffer {
  const ranges: Array<[number, number]> = [
    [br[0], br[0] + br[1]],
    [br[2], br[2] + br[3]],
  ];
  // A small file's signed bytes are gathered and hashed in one call: copying a few kilobytes
  // costs less than a Hash object and its update calls (a batch hashes one such file per document).
  if (br[1] + br[3] <= SMALL_RANGES) {
    let at = 0;
    for (const [from, to] of ranges) at += copyRange(chunks, from, to, gathered, at);
    return oneShotHash(hash, gathered.subarray(0, at), 'buffer');
  }
  const h = createHash(hash);
  for (const [from, to] of ranges) {
    let base = 0;
    for (const c of chunks) {
      const lo = Math.max(from, base);
      const hi = Math.min(to, base + c.length);
      if (lo < hi) h.update(c.subarray(lo - base, hi - base));
      base += c.length;
    }
  }
  return h.digest();
}

/** Up to this many signed bytes are hashed in one call, from `gathered` (written and read synchronously only). */
const SMALL_RANGES = 64 * 1024;
const gathered = Buffer.allocUnsafe(SMALL_RANGES);

/** Digest over a prepared file's byte ranges (e.g. a two-phase session's stored bytes). */
export function digestByteRange(pdf: Buffer, br: ByteRange, hash: HashName): Buffer {
  if (br[2] + br[3] > pdf.length) throw new TypeError('byte range outside the file');
  return hashByteRange([pdf], br, hash);
}

/**
 * Writes `cms` as hex into the `/Contents` gap [br[1], br[2]) of `target` (starting `offset` bytes
 * into the file), zero-padding the rest. PLACEHOLDER_OVERFLOW when it does not fit: the caller
 * prepares again with a larger placeholder — nothing is truncated.
 */
export function writeContents(target: Buffer, offset: number, br: ByteRange, cms: Buffer): void {
  const gapStart = br[1] - offset;
  const gapEnd = br[2] - offset;
  const capacity = (gapEnd - gapStart - 2) / 2;
  if (target[gapStart] !== 0x3c || target[gapEnd - 1] !== 0x3e) throw new TypeError('byte range gap is not the /Contents hex string');
  if (cms.length > capacity)
    throw new AppError('PLACEHOLDER_OVERFLOW', `signature needs ${cms.length} bytes but the placeholder holds ${capacity}`, {
      details: { needed: cms.length, capacity },
    });
  const hex = cms.toString('hex');
  target.write(hex, gapStart + 1, 'latin1');
  target.fill(0x30, gapStart + 1 + hex.length, gapEnd - 1);
}

/** Embeds `cms` into a prepared file held in one buffer (modified in place, and returned). */
export function embedCms(preparedPdf: Buffer, br: ByteRange, cms: Buffer): Buffer {
  if (br[2] + br[3] !== preparedPdf.length) throw new TypeError('byte range does not end at the end of the file');
  writeContents(preparedPdf, 0, br, cms);
  return preparedPdf;
}
