import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext } from '../../../src/app/context.js';
import { initialise } from '../../../src/app/init.js';
import { hashAuditRecord } from '../../../src/audit/chain.js';
import { auditLeafData, rfcLeaf, rfcVerifyInclusion } from '../../fixtures/rfc9162.js';

/**
 * Tampering a DB operator could do on the SQLite file (triggers dropped first, as someone with DDL
 * rights would), each caught by `kyso audit verify` on a fresh export checked against a checkpoint
 * kept from before. Commands run through the CLI entry point (what bin/kyso.js calls).
 */
const work = mkdtempSync(join(tmpdir(), 'kyso-audit-tamper-'));
const base = join(work, 'base');
const MASTER = randomBytes(32).toString('hex');
const env = { KYSO_MASTER_KEY: MASTER, KYSO_LOG_LEVEL: 'silent', KYSO_PUBLIC_URL: 'https://kyso.example.test' };

async function kyso(args: string[], data: string) {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    env: { ...env, KYSO_DATA: data },
    cwd: work,
  });
  return { code, out, err };
}

async function appendEvents(data: string, n: number, tag: string): Promise<void> {
  const ctx = await openContext(loadConfig({ env: { ...env, KYSO_DATA: data } }));
  try {
    for (let i = 0; i < n; i++)
      await ctx.audit.append({ actor: `token:${tag}${i}`, role: 'admin', action: 'test.event', target: `${tag}-${i}`, outcome: 'success' });
  } finally {
    await ctx.close();
  }
}

/** A copy of the base installation to tamper with. */
function copyOf(name: string): string {
  const d = join(work, name);
  cpSync(base, d, { recursive: true });
  return d;
}

function operator(data: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(data, 'kyso.sqlite'));
  try {
    for (const t of ['audit_events_no_update', 'audit_events_no_delete', 'audit_tree_no_update', 'audit_tree_no_delete'])
      db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    fn(db);
  } finally {
    db.close();
  }
}

let c1File: string;
let c2File: string;
let c1Size: number;
let c2Size: number;

async function checkpoint(data: string): Promise<{ file: string; size: number }> {
  const r = await kyso(['audit', 'checkpoint', '--data', data], data);
  expect(r.code, r.err).toBe(0);
  const cp = JSON.parse(r.out) as { treeSize: number };
  const file = join(work, `cp-${cp.treeSize}.json`);
  writeFileSync(file, r.out);
  return { file, size: cp.treeSize };
}

async function exportAndVerify(data: string, earlier?: string) {
  const out = join(work, `export-${randomBytes(4).toString('hex')}.jsonl`);
  const e = await kyso(['audit', 'export', '--data', data, '--out', out], data);
  expect(e.code, e.err).toBe(0);
  return kyso(['audit', 'verify', out, ...(earlier ? ['--checkpoint', earlier] : []), '--json'], data);
}

