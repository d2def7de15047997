import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { AuditProofs } from '../../../src/audit/proofs.js';
import { auditRecordPreimage } from '../../../src/audit/chain.js';
import { mth, rfcLeaf, rfcVerifyConsistency, rfcVerifyInclusion } from '../../fixtures/rfc9162.js';

const hex = (h: string) => Buffer.from(h, 'hex');
const N = 70;
let dir: string;
let store: Store;
let proofs: AuditProofs;
let leaves: Buffer[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-merkle-'));
  store = await openStore({ dialect: 'sqlite', filename: join(dir, 'db.sqlite') });
  // a mix of group-committed batches and single appends
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => store.audit.append({ actor: `a${i}`, role: 'admin', action: 'x', outcome: 'success' })),
  );
  for (let i = 40; i < N; i++) await store.audit.append({ actor: `a${i}`, role: 'admin', action: 'y', outcome: 'failure', details: { i } });
  leaves = (await store.audit.list({ limit: 1000 })).map(({ hash: _h, ...r }) => auditRecordPreimage(r));
  proofs = new AuditProofs(store.auditTree);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit tree against RFC 9162 §2.1 implemented in this test', () => {
  it('ok/the root at every size is MTH of the canonical records', async () => {
    for (let n = 0; n <= N; n++) expect((await proofs.root(n)).rootHash, `size ${n}`).toBe(mth(leaves.slice(0, n)).toString('hex'));
  });

  it('ok/every inclusion proof verifies by §2.1.3.2, and a wrong leaf or index does not', async () => {
    for (const n of [1, 2, 3, 5, 8, 13, 31, 32, 33, 64, N]) {
      const root = mth(leaves.slice(0, n));
      for (let seq = 1; seq <= n; seq++) {
        const p = await proofs.inclusion(seq, n);
        expect(p.leafHash).toBe(rfcLeaf(leaves[seq - 1]!).toString('hex'));
        expect(rfcVerifyInclusion(seq - 1, n, hex(p.leafHash), p.path.map(hex), root), `${seq} in ${n}`).toBe(true);
        if (n > 1) {
          const other = seq === n ? seq - 2 : seq;
          expect(rfcVerifyInclusion(other, n, hex(p.leafHash), p.path.map(hex), root)).toBe(false);
          expect(rfcVerifyInclusion(seq - 1, n, rfcLeaf(Buffer.from('forged')), p.path.map(hex), root)).toBe(false);
        }
      }
    }
  });

  it('ok/every consistency proof verifies by §2.1.4.2, and against another old root it does not', async () => {
    for (let n = 1; n <= 40; n++) {
      for (let m = 1; m <= n; m++) {
        const p = await proofs.consistency(m, n);
        const a = mth(leaves.slice(0, m));
        const b = mth(leaves.slice(0, n));
        expect(p.fromRoot).toBe(a.toString('hex'));
        expect(rfcVerifyConsistency(m, n, a, b, p.path.map(hex)), `${m} → ${n}`).toBe(true);
        if (m < n) expect(rfcVerifyConsistency(m, n, rfcLeaf(Buffer.from('other')), b, p.path.map(hex))).toBe(false);
      }
    }
  });

  it('bad/a proof beyond the log is AUDIT_TREE_SIZE_INVALID', async () => {
    await expect(proofs.inclusion(N + 1)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_INVALID' });
    await expect(proofs.consistency(3, N + 1)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_INVALID' });
    await expect(proofs.inclusion(0)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_INVALID' });
  });
});
