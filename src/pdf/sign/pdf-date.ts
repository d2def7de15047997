/**
 * PDF date string (ISO 32000-1 §7.9.4): `D:YYYYMMDDHHmmSSOHH'mm'`. With an offset the local
 * wall-clock time is written (Vietnam: +07'00'); without one, UTC with `Z`.
 */
export function pdfDate(d: Date, offsetMinutes?: number): string {
  if (!Number.isFinite(d.getTime())) throw new TypeError('pdfDate: invalid date');
  const off = offsetMinutes ?? 0;
  const t = new Date(d.getTime() + off * 60_000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `D:${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
  if (offsetMinutes === undefined) return `${base}Z`;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${base}${sign}${p(Math.floor(a / 60))}'${p(a % 60)}'`;
}
