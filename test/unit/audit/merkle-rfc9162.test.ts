import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { AuditProofs } from '../../../src/audit/proofs.js';
import { auditRecordPreimage } from '../../../src/audit/chain.js';

/*
 * An independent reading of RFC 9162 §2.1, written here from the RFC text and sharing no code
 * with src/audit/merkle.ts: MTH by the recursive definition (§2.1.1), and the verification
 * algorithms of §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.
 */
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const rfcLeaf = (d: Buffer) => sha(Buffer.from([0x00]), d);
const rfcNode = (l: Buffer, r: Buffer) => sha(Buffer.from([0x01]), l, r);

function mth(d: Buffer[]): Buffer {
  const n = d.length;
  if (n === 0) return sha();
  if (n === 1) return rfcLeaf(d[0]!);
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return rfcNode(mth(d.slice(0, k)), mth(d.slice(k)));
}

// §2.1.3.2
function rfcVerifyInclusion(leafIndex: number, treeSize: number, leafHashV: Buffer, path: Buffer[], root: Buffer): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHashV;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = rfcNode(p, r);
      if (fn % 2 === 0) {
        do {
          fn >>= 1;
          sn >>= 1;
        } while (fn % 2 === 0 && fn !== 0);
      }
    } else {
      r = rfcNode(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

// §2.1.4.2
function rfcVerifyConsistency(first: number, second: number, firstHash: Buffer, secondHash: Buffer, proof: Buffer[]): boolean {
  if (first === second) return proof.length === 0 && firstHash.equals(secondHash);
  if (proof.length === 0) return false;
  const path = (first & (first - 1)) === 0 ? [firstHash, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn & 1 || fn === sn) {
      fr = rfcNode(c, fr);
      sr = rfcNode(c, sr);
      if (!(fn & 1)) {
        do {
          fn >>= 1;
          sn >>= 1;
        } while (!(fn & 1) && fn !== 0);
      }
    } else {
      sr = rfcNode(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr.equals(firstHash) && sr.equals(secondHash) && sn === 0;
}

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
