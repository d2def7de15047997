import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { AppError } from '../../src/core/errors.js';

/**
 * What every fuzzed input must end in: a result or an AppError (any other exception is a bug),
 * within a per-input time budget and without the heap growing past a bound. The tally is
 * printed (and appended to KYSO_FUZZ_OUT as JSON lines) for bench/REPORT-hardening.md.
 */
export class FuzzTally {
  inputs = 0;
  results = 0;
  readonly errorCodes = new Map<string, number>();
  slowestMs = 0;
  readonly #heapStart = process.memoryUsage().heapUsed;
  peakHeapGrowthMb = 0;

  constructor(
    readonly target: string,
    readonly budgetMs: number,
    readonly heapBoundMb = 512,
  ) {}

  /** Runs one input; rethrows anything that is not an AppError, fails when over budget. */
  async run(input: Buffer, fn: () => unknown): Promise<void> {
    const t0 = performance.now();
    try {
      await fn();
      this.results++;
    } catch (e) {
      if (!(e instanceof AppError)) {
        const head = input.subarray(0, 64).toString('hex');
        throw new Error(
          `${this.target}: ${(e as Error)?.constructor?.name ?? typeof e} on input (${input.length} bytes, starts ${head}): ${String((e as Error)?.message ?? e)}`,
          { cause: e },
        );
      }
      this.errorCodes.set(e.code, (this.errorCodes.get(e.code) ?? 0) + 1);
    }
    const ms = performance.now() - t0;
    this.inputs++;
    this.slowestMs = Math.max(this.slowestMs, ms);
    // A bound, not a speed claim: an input the budget cannot stop (a hang) shows up here.
    expect(ms, `${this.target}: one input took ${Math.round(ms)} ms (${input.length} bytes)`).toBeLessThan(this.budgetMs);
    if (this.inputs % 50 === 0) {
      const growth = (process.memoryUsage().heapUsed - this.#heapStart) / 2 ** 20;
      this.peakHeapGrowthMb = Math.max(this.peakHeapGrowthMb, Math.round(growth));
      expect(growth, `${this.target}: heap grew by ${Math.round(growth)} MB`).toBeLessThan(this.heapBoundMb);
    }
  }

  summary(): Record<string, unknown> {
    return {
      target: this.target,
      inputs: this.inputs,
      results: this.results,
      appErrors: Object.fromEntries([...this.errorCodes].sort()),
      slowestMs: Math.round(this.slowestMs),
      peakHeapGrowthMb: this.peakHeapGrowthMb,
    };
  }

  report(): void {
    const line = JSON.stringify(this.summary());
    process.stdout.write(`fuzz: ${line}\n`);
    if (process.env.KYSO_FUZZ_OUT) appendFileSync(process.env.KYSO_FUZZ_OUT, `${line}\n`);
  }
}
