import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../../src/http/log.js';
import { call, startHarness, type Harness } from './harness.js';

/** Rate limiting of public endpoints, and logs that never carry bearer tokens. */
const lines: string[] = [];
let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    { KYSO_RATE_LIMIT: '60', KYSO_RATE_BURST: '2' },
    createJsonLogger('debug', (l) => void lines.push(l)),
  );
});
afterAll(async () => {
  await h?.close();
});

describe('rate limit and logs', () => {
  it('fail/a public endpoint over its per-IP burst → 429 RATE_LIMITED problem with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 4; i++) {
      // A well-formed code that is in no register: 404 COPY_NOT_FOUND until the bucket is empty.
      last = await call(h, 'GET', '/api/v1/copies/lookup?code=0000-0000-000');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 2)).toEqual([404, 404]);
    expect(statuses[3]).toBe(429);
    expect(last!.json).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // CRLs, CA certificates and OCSP are cached and cheap: relying parties behind one NAT are never refused.
    for (let i = 0; i < 6; i++) expect((await call(h, 'GET', '/pki/crl/individuals.crl')).status).toBe(200);
    // Authenticated API routes are not behind the public bucket.
    expect((await call(h, 'GET', '/api/v1/cas', { token: h.adminToken })).status).toBe(200);
  });

  it('ok/request logs are JSON lines with request ids and never contain the bearer token', async () => {
    await call(h, 'GET', '/api/v1/tokens', { token: h.adminToken, headers: { 'x-request-id': 'req-test-1' } });
    await call(h, 'GET', '/api/v1/tokens', { token: 'kyso_' + 'B'.repeat(43) });
    const all = lines.join('');
    expect(all).not.toContain(h.adminToken);
    expect(all).not.toContain('B'.repeat(43));
    const rec = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.requestId === 'req-test-1');
    expect(rec).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v1/tokens', status: 200 });
    expect(String(rec!.actor)).toMatch(/^token:tok_/);
  });
});
