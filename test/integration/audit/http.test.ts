import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compactVerify, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../http/harness.js';
import type { Logger } from '../../../src/http/log.js';
import { auditLeafData, rfcLeaf, rfcVerifyConsistency, rfcVerifyInclusion } from '../../fixtures/rfc9162.js';

/**
 * The audit tree over HTTP: checkpoints are public and verify with jose against the published JWK
 * and with `openssl ts -verify` for their RFC 3161 token; inclusion and consistency proofs verify
 * with the RFC 9162 algorithms written in test/fixtures/rfc9162.ts over leaves rebuilt from the
 * listed events; a tampered tree turns /health degraded and is logged.
 */
const errors: string[] = [];
const log: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m, f) => void errors.push(`${m} ${JSON.stringify(f)}`),
};
let h: Harness;
const work = mkdtempSync(join(tmpdir(), 'kyso-audit-http-'));
const hex = (s: string) => Buffer.from(s, 'hex');

interface Checkpoint {
  treeSize: number;
  rootHash: string;
  jws: string;
  tsaToken: string;
  keys: JWK[];
}

async function checkpoint(): Promise<Checkpoint> {
  const r = await call(h, 'POST', '/api/v1/audit/checkpoints', { token: h.adminToken });
  expect(r.status).toBe(201);
  const latest = await call(h, 'GET', '/api/v1/audit/checkpoints/latest');
  expect(latest.status).toBe(200);
  return latest.json as unknown as Checkpoint;
}

async function events(): Promise<Record<string, unknown>[]> {
  return (await call(h, 'GET', '/api/v1/audit?limit=10000', { token: h.adminToken })).json.items as Record<string, unknown>[];
}

beforeAll(async () => {
  h = await startHarness(
    { KYSO_AUDIT_SELF_CHECK_INTERVAL: '1', KYSO_AUDIT_FULL_CHECK_INTERVAL: '1', KYSO_AUDIT_CHECKPOINT_INTERVAL: '0' },
    log,
  );
}, 120_000);
afterAll(async () => {
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('audit tree over HTTP', () => {
  it('ok/a checkpoint verifies with jose and the published key, and its token with openssl ts', async () => {
    const cp = await checkpoint();
    const jwk = cp.keys.find((k) => k.kid === JSON.parse(Buffer.from(cp.jws.split('.')[0]!, 'base64url').toString()).kid)!;
    const { payload, protectedHeader } = await compactVerify(cp.jws, await importJWK(jwk, 'ES256'));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'kyso-audit-checkpoint' });
    expect(JSON.parse(Buffer.from(payload).toString())).toMatchObject({ v: 1, treeSize: cp.treeSize, rootHash: cp.rootHash });
    const keys = await call(h, 'GET', '/api/v1/audit/keys');
    expect((keys.json.keys as JWK[]).map((k) => k.kid)).toContain(jwk.kid);

    const jwsFile = join(work, 'cp.jws');
    const tokenFile = join(work, 'cp.tst');
    const cas = join(work, 'cas.pem');
    writeFileSync(jwsFile, cp.jws);
    writeFileSync(tokenFile, Buffer.from(cp.tsaToken, 'base64'));
    const pem = async (id: string) => (await fetch(`${h.url}/pki/ca/${id}.pem`)).text();
    writeFileSync(cas, (await pem('root')) + (await pem('organizations')));
    const out = execFileSync('openssl', ['ts', '-verify', '-data', jwsFile, '-in', tokenFile, '-token_in', '-CAfile', cas], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/Verification: OK/);
  });

  it('ok/inclusion proofs of every event against the checkpoint verify by RFC 9162 §2.1.3.2', async () => {
    const cp = await checkpoint();
    const list = (await events()).slice(0, cp.treeSize);
    for (const e of list) {
      const p = (
        await call(h, 'GET', `/api/v1/audit/proofs/inclusion?seq=${String(e.seq)}&treeSize=${cp.treeSize}`, { token: h.adminToken })
      ).json as { path: string[]; leafHash: string };
      const leaf = rfcLeaf(auditLeafData(e));
      expect(p.leafHash).toBe(leaf.toString('hex'));
      expect(rfcVerifyInclusion(Number(e.seq) - 1, cp.treeSize, leaf, p.path.map(hex), hex(cp.rootHash))).toBe(true);
    }
  });

  it('ok/a consistency proof between two checkpoints verifies by RFC 9162 §2.1.4.2', async () => {
    const first = await checkpoint();
    await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'admin', label: 'grow the log' } });
    const second = await checkpoint();
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const p = (
      await call(h, 'GET', `/api/v1/audit/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`, { token: h.adminToken })
    ).json as { path: string[] };
    expect(rfcVerifyConsistency(first.treeSize, second.treeSize, hex(first.rootHash), hex(second.rootHash), p.path.map(hex))).toBe(true);
  });

  it('bad/proofs beyond the log are 400 AUDIT_TREE_SIZE_INVALID; bad numbers are VALIDATION_FAILED', async () => {
    const big = await call(h, 'GET', '/api/v1/audit/proofs/inclusion?seq=999999', { token: h.adminToken });
    expect([big.status, big.json.code]).toEqual([400, 'AUDIT_TREE_SIZE_INVALID']);
    const cons = await call(h, 'GET', '/api/v1/audit/proofs/consistency?from=5&to=999999', { token: h.adminToken });
    expect([cons.status, cons.json.code]).toEqual([400, 'AUDIT_TREE_SIZE_INVALID']);
    const junk = await call(h, 'GET', '/api/v1/audit/proofs/inclusion?seq=abc', { token: h.adminToken });
    expect([junk.status, junk.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('bad/a stored tree node rewritten by an operator turns /health degraded and is logged; the chain check still answers', async () => {
    const before = await call(h, 'GET', '/health');
    expect(before.json.status).toBe('ok');
    const db = new Database(join(h.dataDir, 'kyso.sqlite'));
    try {
      db.exec('DROP TRIGGER audit_tree_no_update');
      db.prepare(`UPDATE audit_tree SET hash = ? WHERE level = 0 AND idx = 0`).run('00'.repeat(32));
    } finally {
      db.close();
    }
    // the self-check runs every second here, re-reading everything each time; wait for its next report
    let health = before;
    for (let i = 0; i < 200 && health.json.status === 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      health = await call(h, 'GET', '/health');
    }
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('degraded');
    expect((health.json.degraded as string[])[0]).toMatch(
      /^audit log: the stored Merkle tree does not match the events \(node 0:0, completed by event 1\)/,
    );
    expect(errors.some((e) => e.startsWith('audit log broken'))).toBe(true);
    // the events themselves are untouched: the hash chain check says so
    const v = await call(h, 'POST', '/api/v1/audit/verify', { token: h.adminToken, json: {} });
    expect(v.json.ok).toBe(true);
    const proof = await call(h, 'GET', '/api/v1/audit/proofs/inclusion?seq=1', { token: h.adminToken });
    expect(proof.status).toBe(200);
    expect(proof.json.leafHash).toBe('00'.repeat(32));
  });
});
