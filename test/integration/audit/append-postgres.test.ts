import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { main } from '../../../src/cli/main.js';
import { auditLeafData, mth, rfcLeaf } from '../../fixtures/rfc9162.js';

/**
 * Two processes append 500 audit events each to one PostgreSQL database at the same time (half
 * of them concurrently inside each process, so group commits of both race for the head row):
 * the seqs are exactly 1..1000, every leaf is in the tree, the root is the RFC 9162 MTH of the
 * records, and `kyso audit verify` accepts the export. The children run the compiled store (dist/).
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const ADMIN_URL = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `kyso_test_${randomBytes(6).toString('hex')}`;
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const PER_PROCESS = 500;
const work = mkdtempSync(join(tmpdir(), 'kyso-audit-pg-'));
let store: Store;

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

const CHILD = `
const { openStore } = await import(${JSON.stringify(join(ROOT, 'dist/store/index.js'))});
const store = await openStore({ dialect: 'postgres', url: process.env.DB_URL });
process.stdout.write('ready\\n');
await new Promise((r) => process.stdin.once('data', r));
const tag = process.env.TAG;
const ev = (i) => ({ actor: 'token:' + tag, role: 'admin', action: 'test.append', target: tag + '-' + i, outcome: 'success', details: { i } });
const half = ${PER_PROCESS / 2};
await Promise.all(Array.from({ length: half }, (_, i) => store.audit.append(ev(i))));
for (let i = half; i < ${PER_PROCESS}; i++) await store.audit.append(ev(i));
await store.close();
`;

function child(tag: string): { ready: Promise<void>; go: () => void; done: Promise<number> } {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, DB_URL, TAG: tag },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    proc.once('exit', (c) => reject(new Error(`child ${tag} exited ${c}: ${err}`)));
  });
  const done = new Promise<number>((resolve) => proc.once('exit', (c) => resolve(c ?? -1)));
  return { ready, go: () => proc.stdin.end('go\n'), done };
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/store/index.js')), 'run `npm run build` first').toBe(true);
  await admin(`CREATE DATABASE ${DB}`);
  store = await openStore({ dialect: 'postgres', url: DB_URL });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('audit appends from two processes on PostgreSQL', () => {
  it('ok/seqs are dense and unique, the tree is the RFC 9162 tree of the records, and the export verifies', async () => {
    const a = child('A');
    const b = child('B');
    await Promise.all([a.ready, b.ready]);
    a.go();
    b.go();
    expect(await Promise.all([a.done, b.done])).toEqual([0, 0]);

    const records = await store.audit.list({ limit: 10_000 });
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 2 * PER_PROCESS }, (_, i) => i + 1));
    expect(records.filter((r) => r.actor === 'token:A').length).toBe(PER_PROCESS);
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 2 * PER_PROCESS });

    const leaves = records.map((r) => auditLeafData(r as unknown as Record<string, unknown>));
    const nodes = await store.auditTree.nodes(leaves.map((_, i) => ({ level: 0, index: i })));
    expect(nodes.size).toBe(leaves.length);
    leaves.forEach((l, i) => expect(nodes.get(`0:${i}`)!.equals(rfcLeaf(l)), `leaf ${i}`).toBe(true));
    const { AuditProofs } = await import('../../../src/audit/proofs.js');
    expect((await new AuditProofs(store.auditTree).root()).rootHash).toBe(mth(leaves).toString('hex'));

    const env = { KYSO_DATABASE_URL: DB_URL, KYSO_DATA: work, KYSO_MASTER_KEY: randomBytes(32).toString('hex'), KYSO_LOG_LEVEL: 'silent' };
    const io = (sink: string[]) => ({ stdout: (s: string) => void sink.push(s), stderr: (s: string) => void sink.push(s), env, cwd: work });
    const out: string[] = [];
    const file = join(work, 'pg.jsonl');
    expect(await main(['audit', 'export', '--out', file], io(out)), out.join('')).toBe(0);
    expect(await main(['audit', 'verify', file], io(out)), out.join('')).toBe(0);
    expect(out.join('')).toContain(`events: ${2 * PER_PROCESS}`);
  }, 180_000);
});
