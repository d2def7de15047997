import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import type { NewClaim } from '../../../src/store/ports/idempotency-keys.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';

const T0 = new Date('2026-03-01T00:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function claim(o: Partial<NewClaim> & { key: string; claimId: string }): NewClaim {
  return {
    caller: 'token:tok_a',
    fingerprint: 'f1',
    method: 'POST',
    path: '/api/v1/copies',
    now: T0,
    lockedUntil: at(600),
    expiresAt: at(86400),
    ...o,
  };
}

describe.each(DIALECTS)('IdempotencyKeyRepository contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  it('ok/insert first: of many concurrent claims on two connection pools exactly one wins; the others see the pending row', async () => {
    const second = await openStore(ctx.db.config);
    try {
      const repos = [ctx.store.idempotencyKeys, second.idempotencyKeys];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => repos[i % 2]!.claim(claim({ key: 'race', claimId: `c${i}` }))),
      );
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      for (const r of results) if (!r.claimed) expect(r.existing.state).toBe('pending');
    } finally {
      await second.close();
    }
  });

  it('ok/complete stores the answer for replay; only the claim that runs may complete or release', async () => {
    const repo = ctx.store.idempotencyKeys;
    expect(await repo.claim(claim({ key: 'k1', claimId: 'mine' }))).toEqual({ claimed: true });
    const response = { status: 201, headers: { 'content-type': 'application/json', location: '/x/1' }, body: Buffer.from('{"id":1}') };
    expect(await repo.complete('token:tok_a', 'k1', 'other', { state: 'done', response })).toBe(false);
    await repo.release('token:tok_a', 'k1', 'other');
    expect(await repo.complete('token:tok_a', 'k1', 'mine', { state: 'done', response })).toBe(true);
    const again = await repo.claim(claim({ key: 'k1', claimId: 'later' }));
    expect(again.claimed).toBe(false);
    if (!again.claimed) {
      expect(again.existing.state).toBe('done');
      expect(again.existing.response).toEqual(response);
    }
    // a key is the caller's: another caller's identical key is a different row
    expect(await repo.claim(claim({ key: 'k1', claimId: 'b', caller: 'token:tok_b' }))).toEqual({ claimed: true });
  });

  it('ok/secret outcomes keep only the id; release frees the key', async () => {
    const repo = ctx.store.idempotencyKeys;
    await repo.claim(claim({ key: 's1', claimId: 'c' }));
    await repo.complete('token:tok_a', 's1', 'c', { state: 'secret', status: 201, resourceId: 'tok_9', resourceLocation: null });
    const got = await repo.get('token:tok_a', 's1');
    expect(got).toMatchObject({ state: 'secret', status: 201, resourceId: 'tok_9', response: null });
    await repo.claim(claim({ key: 'r1', claimId: 'c' }));
    await repo.release('token:tok_a', 'r1', 'c');
    expect(await repo.get('token:tok_a', 'r1')).toBeUndefined();
  });

  it('ok/a lapsed pending claim is taken over by the same request only; an expired key by any request', async () => {
    const repo = ctx.store.idempotencyKeys;
    await repo.claim(claim({ key: 'l1', claimId: 'crashed' }));
    const other = await repo.claim(claim({ key: 'l1', claimId: 'x', fingerprint: 'f2', now: at(601) }));
    expect(other.claimed).toBe(false);
    expect(await repo.claim(claim({ key: 'l1', claimId: 'y', now: at(599) }))).toMatchObject({ claimed: false });
    expect(await repo.claim(claim({ key: 'l1', claimId: 'retry', now: at(601), lockedUntil: at(1201) }))).toEqual({ claimed: true });
    // the crashed instance coming back cannot overwrite the new claim's record
    expect(
      await repo.complete('token:tok_a', 'l1', 'crashed', { state: 'secret', status: 201, resourceId: 'z', resourceLocation: null }),
    ).toBe(false);
    await repo.complete('token:tok_a', 'l1', 'retry', { state: 'done', response: { status: 200, headers: {}, body: Buffer.alloc(0) } });
    const expired = await repo.claim(claim({ key: 'l1', claimId: 'new', fingerprint: 'f3', now: at(86400), expiresAt: at(2 * 86400) }));
    expect(expired).toEqual({ claimed: true });
    expect((await repo.get('token:tok_a', 'l1'))?.state).toBe('pending');
  });

  it('ok/purge deletes expired rows only', async () => {
    const repo = ctx.store.idempotencyKeys;
    await repo.claim(claim({ key: 'p-old', claimId: 'c', expiresAt: at(100) }));
    await repo.claim(claim({ key: 'p-new', claimId: 'c', expiresAt: at(10_000_000) }));
    expect(await repo.purgeExpired(at(200))).toBeGreaterThanOrEqual(1);
    expect(await repo.get('token:tok_a', 'p-old')).toBeUndefined();
    expect(await repo.get('token:tok_a', 'p-new')).toBeDefined();
  });
});
