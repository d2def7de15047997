/**
 * An optional, process-wide timing hook for benchmarks (bench/copies.bench.mjs): where the time
 * of a unit of work goes, by phase. Off by default: with no sink installed `timed` only calls the
 * function, so production paths carry one branch and no clock reads.
 */
export type TimingPhase = 'pin-hash' | 'statement' | 'signature' | 'tsa' | 'ltv' | 'register';

/** Wall time, and the process's CPU time (all threads, user + system) over the same span, in ms. */
export type TimingSink = (phase: TimingPhase, wallMs: number, cpuMs: number) => void;

let sink: TimingSink | undefined;

/** Per phase, the span open while calls of that phase overlap (e.g. two PINs hashed at once). */
interface OpenSpan {
  depth: number;
  readonly t0: number;
  readonly c0: NodeJS.CpuUsage;
}
const open = new Map<TimingPhase, OpenSpan>();

/** Installs (or, with undefined, removes) the sink; returns the previous one. */
export function setTimingSink(next: TimingSink | undefined): TimingSink | undefined {
  const prev = sink;
  sink = next;
  open.clear();
  return prev;
}

/**
 * Runs `fn`, reporting its wall time under `phase` when a sink is installed. Calls of one phase
 * that overlap are reported as one span, from the first start to the last end: their wall time
 * and the process's CPU time are counted once, not once per call.
 */
export function timed<T>(phase: TimingPhase, fn: () => Promise<T>): Promise<T> {
  const s = sink;
  if (s === undefined) return fn();
  let span = open.get(phase);
  if (span) span.depth++;
  else open.set(phase, (span = { depth: 1, t0: performance.now(), c0: process.cpuUsage() }));
  const opened = span;
  let run: Promise<T>;
  try {
    run = fn();
  } catch (err) {
    run = Promise.reject(err as Error);
  }
  return run.finally(() => {
    if (--opened.depth > 0 || open.get(phase) !== opened) return;
    open.delete(phase);
    const c = process.cpuUsage(opened.c0);
    s(phase, performance.now() - opened.t0, (c.user + c.system) / 1000);
  });
}
