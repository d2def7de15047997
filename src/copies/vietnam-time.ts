/**
 * Vietnam local time (Asia/Ho_Chi_Minh, UTC+07:00, no daylight saving since 1975), computed
 * arithmetically so results never depend on the machine's TZ or ICU data. The register year
 * and the dates printed on copies are Vietnam dates (Decree 23/2015 Art. 13: numbering restarts
 * on 1 January).
 */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;

export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export function vietnamParts(d: Date): LocalParts {
  const l = new Date(d.getTime() + VIETNAM_OFFSET_MS);
  return {
    year: l.getUTCFullYear(),
    month: l.getUTCMonth() + 1,
    day: l.getUTCDate(),
    hour: l.getUTCHours(),
    minute: l.getUTCMinutes(),
    second: l.getUTCSeconds(),
  };
}

export function vietnamYear(d: Date): number {
  return vietnamParts(d).year;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** `dd/mm/yyyy`, Vietnam date. */
export function formatVietnamDate(d: Date): string {
  const p = vietnamParts(d);
  return `${p2(p.day)}/${p2(p.month)}/${p.year}`;
}

/** ISO 8601 with the +07:00 offset, e.g. 2026-11-26T22:18:03+07:00. */
export function isoVietnam(d: Date): string {
  const p = vietnamParts(d);
  return `${p.year}-${p2(p.month)}-${p2(p.day)}T${p2(p.hour)}:${p2(p.minute)}:${p2(p.second)}+07:00`;
}
