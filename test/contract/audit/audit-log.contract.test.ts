import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { verifyAuditExport, GENESIS_HASH, hashAuditRecord, readAuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { AuditProofs } from '../../../src/audit/proofs.js';
import { createTestDb, DIALECTS, type TestDb } from '../store/support/test-db.js';
import { cleanupWorkers, runWorker } from '../store/support/ts-worker.js';

afterAll(() => cleanupWorkers());

const ev = (i: number, extra: Record<string, unknown> = {}) => ({
  actor: `officer-${i % 3}`,
  role: 'ra-officer',
  action: i % 2 ? 'cert.revoke' : 'cert.issue',
  target: `serial:${i.toString(16)}`,
  outcome: 'success' as const,
  details: { i, name: 'Nguyễn Văn An', nested: { z: 1, a: [true, null, 'x'] }, ...extra },
});

async function dropAppendOnlyGuard(t: TestDb): Promise<void> {
  if (t.dialect === 'postgres') await t.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
  else {
    await t.raw('DROP TRIGGER audit_events_no_update');
    await t.raw('DROP TRIGGER audit_events_no_delete');
  }
}

describe.each(DIALECTS)('AuditLog contract (%s)', (dialect) => {
  let t: TestDb;
  let store: Store;
  let clock: FakeClock;

  beforeEach(async () => {
    t = await createTestDb(dialect);
    clock = new FakeClock('2026-03-01T08:00:00.000Z');
    store = await openStore(t.config, { clock });
  });
  afterEach(async () => {
    await store.close();
    await t.cleanup();
  });

  async function appendN(n: number): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let i = 1; i <= n; i++) {
      out.push(await store.audit.append(ev(i)));
      clock.advance(1000);
    }
    return out;
  }

  it('ok/an empty log verifies', async () => {
    expect(await store.audit.verifyChain()).toEqual({ ok: true, count: 0, headSeq: 0, headHash: GENESIS_HASH });
  });

  it('ok/append numbers from 1, links each record to the previous, stamps the injected clock', async () => {
    const recs = await appendN(5);
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(recs[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.prevHash).toBe(recs[i - 1]!.hash);
    expect(recs[0]!.time).toBe('2026-03-01T08:00:00.000Z');
    expect(recs[4]!.time).toBe('2026-03-01T08:00:04.000Z');
    for (const r of recs) expect(hashAuditRecord(r)).toBe(r.hash);
    const listed = await store.audit.list({ limit: 10 });
    expect(listed).toEqual(recs);
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 5, headSeq: 5, headHash: recs[4]!.hash });
  });

  it('ok/list filters by actor, action, target, outcome, time and seq, and orders', async () => {
    await appendN(9);
    await store.audit.append({ actor: 'admin', role: 'admin', action: 'token.create', outcome: 'failure' });
    expect((await store.audit.list({ actor: 'officer-1' })).map((r) => r.seq)).toEqual([1, 4, 7]);
    expect((await store.audit.list({ action: 'cert.issue' })).map((r) => r.seq)).toEqual([2, 4, 6, 8]);
    expect((await store.audit.list({ target: 'serial:a' })).map((r) => r.seq)).toEqual([]);
    expect((await store.audit.list({ target: 'serial:9' })).map((r) => r.seq)).toEqual([9]);
    expect((await store.audit.list({ outcome: 'failure' })).map((r) => [r.seq, r.target, r.details])).toEqual([[10, null, null]]);
    expect(
      (await store.audit.list({ since: '2026-03-01T08:00:02.000Z', until: new Date('2026-03-01T08:00:05.000Z') })).map((r) => r.seq),
    ).toEqual([3, 4, 5]);
    expect((await store.audit.list({ fromSeq: 3, toSeq: 6, order: 'desc', limit: 2 })).map((r) => r.seq)).toEqual([6, 5]);
  });

  it('ok/an action prefix matches literally: every cert. action, and a wildcard character matches only itself', async () => {
    await appendN(4);
    await store.audit.append({ actor: 'admin', role: 'admin', action: 'token.create', outcome: 'success' });
    await store.audit.append({ actor: 'admin', role: 'admin', action: 'cert_x.odd', outcome: 'success' });
    expect((await store.audit.list({ actionPrefix: 'cert.' })).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((await store.audit.list({ actionPrefix: 'cert.r' })).map((r) => r.seq)).toEqual([1, 3]);
    // `_` and `%` are LIKE wildcards in SQL: escaped, they match only themselves
    expect((await store.audit.list({ actionPrefix: 'cert_' })).map((r) => r.seq)).toEqual([6]);
    expect((await store.audit.list({ actionPrefix: '%' })).map((r) => r.seq)).toEqual([]);
    expect((await store.audit.list({ actionPrefix: 'cert.', actor: 'officer-1', order: 'desc' })).map((r) => r.seq)).toEqual([4, 1]);
  });

  it('ok/details round-trip exactly (Vietnamese text, nesting, key order irrelevant)', async () => {
    const r = await store.audit.append({
      actor: 'a',
      role: 'admin',
      action: 'x',
      outcome: 'success',
      details: { b: 'Chứng thực bản sao', a: { y: [1, 2.5, -0], x: null } },
    });
    const [back] = await store.audit.list();
    expect(back).toEqual(r);
    expect(back!.details).toEqual({ a: { x: null, y: [1, 2.5, 0] }, b: 'Chứng thực bản sao' });
  });

  it('fail/misuse throws TypeError and appends nothing', async () => {
    await expect(store.audit.append({ actor: '', role: 'r', action: 'a', outcome: 'success' })).rejects.toBeInstanceOf(TypeError);
    await expect(store.audit.append({ actor: 'a', role: 'r', action: 'a', outcome: 'maybe' as 'success' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      store.audit.append({ actor: 'a', role: 'r', action: 'a', outcome: 'success', details: { n: Number.NaN } }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      store.audit.append({ actor: 'a', role: 'r', action: 'a', outcome: 'success', details: { d: new Date() } }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(await store.audit.list()).toEqual([]);
  });

  it('ok/concurrent appends from this process and two child processes never fork the chain', async () => {
    const parent: Promise<AuditRecord>[] = [];
    const children = [
      runWorker<{ seqs: number[] }>('audit-append-worker', { config: t.config, count: 40, tag: 'child-a' }),
      runWorker<{ seqs: number[] }>('audit-append-worker', { config: t.config, count: 40, tag: 'child-b' }),
    ];
    for (let i = 0; i < 40; i++) parent.push(store.audit.append(ev(i, { from: 'parent' })));
    const [mine, a, b] = await Promise.all([Promise.all(parent), ...children]);
    const all = [...mine!.map((r) => r.seq), ...(a as { seqs: number[] }).seqs, ...(b as { seqs: number[] }).seqs];
    expect(all.sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const listed = await store.audit.list({ limit: 10_000 });
    expect(new Set(listed.map((r) => r.prevHash)).size).toBe(120);
    expect(new Set(listed.map((r) => r.actor))).toEqual(new Set(['officer-0', 'officer-1', 'officer-2', 'child-a', 'child-b']));
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 120, headSeq: 120 });
  });

  it('ok/group commit: 300 concurrent appends in one process chain in order; a bad event fails alone', async () => {
    const jobs = Array.from({ length: 300 }, (_, i) =>
      i === 150
        ? store.audit.append({ actor: 'x', role: 'r', action: 'a', outcome: 'success', details: { pin: '1234' } })
        : store.audit.append(ev(i)),
    );
    const settled = await Promise.allSettled(jobs);
    expect(settled.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((settled[150] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    const seqs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : []));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 299 }, (_, i) => i + 1));
    // callers appending in order get increasing seqs (the queue keeps arrival order)
    expect(seqs.slice(0, 150)).toEqual([...seqs.slice(0, 150)].sort((a, b) => a - b));
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 299 });
  });

  it('ok/close() waits for queued appends to commit', async () => {
    const other = await openStore(t.config, { clock });
    const pending = Array.from({ length: 50 }, (_, i) => other.audit.append(ev(i)));
    await other.close();
    const recs = await Promise.all(pending);
    expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 50 });
  });

  it('ok/an append inside a rolled-back transaction leaves no trace and no gap', async () => {
    await appendN(2);
    await expect(
      store.transaction(async (repos) => {
        await repos.audit.append(ev(99));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await store.audit.append(ev(3));
    expect(r.seq).toBe(3);
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 3 });
  });

  it('fail/the table refuses UPDATE and DELETE through ordinary SQL (append-only trigger)', async () => {
    await appendN(2);
    await expect(t.raw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(t.raw('DELETE FROM audit_events WHERE seq = 2')).rejects.toThrow(/append-only/);
  });

  it('fail/an edited record is reported at its seq', async () => {
    await appendN(6);
    await dropAppendOnlyGuard(t);
    await t.raw(`UPDATE audit_events SET details = ? WHERE seq = 3`, ['{"i":3,"name":"Someone Else"}']);
    expect(await store.audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'hash-mismatch' });
  });

  it('fail/an edit that also recomputes the hash breaks the next link', async () => {
    const recs = await appendN(6);
    await dropAppendOnlyGuard(t);
    const forged = { ...recs[2]!, actor: 'mallory' };
    await t.raw('UPDATE audit_events SET actor = ?, hash = ? WHERE seq = 3', ['mallory', hashAuditRecord(forged)]);
    expect(await store.audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'prev-hash-mismatch' });
  });

  it('fail/the tree, derived after the appends, never grows over an edited event: proofs refuse until it is repaired', async () => {
    await appendN(3);
    const proofs = new AuditProofs(store.auditTree);
    const before = (await proofs.root()).rootHash;
    await appendN(3);
    await dropAppendOnlyGuard(t);
    await t.raw(`UPDATE audit_events SET details = ? WHERE seq = 5`, ['{"i":5,"name":"Someone Else"}']);
    await expect(proofs.root()).rejects.toMatchObject({
      code: 'AUDIT_CHAIN_BROKEN',
      message: expect.stringMatching(/record 5 was altered/),
    });
    // what was hashed before the edit still answers
    expect((await proofs.root(3)).rootHash).toBe(before);
  });

  it('fail/a deleted record is reported as the first missing seq', async () => {
    await appendN(6);
    await dropAppendOnlyGuard(t);
    await t.raw('DELETE FROM audit_events WHERE seq = 4');
    expect(await store.audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'missing' });
  });

  it('fail/deleting the tail is caught by the head row', async () => {
    await appendN(6);
    await dropAppendOnlyGuard(t);
    await t.raw('DELETE FROM audit_events WHERE seq >= 5');
    expect(await store.audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'missing' });
  });

  it('fail/reordered records are reported at the first moved seq', async () => {
    await appendN(6);
    await dropAppendOnlyGuard(t);
    await t.raw('UPDATE audit_events SET seq = 1000 WHERE seq = 2');
    await t.raw('UPDATE audit_events SET seq = 2 WHERE seq = 3');
    await t.raw('UPDATE audit_events SET seq = 3 WHERE seq = 1000');
    expect(await store.audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('ok/offline verification of an exported JSON array, and tampering detected offline', async () => {
    const recs = await appendN(7);
    const exported = JSON.parse(JSON.stringify(await store.audit.list({ limit: 10_000 }))) as AuditRecord[];
    expect(verifyAuditExport(exported)).toMatchObject({ ok: true, count: 7, headHash: recs[6]!.hash });
    expect(verifyAuditExport(exported, { seq: 7, hash: recs[6]!.hash })).toMatchObject({ ok: true });

    const edited = structuredClone(exported);
    (edited[4]!.details as Record<string, unknown>).i = 999;
    expect(verifyAuditExport(edited)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'hash-mismatch' });

    const dropped = exported.filter((r) => r.seq !== 2);
    expect(verifyAuditExport(dropped)).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'missing' });

    const swapped = [...exported];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(verifyAuditExport(swapped)).toMatchObject({ ok: false, firstBadSeq: 3 });

    expect(verifyAuditExport(exported.slice(0, 5), { seq: 7, hash: recs[6]!.hash })).toMatchObject({
      ok: false,
      firstBadSeq: 6,
      problem: 'missing',
    });
    expect(verifyAuditExport({ not: 'an array' })).toMatchObject({ ok: false, problem: 'malformed' });
    expect(verifyAuditExport([{ seq: 1 }])).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'malformed' });
  });
});

describe('readAuditLog', () => {
  it('ok/streams every record in seq order across pages and the export verifies offline', async () => {
    const t = await createTestDb('sqlite');
    const store = await openStore(t.config, { clock: new FakeClock('2026-01-01T00:00:00Z') });
    try {
      for (let i = 0; i < 25; i++) await store.audit.append(ev(i));
      const all: AuditRecord[] = [];
      for await (const r of readAuditLog(store.audit, { pageSize: 7 })) all.push(r);
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(verifyAuditExport(JSON.parse(JSON.stringify(all)))).toMatchObject({ ok: true, count: 25 });
    } finally {
      await store.close();
      await t.cleanup();
    }
  });
});
