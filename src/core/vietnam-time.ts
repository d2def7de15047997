/**
 * Vietnam local time (Asia/Ho_Chi_Minh). It has been UTC+07:00 without daylight saving since
 * 1975, so a fixed offset is exact and results never depend on the machine's TZ or ICU data.
 * Used for stamps (Decree 30/2020 Appendix I: `dd/mm/yyyy hh:mm:ss` with `+07:00`), for the
 * register year (Decree 23/2015 Art. 13: numbering restarts on 1 January) and for dates printed
 * on certified copies.
 */
export type TimeFormatter = (date: Date) => string;

export const VIETNAM_OFFSET_MS = 7 * 3_600_000;

export interface VietnamParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The calendar fields of `date` in Vietnam time. */
export function vietnamParts(date: Date): VietnamParts {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError('vietnamParts: invalid Date');
  const l = new Date(t + VIETNAM_OFFSET_MS);
  return {
    year: l.getUTCFullYear(),
    month: l.getUTCMonth() + 1,
    day: l.getUTCDate(),
    hour: l.getUTCHours(),
    minute: l.getUTCMinutes(),
    second: l.getUTCSeconds(),
  };
}

export function vietnamYear(date: Date): number {
  return vietnamParts(date).year;
}

/** `dd/mm/yyyy` in Vietnam time. */
export function formatVietnamDate(date: Date): string {
  const p = vietnamParts(date);
  return `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)}`;
}

/** `dd/mm/yyyy hh:mm:ss +07:00` — a stamp's signing time. */
export const formatVietnamTime: TimeFormatter = (date) => {
  const p = vietnamParts(date);
  return `${formatVietnamDate(date)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} +07:00`;
};

/** ISO 8601 with the +07:00 offset, e.g. 2026-11-26T22:18:03+07:00. */
export function isoVietnam(date: Date): string {
  const p = vietnamParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}+07:00`;
}
