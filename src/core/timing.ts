/**
 * An optional, process-wide timing hook for benchmarks (bench/copies.bench.mjs): where the time
 * of a unit of work goes, by phase. Off by default: with no sink installed `timed` only calls the
 * function, so production paths carry one branch and no clock reads.
 */
export type TimingPhase = 'pin-hash' | 'statement' | 'signature' | 'tsa' | 'ltv' | 'register';

/** Wall time, and the process's CPU time (all threads, user + system) over the same span, in ms. */
export type TimingSink = (phase: TimingPhase, wallMs: number, cpuMs: number) => void;

let sink: TimingSink | undefined;

/** Installs (or, with undefined, removes) the sink; returns the previous one. */
export function setTimingSink(next: TimingSink | undefined): TimingSink | undefined {
  const prev = sink;
  sink = next;
  return prev;
}

/** Runs `fn`, reporting its wall time under `phase` when a sink is installed. */
export function timed<T>(phase: TimingPhase, fn: () => Promise<T>): Promise<T> {
  const s = sink;
  if (s === undefined) return fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return fn().finally(() => {
    const c = process.cpuUsage(c0);
    s(phase, performance.now() - t0, (c.user + c.system) / 1000);
  });
}
