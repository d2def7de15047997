import { afterEach, describe, expect, it } from 'vitest';
import { setTimingSink, timed, type TimingPhase } from '../../../src/core/timing.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

afterEach(() => {
  setTimingSink(undefined);
});

function recording(): Array<{ phase: TimingPhase; wallMs: number }> {
  const spans: Array<{ phase: TimingPhase; wallMs: number }> = [];
  setTimingSink((phase, wallMs) => spans.push({ phase, wallMs }));
  return spans;
}

describe('timed', () => {
  it('ok/calls in turn are reported one span each', async () => {
    const spans = recording();
    await timed('pin-hash', () => sleep(20));
    await timed('pin-hash', () => sleep(20));
    expect(spans.map((s) => s.phase)).toEqual(['pin-hash', 'pin-hash']);
    for (const s of spans) expect(s.wallMs).toBeGreaterThanOrEqual(15);
  });

  it('ok/overlapping calls of one phase are one span, from the first start to the last end, not the sum', async () => {
    const spans = recording();
    await Promise.all([timed('pin-hash', () => sleep(60)), timed('pin-hash', () => sleep(60)), timed('statement', () => sleep(10))]);
    const pin = spans.filter((s) => s.phase === 'pin-hash');
    expect(pin).toHaveLength(1);
    expect(pin[0]!.wallMs).toBeGreaterThanOrEqual(50);
    expect(pin[0]!.wallMs).toBeLessThan(110);
    expect(spans.filter((s) => s.phase === 'statement')).toHaveLength(1);
  });

  it('fail/a call that throws at once or rejects still closes its span and passes the error on', async () => {
    const spans = recording();
    await expect(
      timed('tsa', () => {
        throw new Error('at once');
      }),
    ).rejects.toThrow('at once');
    await expect(timed('tsa', () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(spans.map((s) => s.phase)).toEqual(['tsa', 'tsa']);
  });

  it('ok/without a sink the function only runs', async () => {
    expect(await timed('ltv', () => Promise.resolve(7))).toBe(7);
  });
});
