import QRCode from 'qrcode';
import { qrSegments, type QrSegment } from './qr-segments.js';

/** A QR code symbol's modules, row by row from the top; 1 = dark. */
export interface QrModules {
  readonly size: number;
  readonly dark: Uint8Array;
}

/**
 * The QR code (ISO/IEC 18004, error correction level M) the `qrcode` package makes for `text`
 * split into the segments of ./qr-segments.ts, module for module, at a fraction of its cost: the
 * segments are found here (the package's own search is slow), and the package tries the eight
 * data masks on its bit matrix one get() at a time, which was most of a copy's QR time. Here the
 * symbol is made once with mask 0, and the same penalty rules (§7.8.3: N1 runs, N2 blocks, N3
 * finder-like patterns, N4 balance; ties to the lowest mask number) score all eight masks in one
 * pass over a bit-sliced array, one byte a module, bit p its colour under mask p.
 */
export function qrModules(text: string): QrModules {
  const { symbol } = qrSymbol(text);
  const { size, data, reservedBit } = symbol.modules as unknown as { size: number; data: Uint8Array; reservedBit: Uint8Array };
  const masks = slicedMasks(reservedBit, size);
  // All eight masked symbols at once: bit p of a module's byte is its colour under mask p.
  const all = new Uint8Array(size * size);
  for (let k = 0; k < all.length; k++) {
    const flips = masks.flips[k]!;
    const unmasked = data[k]! ^ (flips & 1); // the package applied mask 0
    all[k] = (unmasked ? 0xff : 0) ^ flips;
  }
  for (let j = 0; j < masks.formatAt.length; j++) all[masks.formatAt[j]!] = masks.formatBits[j]!;
  const penalties = penaltyScores(all, size);
  let best = 0;
  for (let p = 1; p < 8; p++) if (penalties[p]! < penalties[best]!) best = p;
  const dark = new Uint8Array(all.length);
  for (let k = 0; k < all.length; k++) dark[k] = (all[k]! >> best) & 1;
  return { size, dark };
}

/**
 * The fewest-bits segments of `text` and its symbol with mask 0. The character count lengths
 * depend on the version (§7.4.1), which depends on the data's length: segments counted for
 * versions 1-9 that need a larger version are counted again for that version's group.
 */
export function qrSymbol(text: string): { segments: QrSegment[]; symbol: QRCode.QRCode } {
  let segments = qrSegments(text, 0);
  let symbol = create(segments);
  for (const [group, above] of [
    [1, 9],
    [2, 26],
  ] as const)
    if (symbol.version > above) {
      segments = qrSegments(text, group);
      symbol = create(segments);
    }
  return { segments, symbol };
}

// The package's types allow only bytes as byte-segment data; its ByteData also takes a string and encodes it as UTF-8.
const create = (segments: QrSegment[]): QRCode.QRCode =>
  QRCode.create(segments as QRCode.QRCodeSegment[], { errorCorrectionLevel: 'M', maskPattern: 0 });

