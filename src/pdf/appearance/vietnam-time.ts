/**
 * Vietnam time for stamps. Decree 30/2020 Appendix I shows the signing time as
 * `dd/mm/yyyy hh:mm:ss` in Vietnam time with the ISO 8601 offset `+07:00`.
 * Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975, so a fixed offset is exact
 * for any signing time and does not depend on the machine's TZ or on ICU data.
 */

export type TimeFormatter = (date: Date) => string;

const OFFSET_MS = 7 * 60 * 60 * 1000;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** The calendar fields of `date` in Vietnam time. */
export function vietnamParts(date: Date): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError('vietnamParts: invalid Date');
  const d = new Date(t + OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** `dd/mm/yyyy hh:mm:ss +07:00` — the stamp's signing time. */
export const formatVietnamTime: TimeFormatter = (date) => {
  const p = vietnamParts(date);
  return `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} +07:00`;
};

/** `dd/mm/yyyy` in Vietnam time. */
export function formatVietnamDate(date: Date): string {
  const p = vietnamParts(date);
  return `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)}`;
}
