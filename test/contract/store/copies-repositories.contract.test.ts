import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';
import { newEntry } from './support/register-fixtures.js';
import { cleanupWorkers, runWorker } from './support/ts-worker.js';
import { errorCode } from '../../fixtures/error-code.js';

afterAll(() => cleanupWorkers());

const T0 = new Date('2026-05-04T02:00:00.000Z');
const code = () => `C${randomBytes(6).toString('hex')}`;
let n = 0;
const authId = () => `ubnd-${++n}-${randomBytes(3).toString('hex')}`;

describe.each(DIALECTS)('certified-copy repositories contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  async function authority(): Promise<string> {
    const id = authId();
    await ctx.store.authorities.create({
      id,
      name: 'UBND phường Hồng Gai',
      place: 'phường Hồng Gai, tỉnh Quảng Ninh',
      organizationId: null,
      sealCredentialId: null,
      sealCustodianId: null,
      createdAt: T0,
    });
    return id;
  }

  it('ok/authorities: create, get, list, update; unknown → AUTHORITY_UNKNOWN; duplicate → STORE_CONSTRAINT', async () => {
    const id = await authority();
    expect(await ctx.store.authorities.get(id)).toEqual({
      id,
      name: 'UBND phường Hồng Gai',
      place: 'phường Hồng Gai, tỉnh Quảng Ninh',
      organizationId: null,
      sealCredentialId: null,
      sealCustodianId: null,
      createdAt: T0,
    });
    expect(await ctx.store.authorities.update(id, { sealCredentialId: 'cred_1', name: 'UBND phường Bạch Đằng' })).toMatchObject({
      sealCredentialId: 'cred_1',
      sealCustodianId: null,
      name: 'UBND phường Bạch Đằng',
      place: 'phường Hồng Gai, tỉnh Quảng Ninh',
    });
    expect((await ctx.store.authorities.list()).map((a) => a.id)).toContain(id);
    expect(await errorCode(ctx.store.authorities.update('nope', { name: 'x' }))).toBe('AUTHORITY_UNKNOWN');
    expect(
      await errorCode(
        ctx.store.authorities.create({
          id,
          name: 'x',
          place: 'y',
          organizationId: null,
          sealCredentialId: null,
          sealCustodianId: null,
          createdAt: T0,
        }),
      ),
    ).toBe('STORE_CONSTRAINT');
  });

  it('ok/allocate numbers 1, 2, 3 in volume 1 as pending; lookups by id, code, number', async () => {
    const a = await authority();
    const e1 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'cert-1');
    const e2 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'cert-1');
    expect([e1.number, e2.number]).toEqual([1, 2]);
    expect(e1).toMatchObject({
      authorityId: a,
      registerType: 'SCT/BS',
      year: 2026,
      volume: 1,
      status: 'pending',
      copySha256: null,
      feeTotal: 10000,
      requesterName: 'Trần Thị Bình',
      certifiedAt: T0,
    });
    expect(await ctx.store.registers.get(e1.id)).toEqual(e1);
    expect(await ctx.store.registers.findByCode(e2.lookupCode)).toEqual(e2);
    expect(await ctx.store.registers.findByNumber(a, 2026, 2)).toEqual(e2);
    expect(await ctx.store.registers.findByNumber(a, 2026, 3)).toBeUndefined();
    expect(await ctx.store.registers.listVolumes(a, 2026)).toEqual([
      { authorityId: a, registerType: 'SCT/BS', year: 2026, volume: 1, openedAt: T0, openedBy: 'cert-1', closedAt: null },
    ]);
  });

  it('ok/numbering restarts at 1 in a new year and continues across volumes', async () => {
    const a = await authority();
    await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    const v2 = await ctx.store.registers.openVolume(a, 2026, 'head', new Date('2026-06-01T00:00:00Z'));
    expect(v2.volume).toBe(2);
    const e3 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    expect([e3.number, e3.volume]).toEqual([3, 2]);
    const vols = await ctx.store.registers.listVolumes(a, 2026);
    expect(vols.map((v) => [v.volume, v.closedAt?.toISOString() ?? null])).toEqual([
      [1, '2026-06-01T00:00:00.000Z'],
      [2, null],
    ]);
    const next = await ctx.store.registers.allocate(newEntry(a, code(), new Date('2026-12-31T17:00:00Z')), 2027, 'c');
    expect([next.number, next.volume, next.year]).toEqual([1, 1, 2027]);
  });

  it('ok/state changes: markValid, markFailed, annul; illegal ones → COPY_STATE_INVALID, unknown → COPY_NOT_FOUND', async () => {
    const a = await authority();
    const e1 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    const e2 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    const sha = 'ef'.repeat(32);
    const v = await ctx.store.registers.markValid(e1.id, sha, new Date('2026-05-04T02:01:00Z'));
    expect(v).toMatchObject({ status: 'valid', copySha256: sha });
    expect((await ctx.store.registers.findByCopySha256(sha)).map((e) => e.id)).toEqual([e1.id]);
    expect(await errorCode(ctx.store.registers.markValid(e1.id, sha, T0))).toBe('COPY_STATE_INVALID');
    expect(await errorCode(ctx.store.registers.markFailed(e1.id, 'x', 'c', T0))).toBe('COPY_STATE_INVALID');
    const f = await ctx.store.registers.markFailed(e2.id, 'certification failed: SIGNER_REVOKED', 'c', T0);
    expect(f).toMatchObject({ status: 'failed', statusReason: 'certification failed: SIGNER_REVOKED', statusChangedBy: 'c', number: 2 });
    expect(await errorCode(ctx.store.registers.annul(e2.id, 'x', 'c', T0))).toBe('COPY_STATE_INVALID');
    const an = await ctx.store.registers.annul(e1.id, 'wrong original', 'head', new Date('2026-05-05T00:00:00Z'));
    expect(an).toMatchObject({ status: 'annulled', statusReason: 'wrong original', statusChangedBy: 'head', copySha256: sha });
    expect(await errorCode(ctx.store.registers.markValid('ce_missing', sha, T0))).toBe('COPY_NOT_FOUND');
    expect((await ctx.store.registers.list({ authorityId: a })).map((e) => [e.number, e.status])).toEqual([
      [1, 'annulled'],
      [2, 'failed'],
    ]);
    expect((await ctx.store.registers.list({ authorityId: a, status: 'failed' })).map((e) => e.number)).toEqual([2]);
  });

  it('ok/recordCopyHash names the copy on a pending entry (still pending, kept when it fails); on any other state → COPY_STATE_INVALID', async () => {
    const a = await authority();
    const e = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    const sha = 'ab'.repeat(32);
    expect(await ctx.store.registers.recordCopyHash(e.id, sha)).toMatchObject({ status: 'pending', copySha256: sha });
    expect(await ctx.store.registers.markFailed(e.id, 'interrupted', 'system', T0)).toMatchObject({ status: 'failed', copySha256: sha });
    expect(await errorCode(ctx.store.registers.recordCopyHash(e.id, sha))).toBe('COPY_STATE_INVALID');
    expect(await errorCode(ctx.store.registers.recordCopyHash('ce_missing', sha))).toBe('COPY_NOT_FOUND');
  });

  it('fail/entries can never be deleted, not even with plain SQL', async () => {
    const a = await authority();
    const e = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    await expect(ctx.db.raw('DELETE FROM register_entries WHERE id = ?', [e.id])).rejects.toThrow(/never deleted/);
    expect(await ctx.store.registers.get(e.id)).toBeDefined();
  });

  it('fail/unknown authority → AUTHORITY_UNKNOWN; duplicate lookup code → STORE_CONSTRAINT without consuming a number', async () => {
    expect(await errorCode(ctx.store.registers.allocate(newEntry('no-such', code()), 2026, 'c'))).toBe('AUTHORITY_UNKNOWN');
    const a = await authority();
    const e1 = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    expect(await errorCode(ctx.store.registers.allocate(newEntry(a, e1.lookupCode), 2026, 'c'))).toBe('STORE_CONSTRAINT');
    expect((await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c')).number).toBe(2);
  });

  it('ok/an allocation rolled back with its transaction leaves no gap', async () => {
    const a = await authority();
    await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    await expect(
      ctx.store.transaction(async (r) => {
        await r.registers.allocate(newEntry(a, code()), 2026, 'c');
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    expect((await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c')).number).toBe(2);
  });

  it('ok/closing a year records the total; later allocations and volumes → REGISTER_CLOSED; closing twice too', async () => {
    const a = await authority();
    for (let i = 0; i < 3; i++) await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    const at = new Date('2027-01-01T01:00:00Z');
    expect(await ctx.store.registers.closeYear(a, 2026, 'head', at)).toEqual({
      authorityId: a,
      registerType: 'SCT/BS',
      year: 2026,
      total: 3,
      closedAt: at,
      closedBy: 'head',
    });
    expect(await ctx.store.registers.getYearClosing(a, 2026)).toEqual({
      authorityId: a,
      registerType: 'SCT/BS',
      year: 2026,
      total: 3,
      closedAt: at,
      closedBy: 'head',
    });
    expect(await ctx.store.registers.getYearClosing(a, 2027)).toBeUndefined();
    expect(await errorCode(ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c'))).toBe('REGISTER_CLOSED');
    expect(await errorCode(ctx.store.registers.openVolume(a, 2026, 'c', at))).toBe('REGISTER_CLOSED');
    expect(await errorCode(ctx.store.registers.closeYear(a, 2026, 'c', at))).toBe('REGISTER_CLOSED');
    expect((await ctx.store.registers.listVolumes(a, 2026)).every((v) => v.closedAt !== null)).toBe(true);
  });

  it('ok/reopening a closed year clears the closing; numbering continues in a new volume', async () => {
    const a = await authority();
    for (let i = 0; i < 2; i++) await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    await ctx.store.registers.closeYear(a, 2026, 'head', new Date('2026-12-31T10:00:00Z'));
    await ctx.store.registers.reopenYear(a, 2026);
    expect(await ctx.store.registers.getYearClosing(a, 2026)).toBeUndefined();
    const next = await ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c');
    expect([next.number, next.volume]).toEqual([3, 2]);
    expect((await ctx.store.registers.closeYear(a, 2026, 'head', new Date('2026-12-31T11:00:00Z'))).total).toBe(3);
  });

  it('ok/listStalePending finds pending entries older than the cut-off only', async () => {
    const a = await authority();
    const old = await ctx.store.registers.allocate(newEntry(a, code(), new Date('2026-05-04T01:00:00Z')), 2026, 'c');
    const fresh = await ctx.store.registers.allocate(newEntry(a, code(), new Date('2026-05-04T03:00:00Z')), 2026, 'c');
    const ids = (await ctx.store.registers.listStalePending(new Date('2026-05-04T02:00:00Z'))).map((e) => e.id);
    expect(ids).toContain(old.id);
    expect(ids).not.toContain(fresh.id);
  });

  it('ok/200 concurrent allocations from this process and two child processes yield 1..200 exactly once', async () => {
    const a = await authority();
    const mine = Promise.all(
      Array.from({ length: 80 }, () => ctx.store.registers.allocate(newEntry(a, code()), 2026, 'c').then((e) => e.number)),
    );
    const w1 = runWorker<{ numbers: number[] }>('register-allocate-worker', {
      config: ctx.db.config,
      count: 60,
      authorityId: a,
      year: 2026,
    });
    const w2 = runWorker<{ numbers: number[] }>('register-allocate-worker', {
      config: ctx.db.config,
      count: 60,
      authorityId: a,
      year: 2026,
    });
    const [m, r1, r2] = await Promise.all([mine, w1, w2]);
    const all = [...m, ...r1.numbers, ...r2.numbers].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const listed = await ctx.store.registers.list({ authorityId: a, year: 2026, limit: 1000 });
    expect(listed.map((e) => e.number)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(listed.map((e) => e.volume))).toEqual(new Set([1]));
  });
});