function maskAt(p: number, i: number, j: number): boolean {
  switch (p) {
    case 0:
      return (i + j) % 2 === 0;
    case 1:
      return i % 2 === 0;
    case 2:
      return j % 3 === 0;
    case 3:
      return (i + j) % 3 === 0;
    case 4:
      return (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0;
    case 5:
      return ((i * j) % 2) + ((i * j) % 3) === 0;
    case 6:
      return (((i * j) % 2) + ((i * j) % 3)) % 2 === 0;
    default:
      return (((i * j) % 3) + ((i + j) % 2)) % 2 === 0;
  }
}

/**
 * The eight masks of a symbol size, bit-sliced: bit p of flips[k] is set when mask p flips module
 * k (the function patterns, `reserved`, are never masked), and the format information each mask
 * writes (§7.9), bit p for mask p, at its positions. They depend on the version only: made once.
 */
interface SlicedMasks {
  readonly flips: Uint8Array;
  readonly formatAt: Int32Array;
  readonly formatBits: Uint8Array;
}
function slicedMasks(reserved: Uint8Array, size: number): SlicedMasks {
  let masks = masksBySize.get(size);
  if (!masks) {
    const flips = new Uint8Array(size * size);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        const k = r * size + c;
        if (!reserved[k]) for (let p = 0; p < 8; p++) if (maskAt(p, r, c)) flips[k] = flips[k]! | (1 << p);
      }
    const bitsAt = new Map<number, number>();
    for (let p = 0; p < 8; p++) {
      const m = new Uint8Array(size * size).fill(2);
      writeFormatInfo(m, size, p);
      for (let k = 0; k < m.length; k++) if (m[k] !== 2) bitsAt.set(k, (bitsAt.get(k) ?? 0) | (m[k]! << p));
    }
    masks = { flips, formatAt: Int32Array.from(bitsAt.keys()), formatBits: Uint8Array.from(bitsAt.values()) };
    masksBySize.set(size, masks);
  }
  return masks;
}
const masksBySize = new Map<number, SlicedMasks>();

/** §7.9: the 15-bit format information, BCH(15,5) of (level M = 00, mask), XOR 101010000010010. */
function formatBits(mask: number): number {
  const d = mask; // level M's two bits are 00
  let rem = d << 10;
  for (let b = 14; b >= 10; b--) if ((rem >> b) & 1) rem ^= 0x537 << (b - 10);
  return ((d << 10) | rem) ^ 0x5412;
}

/** The format information's two copies and the dark module, where the `qrcode` package puts them. */
function writeFormatInfo(m: Uint8Array, size: number, mask: number): void {
  const bits = formatBits(mask);
  const set = (r: number, c: number, v: number): void => {
    m[r * size + c] = v;
  };
  for (let i = 0; i < 15; i++) {
    const v = (bits >> i) & 1;
    if (i < 6) set(i, 8, v);
    else if (i < 8) set(i + 1, 8, v);
    else set(size - 15 + i, 8, v);
    if (i < 8) set(8, size - i - 1, v);
    else if (i < 9) set(8, 15 - i, v);
    else set(8, 15 - i - 1, v);
  }
  set(size - 8, 8, 1);
}

/**
 * Per-mask counters packed 8 bits a lane: LOW[x] has bit p of x (p < 4) in lane p, HIGH[x] bit
 * p + 4, so adding LOW[x] and HIGH[x] counts one byte of eight masks' bits into eight lanes. A
 * line of a symbol (at most 177 modules) adds fewer than 256 to a lane before it is emptied.
 */
const LOW = new Float64Array(256);
const HIGH = new Float64Array(256);
for (let x = 0; x < 256; x++)
  for (let p = 0; p < 4; p++) {
    LOW[x] = LOW[x]! + ((x >> p) & 1) * 2 ** (8 * p);
    HIGH[x] = HIGH[x]! + ((x >> (p + 4)) & 1) * 2 ** (8 * p);
  }
function addLanes(into: Float64Array, low: number, high: number, weight: number): void {
  for (let p = 0; p < 4; p++) {
    into[p] = into[p]! + ((low >>> (8 * p)) & 0xff) * weight;
    into[p + 4] = into[p + 4]! + ((high >>> (8 * p)) & 0xff) * weight;
  }
}

/**
 * §7.8.3 Table 11's penalty of each of the eight masked symbols in `all` (bit p: mask p), as the
 * `qrcode` package scores them: N1 for each run of five or more same-coloured modules in a row or
 * column (3 + the length beyond five, counted here as one per five-module window in the run plus
 * two per run), N2 for each 2×2 block of one colour, N3 for each 1:1:3:1:1 finder-like pattern
 * with four light modules before or after it (10111010000 or 00001011101), N4 for the dark
 * modules' deviation from half. Each test is one bitwise operation for the eight masks at once.
 */
