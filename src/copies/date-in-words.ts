import { vietnamParts } from '../core/vietnam-time.js';

/**
 * Vietnamese number and date words for the certification statement ("Ngày … tháng … năm …"
 * in figures and in words, as certification registers and statements write them).
 */
const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;

const digit = (n: number): string => DIGITS[n] ?? '';

/** Words for 0..999; `full` forces "không trăm" / "lẻ" forms used inside larger numbers. */
function belowThousand(n: number, full: boolean): string {
  const h = Math.floor(n / 100);
  const t = Math.floor((n % 100) / 10);
  const u = n % 10;
  const parts: string[] = [];
  if (h > 0 || full) parts.push(`${digit(h)} trăm`);
  if (t === 0) {
    if (u > 0 && (h > 0 || full)) parts.push('lẻ');
  } else if (t === 1) {
    parts.push('mười');
  } else {
    parts.push(`${digit(t)} mươi`);
  }
  if (u > 0) {
    // "mốt" after mươi (21 = hai mươi mốt), "lăm" after a tens word (15, 25), "tư" after mươi (24).
    if (u === 1 && t >= 2) parts.push('mốt');
    else if (u === 5 && t >= 1) parts.push('lăm');
    else if (u === 4 && t >= 2) parts.push('tư');
    else parts.push(digit(u));
  }
  return parts.join(' ');
}

/** Vietnamese words for a non-negative integer below one million (enough for dates and numbers in a register). */
export function numberInWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1_000_000) throw new TypeError('numberInWords: 0..999999 only');
  if (n === 0) return 'không';
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (thousands === 0) return belowThousand(rest, false);
  const head = `${belowThousand(thousands, false)} nghìn`;
  return rest === 0 ? head : `${head} ${belowThousand(rest, true)}`;
}

/**
 * "Ngày 26 tháng 11 năm 2026" (Vietnam date). Decree 30/2020/NĐ-CP Appendix I (time and place of
 * issue): a day below 10 and a month below 3 are written with a leading zero ("ngày 05 tháng 02").
 */
export function dateInFigures(d: Date): string {
  const p = vietnamParts(d);
  const dd = p.day < 10 ? `0${p.day}` : String(p.day);
  const mm = p.month < 3 ? `0${p.month}` : String(p.month);
  return `Ngày ${dd} tháng ${mm} năm ${p.year}`;
}

/** "Ngày hai mươi sáu tháng mười một năm hai nghìn không trăm hai mươi sáu". */
export function dateInWords(d: Date): string {
  const p = vietnamParts(d);
  return `Ngày ${numberInWords(p.day)} tháng ${numberInWords(p.month)} năm ${numberInWords(p.year)}`;
}
