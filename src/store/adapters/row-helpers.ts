/** Conversions between port records and the portable column encodings (schema.ts). */
export const iso = (d: Date): string => {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError('store: invalid Date');
  return d.toISOString();
};
export const isoOrNull = (d: Date | null | undefined): string | null => (d == null ? null : iso(d));
export const date = (s: string): Date => new Date(s);
export const dateOrNull = (s: string | null): Date | null => (s === null ? null : new Date(s));
export const buf = (b: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b));
export const bufOrNull = (b: Buffer | Uint8Array | null): Buffer | null => (b === null ? null : buf(b));

/** Lists of DER blobs as JSON text (an array of base64 strings): order kept, portable. */
export const encodeBuffers = (list: readonly Buffer[]): string => JSON.stringify(list.map((b) => buf(b).toString('base64')));
export const decodeBuffers = (text: string): Buffer[] => (JSON.parse(text) as string[]).map((s) => Buffer.from(s, 'base64'));

/** Page size with the ports' default (100) and cap (1000). */
export function pageOf(f: { limit?: number; offset?: number }, cap = 1000): { limit: number; offset: number } {
  const limit = Math.min(Math.max(1, Math.floor(f.limit ?? 100)), cap);
  const offset = Math.max(0, Math.floor(f.offset ?? 0));
  return { limit, offset };
}

export const changed = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number =>
  Number(r.numUpdatedRows ?? r.numDeletedRows ?? 0n);
