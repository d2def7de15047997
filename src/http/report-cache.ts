import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';

/**
 * Keeps recent verification uploads so `GET /api/v1/verify/{reportId}/signed-revision/{n}` can
 * offer the signed revision without storing citizens' documents: memory only, bounded in bytes,
 * expires after `ttlMs`, oldest evicted first. Report ids are 128-bit random (unguessable).
 */
export class ReportCache<R> {
  readonly #items = new Map<string, { pdf: Buffer; report: R; at: number }>();
  #bytes = 0;
  constructor(private readonly o: { clock: Clock; ttlMs: number; maxBytes: number }) {}

  put(pdf: Buffer, report: R): string {
    const id = `rep_${randomBytes(16).toString('base64url')}`;
    this.#sweep();
    if (pdf.length > this.o.maxBytes) return id;
    this.#items.set(id, { pdf, report, at: this.o.clock.now().getTime() });
    this.#bytes += pdf.length;
    while (this.#bytes > this.o.maxBytes) {
      const first = this.#items.keys().next().value;
      if (first === undefined) break;
      this.#drop(first);
    }
    return id;
  }

  get(id: string): { pdf: Buffer; report: R } | undefined {
    this.#sweep();
    return this.#items.get(id);
  }

  #drop(id: string): void {
    const it = this.#items.get(id);
    if (!it) return;
    this.#bytes -= it.pdf.length;
    this.#items.delete(id);
  }

  #sweep(): void {
    const cutoff = this.o.clock.now().getTime() - this.o.ttlMs;
    for (const [id, it] of this.#items) {
      if (it.at >= cutoff) break;
      this.#drop(id);
    }
  }
}
