/** A QR code data segment (ISO/IEC 18004 §7.4); byte segments hold text, encoded as UTF-8. */
export interface QrSegment {
  readonly data: string;
  readonly mode: 'numeric' | 'alphanumeric' | 'byte';
}

type Mode = 0 | 1 | 2; // numeric, alphanumeric, byte
const MODES = ['numeric', 'alphanumeric', 'byte'] as const;
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** §7.4.1 Table 3: character count indicator bits per mode, for versions 1-9, 10-26, 27-40. */
const COUNT_BITS: readonly (readonly [number, number, number])[] = [
  [10, 9, 8],
  [12, 11, 16],
  [14, 13, 16],
];

/**
 * Splits `text` into numeric, alphanumeric and byte segments with the fewest data bits (§7.4.3-§7.4.5:
 * 10 bits per 3 digits, 11 bits per 2 alphanumeric characters, 8 bits per UTF-8 byte, 4 mode bits
 * plus a character count per segment), by dynamic programming over the characters, costs counted
 * in sixths of a bit so that the per-character costs are whole (Nayuki's method). `versionGroup`
 * (0: versions 1-9, 1: 10-26, 2: 27-40) fixes the character count lengths.
 *
 * The `qrcode` package can find a segmentation itself, but builds a graph of every split and runs
 * Dijkstra over it on every call, which cost more than the rest of a copy's QR code; any valid
 * segmentation decodes to the same text (§7.4.2: a decoder reads segment by segment).
 */
export function qrSegments(text: string, versionGroup: 0 | 1 | 2 = 0): QrSegment[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [{ data: '', mode: 'byte' }];
  const head = COUNT_BITS[versionGroup]!.map((cc) => (4 + cc) * 6);
  // modeOf[3i + s]: the mode of character i on the cheapest path whose state after it is s (the
  // mode of the segment open after character i, possibly a new one opened just after it).
  const modeOf = new Int8Array(chars.length * 3);
  const prev = Float64Array.from(head);
  const cost = new Float64Array(3);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const cp = ch.codePointAt(0)!;
    cost[2] = prev[2]! + utf8Length(cp) * 8 * 6;
    cost[1] = ALPHANUMERIC.includes(ch) ? prev[1]! + 33 : Infinity;
    cost[0] = cp >= 0x30 && cp <= 0x39 ? prev[0]! + 20 : Infinity;
    // Switching after this character: the segment so far rounded up to whole bits, then a new header.
    for (let to = 0; to < 3; to++) {
      let best = cost[to]!;
      let from = to;
      for (let m = 0; m < 3; m++) {
        if (to === m || cost[m] === Infinity) continue;
        const c = Math.ceil(cost[m]! / 6) * 6 + head[to]!;
        if (c < best) {
          best = c;
          from = m;
        }
      }
      prev[to] = best;
      modeOf[3 * i + to] = from;
    }
  }
  // The cheapest final state (never a segment opened after the last character: that costs more), then back along the path.
  let state: Mode = 0;
  for (let m = 1 as Mode; m < 3; m++) if (prev[m]! < prev[state]!) state = m as Mode;
  const modes = new Array<Mode>(chars.length);
  for (let i = chars.length - 1; i >= 0; i--) state = modes[i] = modeOf[3 * i + state]! as Mode;
  const out: QrSegment[] = [];
  let start = 0;
  for (let i = 1; i <= chars.length; i++)
    if (i === chars.length || modes[i] !== modes[start]) {
      out.push({ data: chars.slice(start, i).join(''), mode: MODES[modes[start]!]! });
      start = i;
    }
  return out;
}

/** Bytes of a code point in UTF-8 (RFC 3629); a lone surrogate is written as U+FFFD, three bytes. */
function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