beforeAll(async () => {
  const ctx = await openContext(loadConfig({ env: { ...env, KYSO_DATA: base } }), { create: true });
  await initialise(ctx);
  await ctx.close();
  await appendEvents(base, 12, 'a');
  ({ file: c1File, size: c1Size } = await checkpoint(base));
  await appendEvents(base, 10, 'b');
  ({ file: c2File, size: c2Size } = await checkpoint(base));
  await appendEvents(base, 5, 'c');
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kyso audit verify', () => {
  it('ok/an untouched export verifies against both earlier checkpoints (exit 0)', async () => {
    for (const cp of [c1File, c2File]) {
      const r = await exportAndVerify(base, cp);
      expect(r.code, r.err).toBe(0);
      const rep = JSON.parse(r.out) as { ok: boolean; checkpoints: { source: string; timestampedAt?: string }[] };
      expect(rep.ok).toBe(true);
      // the export's own checkpoints and the given one, each with its RFC 3161 time
      expect(rep.checkpoints.filter((c) => c.source === 'export').length).toBe(2);
      expect(rep.checkpoints.every((c) => c.timestampedAt)).toBe(true);
    }
  });

  it('ok/kyso audit prove prints an inclusion proof that verifies against the latest checkpoint by RFC 9162 §2.1.3.2', async () => {
    const r = await kyso(['audit', 'prove', '--data', base, '--event', '5'], base);
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(r.out) as { treeSize: number; path: string[]; checkpoint: { rootHash: string; treeSize: number } };
    expect(p.treeSize).toBe(c2Size);
    const ctx = await openContext(loadConfig({ env: { ...env, KYSO_DATA: base } }));
    const [event] = await ctx.audit.list({ fromSeq: 5, limit: 1 });
    await ctx.close();
    const leaf = rfcLeaf(auditLeafData(event as unknown as Record<string, unknown>));
    const hex = (h: string) => Buffer.from(h, 'hex');
    expect(rfcVerifyInclusion(4, p.checkpoint.treeSize, leaf, p.path.map(hex), hex(p.checkpoint.rootHash))).toBe(true);
    // an event after the latest checkpoint has no proof against it yet
    const later = await kyso(['audit', 'prove', '--data', base, '--event', String(c2Size + 1)], base);
    expect(later.code).toBe(64);
    expect(later.err).toMatch(/^kyso: AUDIT_TREE_SIZE_INVALID: /);
    const junk = await kyso(['audit', 'prove', '--data', base, '--event', 'x'], base);
    expect(junk.code).toBe(64);
  });

  it('bad/an edited event is named', async () => {
    const d = copyOf('edit');
    operator(d, (db) => db.prepare(`UPDATE audit_events SET actor = 'token:mallory' WHERE seq = 7`).run());
    const r = await exportAndVerify(d, c1File);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/^kyso: AUDIT_CHAIN_BROKEN: first bad event 7: /);
  });

  it('bad/a deleted event is named', async () => {
    const d = copyOf('delete');
    operator(d, (db) => db.prepare(`DELETE FROM audit_events WHERE seq = 9`).run());
    const r = await exportAndVerify(d, c1File);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/^kyso: AUDIT_CHAIN_BROKEN: first bad event 9: /);
  });

  it('bad/two events swapped are named at the first', async () => {
    const d = copyOf('reorder');
    operator(d, (db) => {
      const cols = 'time, actor, role, action, target, outcome, details, prev_hash, hash';
      const a = db.prepare(`SELECT ${cols} FROM audit_events WHERE seq = 5`).get() as Record<string, unknown>;
      const b = db.prepare(`SELECT ${cols} FROM audit_events WHERE seq = 6`).get() as Record<string, unknown>;
      db.prepare(`UPDATE audit_events SET hash = 'x' || hash WHERE seq IN (5, 6)`).run();
      const set = db.prepare(
        `UPDATE audit_events SET time=@time, actor=@actor, role=@role, action=@action, target=@target, outcome=@outcome, details=@details, prev_hash=@prev_hash, hash=@hash WHERE seq=@seq`,
      );
      set.run({ ...b, seq: 5 });
      set.run({ ...a, seq: 6 });
    });
    const r = await exportAndVerify(d, c1File);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/^kyso: AUDIT_CHAIN_BROKEN: first bad event 5: /);
  });

  it('bad/an event inserted in the middle is named', async () => {
    const d = copyOf('insert');
    operator(d, (db) => {
      // make room after 10 (renumber through negative seqs to dodge the primary key), then forge 11
      db.prepare(`UPDATE audit_events SET seq = seq + 1000000 WHERE seq > 10`).run();
      db.prepare(`UPDATE audit_events SET seq = seq - 999999 WHERE seq > 1000000`).run();
      const prev = db.prepare(`SELECT hash, time FROM audit_events WHERE seq = 10`).get() as { hash: string; time: string };
      // a well-forged event: its own hash and link are right
      const forged = {
        seq: 11,
        time: prev.time,
        actor: 'token:mallory',
        role: 'admin',
        action: 'certificate.issue',
        target: null,
        outcome: 'success' as const,
        details: null,
        prevHash: prev.hash,
      };
      db.prepare(
        `INSERT INTO audit_events (seq, time, actor, role, action, target, outcome, details, prev_hash, hash) VALUES (11, ?, ?, 'admin', ?, NULL, 'success', NULL, ?, ?)`,
      ).run(forged.time, forged.actor, forged.action, forged.prevHash, hashAuditRecord(forged));
      db.prepare(`UPDATE audit_head SET seq = seq + 1`).run();
    });
    const r = await exportAndVerify(d, c1File);
    expect(r.code).toBe(65);
    // the forged event itself passes; the one pushed from 11 to 12 no longer hashes right
    expect(r.err).toMatch(/^kyso: AUDIT_CHAIN_BROKEN: first bad event 12: record 12 was altered/);
  });

  it('bad/a truncated and regrown log (chain and tree redone by the app) fails against the checkpoint it dropped', async () => {
    const d = copyOf('regrow');
    const keep = c1Size + 3;
    operator(d, (db) => {
      const last = db.prepare(`SELECT hash FROM audit_events WHERE seq = ?`).get(keep) as { hash: string };
      db.prepare(`DELETE FROM audit_events WHERE seq > ?`).run(keep);
      // every complete subtree that reaches past the kept leaves goes too
      db.prepare(`DELETE FROM audit_tree WHERE (idx + 1) * (1 << level) > ?`).run(keep);
      db.prepare(`DELETE FROM audit_checkpoints WHERE tree_size > ?`).run(c1Size);
      db.prepare(`UPDATE audit_head SET seq = ?, hash = ?`).run(keep, last.hash);
    });
    await appendEvents(d, 20, 'regrown');
    // on its own the regrown export is self-consistent: only the earlier checkpoint tells
    const alone = await exportAndVerify(d);
    expect(alone.code, alone.err).toBe(0);
    const r = await exportAndVerify(d, c2File);
    expect(r.code).toBe(65);
    // events up to the first checkpoint are vouched for by it; the first one after is named
    expect(r.err).toMatch(
      new RegExp(`^kyso: AUDIT_CHECKPOINT_INVALID: first bad event ${c1Size + 1}: the earlier checkpoint \\(size ${c2Size}`),
    );
  });

  it('bad/a consistent rewrite of the whole table after a checkpoint was published fails against that checkpoint', async () => {
    const d = copyOf('rewrite');
    const rows = new Database(join(d, 'kyso.sqlite'), { readonly: true })
      .prepare(`SELECT actor, role, action, target, outcome, details FROM audit_events ORDER BY seq`)
      .all() as { actor: string; role: string; action: string; target: string | null; outcome: 'success'; details: string | null }[];
    operator(d, (db) => {
      db.exec(`DELETE FROM audit_events; DELETE FROM audit_tree; DELETE FROM audit_checkpoints;`);
      db.prepare(`UPDATE audit_head SET seq = 0, hash = ?`).run('0'.repeat(64));
    });
    // replay every event through the application, one of them changed: chain and tree are whole again
    const ctx = await openContext(loadConfig({ env: { ...env, KYSO_DATA: d } }));
    try {
      for (const [i, r] of rows.entries())
        await ctx.audit.append({
          actor: i === 3 ? 'token:mallory' : r.actor,
          role: r.role,
          action: r.action,
          ...(r.target !== null ? { target: r.target } : {}),
          outcome: r.outcome,
          ...(r.details !== null ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
        });
    } finally {
      await ctx.close();
    }
    await checkpoint(d);
    const alone = await exportAndVerify(d);
    expect(alone.code, alone.err).toBe(0);
    const r = await exportAndVerify(d, c1File);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(new RegExp(`^kyso: AUDIT_CHECKPOINT_INVALID: first bad event 1: the earlier checkpoint \\(size ${c1Size}`));
  });

  it('bad/a checkpoint file whose payload was altered does not verify', async () => {
    const cp = JSON.parse(readFileSync(c1File, 'utf8')) as { jws: string };
    const [h, , s] = cp.jws.split('.');
    const forged = Buffer.from(
      JSON.stringify({ v: 1, log: env.KYSO_PUBLIC_URL, treeSize: 1, rootHash: '0'.repeat(64), time: 'x' }),
    ).toString('base64url');
    const f = join(work, 'forged.jws');
    writeFileSync(f, `${h}.${forged}.${s}`);
    const r = await exportAndVerify(base, f);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/^kyso: AUDIT_CHECKPOINT_INVALID: checkpoint signature does not verify/);
  });

  it('bad/unreadable input gets a code, never a stack trace', async () => {
    const missing = await kyso(['audit', 'verify', join(work, 'nope.jsonl')], base);
    expect(missing.code).toBe(66);
    expect(missing.err).toMatch(/^kyso: NOT_FOUND: /);
    const junk = join(work, 'junk.jsonl');
    writeFileSync(junk, 'not json\n');
    const r = await kyso(['audit', 'verify', junk], base);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/^kyso: AUDIT_CHAIN_BROKEN: line 1 is not a JSON object/);
    expect(existsSync(junk)).toBe(true);
  });
});
