/**
 * Times are shown in Vietnam time (UTC+07:00, no daylight saving since 1975), computed by hand
 * so the display does not depend on the browser's time-zone database or locale data.
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;
const pad = (n) => String(n).padStart(2, '0');

/**
 * '2026-11-26T15:44:40Z' → '26/11/2026 22:44:40 (UTC+7)', the server presenter's format
 * (src/pdf/verify/present.ts vietnamClock). Returns the input unchanged when it
 * is not a date, and '' for null.
 * @param {string | null | undefined} iso
 */
export function vietnamTime(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const d = new Date(t + OFFSET_MS);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} (UTC+7)`;
}

/** Date only: '26/11/2026'. @param {string | null | undefined} iso */
export function vietnamDate(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const d = new Date(t + OFFSET_MS);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}
