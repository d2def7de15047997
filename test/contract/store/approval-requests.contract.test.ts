import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { ApprovalRequest } from '../../../src/core/approval-requests.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';

const T0 = new Date('2026-05-01T02:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** Dual-control requests: one pending request per (kind, target), decisions are compare-and-set. */
describe.each(DIALECTS)('approval requests contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    id: `apr_${randomBytes(6).toString('hex')}`,
    kind: 'credential.bind',
    target: 'crt_seal',
    params: { ownerId: 'off_van_thu', label: 'Dấu UBND xã' },
    state: 'pending',
    requestedBy: 'token:tok_a',
    requestedAt: T0,
    decidedBy: null,
    decidedAt: null,
    note: null,
    ...over,
  });

  it('ok/round trip; a second pending request for the same kind and target → STORE_CONSTRAINT, also when racing', async () => {
    const r = request();
    await ctx.store.approvals.create(r);
    expect(await ctx.store.approvals.get(r.id)).toEqual(r);
    await expect(ctx.store.approvals.create(request())).rejects.toMatchObject({ code: 'STORE_CONSTRAINT' });
    const racing = await Promise.allSettled([1, 2, 3, 4].map(() => ctx.store.approvals.create(request({ target: 'crt_other' }))));
    expect(racing.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    // Another kind on the same target is a different request.
    await ctx.store.approvals.create(request({ kind: 'credential.pin-reset' }));
  });

  it('ok/decisions are compare-and-set: two approvers, one wins; once decided a new request may be opened', async () => {
    const r = request({ target: 'crt_cas', requestedAt: at(5) });
    await ctx.store.approvals.create(r);
    const wins = await Promise.all(
      ['token:tok_b', 'token:tok_c'].map((by) => ctx.store.approvals.transition(r.id, 'pending', { state: 'approved', by, at: at(10) })),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await ctx.store.approvals.get(r.id)).toMatchObject({ state: 'approved', decidedAt: at(10) });
    expect(await ctx.store.approvals.transition(r.id, 'pending', { state: 'rejected' })).toBe(false);
    expect(await ctx.store.approvals.transition(r.id, 'approved', { state: 'failed', note: 'CREDENTIAL_KEY_BOUND' })).toBe(true);
    expect(await ctx.store.approvals.get(r.id)).toMatchObject({ state: 'failed', note: 'CREDENTIAL_KEY_BOUND' });
    await ctx.store.approvals.create(request({ target: 'crt_cas', requestedAt: at(20) }));
    const pending = await ctx.store.approvals.list({ kind: 'credential.bind', state: 'pending' });
    expect(pending.map((x) => x.target)).toContain('crt_cas');
    expect((await ctx.store.approvals.list({ state: 'failed' })).map((x) => x.id)).toEqual([r.id]);
    expect(await ctx.store.approvals.get('apr_missing')).toBeUndefined();
  });
});
