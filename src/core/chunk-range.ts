/**
 * Copies bytes [from, to) of the concatenation of `parts` into `out` at `into`, without joining
 * the parts first; returns the number of bytes copied. A signed file is held as pieces (the input
 * and its new revision) and its signed byte ranges span them.
 */
export function copyRange(parts: readonly Buffer[], from: number, to: number, out: Buffer, into: number): number {
  let at = 0;
  let copied = 0;
  for (const p of parts) {
    const start = Math.max(from, at);
    const end = Math.min(to, at + p.length);
    if (start < end) copied += p.copy(out, into + copied, start - at, end - at);
    at += p.length;
  }
  return copied;
}
