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
 * segments are found here (the package's own search is slow), and the package tries the eight data masks on its
 * bit matrix one get() at a time, which was most of a copy's QR time. Here the symbol is made once
 * with mask 0, unmasked, and the same penalty rules (§7.8.3: N1 runs, N2 blocks, N3 finder-like
 * patterns, N4 balance; ties to the lowest mask number) choose the mask on a flat array.
 */
export function qrModules(text: string): QrModules {
  const { symbol } = qrSymbol(text);
  const { size, data, reservedBit } = symbol.modules as unknown as { size: number; data: Uint8Array; reservedBit: Uint8Array };
  const flips = maskFlips(reservedBit, size);
  const unmasked = Uint8Array.from(data);
  xorInto(unmasked, flips[0]!);
  let best: Uint8Array | undefined;
  let lowest = Infinity;
  for (let p = 0; p < 8; p++) {
    const m = Uint8Array.from(unmasked);
    writeFormatInfo(m, size, p);
    xorInto(m, flips[p]!);
    const penalty = penaltyScore(m, size);
    if (penalty < lowest) {
      lowest = penalty;
      best = m;
    }
  }
  return { size, dark: best! };
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
 * The eight masks as flat arrays (1 = the module flips): the function patterns (`reserved`) are
 * never masked and depend on the version only, so the masks of a symbol size are made once.
 */
function maskFlips(reserved: Uint8Array, size: number): readonly Uint8Array[] {
  let flips = flipsBySize.get(size);
  if (!flips) {
    const made: Uint8Array[] = [];
    for (let p = 0; p < 8; p++) {
      const f = new Uint8Array(size * size);
      for (let r = 0; r < size; r++)
        for (let c = 0; c < size; c++) {
          const k = r * size + c;
          if (!reserved[k] && maskAt(p, r, c)) f[k] = 1;
        }
      made.push(f);
    }
    flipsBySize.set(size, (flips = made));
  }
  return flips;
}
const flipsBySize = new Map<number, readonly Uint8Array[]>();

function xorInto(m: Uint8Array, flips: Uint8Array): void {
  for (let k = 0; k < m.length; k++) m[k] = m[k]! ^ flips[k]!;
}

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

function penaltyScore(m: Uint8Array, size: number): number {
  let n1 = 0;
  let n3 = 0;
  for (let a = 0; a < size; a++) {
    let lastRow = -1;
    let lastCol = -1;
    let runRow = 0;
    let runCol = 0;
    let bitsRow = 0;
    let bitsCol = 0;
    for (let b = 0; b < size; b++) {
      const h = m[a * size + b]!;
      const v = m[b * size + a]!;
      if (h === lastRow) runRow++;
      else {
        if (runRow >= 5) n1 += 3 + runRow - 5;
        lastRow = h;
        runRow = 1;
      }
      if (v === lastCol) runCol++;
      else {
        if (runCol >= 5) n1 += 3 + runCol - 5;
        lastCol = v;
        runCol = 1;
      }
      bitsRow = ((bitsRow << 1) & 0x7ff) | h;
      bitsCol = ((bitsCol << 1) & 0x7ff) | v;
      if (b >= 10) {
        if (bitsRow === 0x5d0 || bitsRow === 0x05d) n3++;
        if (bitsCol === 0x5d0 || bitsCol === 0x05d) n3++;
      }
    }
    if (runRow >= 5) n1 += 3 + runRow - 5;
    if (runCol >= 5) n1 += 3 + runCol - 5;
  }
  let n2 = 0;
  for (let r = 0; r < size - 1; r++)
    for (let c = 0; c < size - 1; c++) {
      const k = r * size + c;
      const s = m[k]! + m[k + 1]! + m[k + size]! + m[k + size + 1]!;
      if (s === 4 || s === 0) n2++;
    }
  let dark = 0;
  for (let k = 0; k < m.length; k++) dark += m[k]!;
  const n4 = Math.abs(Math.ceil((dark * 100) / m.length / 5) - 10);
  return n1 + n2 * 3 + n3 * 40 + n4 * 10;
}
