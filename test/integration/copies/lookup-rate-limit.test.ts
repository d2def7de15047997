import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { caller } from './setup.js';

/** The public lookup is rate-limited per client IP (token bucket), like the verifier. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ KYSO_RATE_BURST: '3', KYSO_RATE_LIMIT: '1' });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('public lookup rate limit', () => {
  it('fail/more lookups than the burst → 429 RATE_LIMITED problem', async () => {
    const call = caller(h.url);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await call('GET', '/api/v1/copies/lookup?code=0000-0000-000');
      statuses.push(last.status);
    }
    // Well-formed but unknown code: 404 until the bucket is empty, then 429.
    expect(statuses.slice(0, 3)).toEqual([404, 404, 404]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(last!.json.code).toBe('RATE_LIMITED');
  });
});