function penaltyScores(all: Uint8Array, size: number): Float64Array {
  const n1 = new Float64Array(8);
  const n2 = new Float64Array(8);
  const n3 = new Float64Array(8);
  const dark = new Float64Array(8);
  for (let a = 0; a < size; a++) {
    let darkLow = 0;
    let darkHigh = 0;
    let blockLow = 0;
    let blockHigh = 0;
    for (let b = 0; b < size; b++) {
      const k = a * size + b;
      const x = all[k]!;
      darkLow += LOW[x]!;
      darkHigh += HIGH[x]!;
      if (a < size - 1 && b < size - 1) {
        const one = ~((x ^ all[k + 1]!) | (x ^ all[k + size]!) | (x ^ all[k + size + 1]!)) & 0xff;
        blockLow += LOW[one]!;
        blockHigh += HIGH[one]!;
      }
    }
    addLanes(dark, darkLow, darkHigh, 1);
    addLanes(n2, blockLow, blockHigh, 1);
    lineScores(all, a * size, 1, size, n1, n3);
    lineScores(all, a, size, size, n1, n3);
  }
  const out = new Float64Array(8);
  for (let p = 0; p < 8; p++) {
    const n4 = Math.abs(Math.ceil((dark[p]! * 100) / all.length / 5) - 10);
    out[p] = n1[p]! + n2[p]! * 3 + n3[p]! * 40 + n4 * 10;
  }
  return out;
}

/** N1 and N3 of one row (step 1) or column (step `size`) for the eight masks. */
function lineScores(all: Uint8Array, start: number, step: number, size: number, n1: Float64Array, n3: Float64Array): void {
  let windowLow = 0;
  let windowHigh = 0;
  let runLow = 0;
  let runHigh = 0;
  let finderLow = 0;
  let finderHigh = 0;
  // the last eleven modules, x0 the newest; e0..e3 whether each of the last four equals the one before
  let x0 = 0;
  let x1 = 0;
  let x2 = 0;
  let x3 = 0;
  let x4 = 0;
  let x5 = 0;
  let x6 = 0;
  let x7 = 0;
  let x8 = 0;
  let x9 = 0;
  let x10 = 0;
  let e1 = 0;
  let e2 = 0;
  let e3 = 0;
  for (let b = 0, k = start; b < size; b++, k += step) {
    x10 = x9;
    x9 = x8;
    x8 = x7;
    x7 = x6;
    x6 = x5;
    x5 = x4;
    x4 = x3;
    x3 = x2;
    x2 = x1;
    x1 = x0;
    x0 = all[k]!;
    const e0 = ~(x0 ^ x1) & 0xff;
    if (b >= 4) {
      // five equal modules ending here; a run starts with them when the line starts there or the module before differs
      const window = e0 & e1 & e2 & e3;
      const starts = window & (b === 4 ? 0xff : x4 ^ x5);
      windowLow += LOW[window]!;
      windowHigh += HIGH[window]!;
      runLow += LOW[starts]!;
      runHigh += HIGH[starts]!;
    }
    if (b >= 10) {
      // oldest first: 1 0 1 1 1 0 1 0 0 0 0, and its mirror 0 0 0 0 1 0 1 1 1 0 1
      const light4 = ~(x0 | x1 | x2 | x3) & 0xff;
      const first = x10 & ~x9 & x8 & x7 & x6 & ~x5 & x4 & light4;
      const lightFirst4 = ~(x10 | x9 | x8 | x7) & 0xff;
      const mirror = lightFirst4 & x6 & ~x5 & x4 & x3 & x2 & ~x1 & x0;
      const finder = (first | mirror) & 0xff;
      finderLow += LOW[finder]!;
      finderHigh += HIGH[finder]!;
    }
    e3 = e2;
    e2 = e1;
    e1 = e0;
  }
  addLanes(n1, windowLow, windowHigh, 1);
  addLanes(n1, runLow, runHigh, 2);
  addLanes(n3, finderLow, finderHigh, 1);
}
