/**
 * Property-based robustness: mutations of corpus files (byte flips, truncation, duplicated
 * tails, spliced garbage) always end with a report or AppError VERIFY_UNREADABLE — never another
 * exception, never a hang (the validator's own time budget bounds each run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { verifyPdf } from '../../src/pdf/verify/verify-pdf.js';
import { EMPTY_TRUST_STORE } from '../../src/pdf/verify/trust-store.js';
import { corpusRoot } from '../fixtures/corpus.js';

const ROOT = corpusRoot();
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as {
  files: { path: string; bytes: number; signatures: number }[];
};
// signed files below 200 KB keep the run short while covering every structure kind
const seeds = manifest.files.filter((f) => f.signatures > 0 && f.bytes < 200_000).map((f) => readFileSync(join(ROOT, f.path)));

type Mutation =
  | { kind: 'flip'; at: number; xor: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicateTail'; at: number; times: number }
  | { kind: 'splice'; at: number; junk: Uint8Array };

function mutate(src: Buffer, m: Mutation): Buffer {
  const pos = (f: number) => Math.floor(f * src.length);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(src);
      for (let i = 0; i < m.count; i++) {
        const p = (pos(m.at) + i * 7919) % out.length;
        out[p] = out[p]! ^ (m.xor || 1);
      }
      return out;
    }
    case 'truncate':
      return src.subarray(0, pos(m.at));
    case 'duplicateTail': {
      const tail = src.subarray(pos(m.at));
      return Buffer.concat([src, ...Array.from({ length: m.times }, () => tail)]);
    }
    case 'splice':
      return Buffer.concat([src.subarray(0, pos(m.at)), Buffer.from(m.junk), src.subarray(pos(m.at))]);
  }
}

const fraction = fc.double({ min: 0, max: 0.9999, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fraction,
    xor: fc.integer({ min: 1, max: 255 }),
    count: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({ kind: fc.constant('duplicateTail' as const), at: fraction, times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fraction, junk: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

describe('verifyPdf on mutated corpus files', () => {
  it('returns a report or throws VERIFY_UNREADABLE', async () => {
    expect(seeds.length).toBeGreaterThan(20);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: seeds.length - 1 }), mutation, async (i, m) => {
        const input = mutate(seeds[i]!, m);
        try {
          const r = await verifyPdf(input, { trust: EMPTY_TRUST_STORE, offline: true, limits: { timeBudgetMs: 5_000 } });
          expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(r.indication);
          expect(Object.isFrozen(r)).toBe(true);
          // an unexpected exception inside the validator is a bug, not bad input
          expect(r.errors).not.toContain('VERIFY_INTERNAL_ERROR');
          // a mutated signed byte can never leave every signature intact and the file unchanged
          return true;
        } catch (e) {
          if (!isAppError(e, 'VERIFY_UNREADABLE')) throw e;
          return true;
        }
      }),
      { numRuns: 600, seed: 20261126 },
    );
  });

  it('a flipped byte inside a signed range is never reported intact', async () => {
    const f = manifest.files.find((x) => x.path.endsWith('pdf-signed-original.pdf'))!;
    const src = readFileSync(join(ROOT, f.path));
    const base = await verifyPdf(src, { trust: EMPTY_TRUST_STORE, offline: true });
    const [, b] = base.signatures[0]!.integrity.byteRange as number[];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: b! - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const out = Buffer.from(src);
        out[at] = out[at]! ^ xor;
        try {
          const r = await verifyPdf(out, { trust: EMPTY_TRUST_STORE, offline: true, limits: { timeBudgetMs: 5_000 } });
          const s = r.signatures[0];
          expect(r.errors).not.toContain('VERIFY_INTERNAL_ERROR');
          expect(r.indication).not.toBe('TOTAL_PASSED');
          if (s && s.integrity.byteRangeValid) expect(s.integrity.digestMatch && s.integrity.cryptoValid).toBe(false);
        } catch (e) {
          if (!isAppError(e, 'VERIFY_UNREADABLE')) throw e;
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
