/**
 * Property-based robustness: mutations of corpus files (byte flips, truncation, duplicated
 * tails, spliced garbage) always end with a report or AppError VERIFY_UNREADABLE — never another
 * exception, never a hang (the validator's own time budget bounds each run). The mutations are
 * shared with the parser fuzz tests (fuzz-mutations.ts); KYSO_FUZZ_RUNS scales the runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { verifyPdf } from '../../src/pdf/verify/verify-pdf.js';
import { EMPTY_TRUST_STORE } from '../../src/pki/path/trust-store.js';
import { corpusRoot } from '../fixtures/corpus.js';
import { FuzzTally } from './fuzz-budget.js';
import { fuzzRuns, fuzzSeed, fuzzTimeout, mutate, mutation } from './fuzz-mutations.js';

const ROOT = corpusRoot();
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as {
  files: { path: string; bytes: number; signatures: number }[];
};
// signed files below 200 KB keep the run short while covering every structure kind
const seeds = manifest.files.filter((f) => f.signatures > 0 && f.bytes < 200_000).map((f) => readFileSync(join(ROOT, f.path)));

describe('verifyPdf on mutated corpus files', () => {
  it(
    'returns a report or throws VERIFY_UNREADABLE',
    async () => {
      expect(seeds.length).toBeGreaterThan(20);
      // the validator's own budget is 5 s; the tally's 15 s only catches an input that escapes it
      const tally = new FuzzTally('verifier', 15_000);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: seeds.length - 1 }), mutation, async (i, m) => {
          const input = mutate(seeds[i]!, m);
          await tally.run(input, async () => {
            try {
              const r = await verifyPdf(input, { trust: EMPTY_TRUST_STORE, offline: true, limits: { timeBudgetMs: 5_000 } });
              expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(r.indication);
              expect(Object.isFrozen(r)).toBe(true);
              // an unexpected exception inside the validator is a bug, not bad input
              expect(r.errors).not.toContain('VERIFY_INTERNAL_ERROR');
            } catch (e) {
              // the verifier's one refusal; any other AppError escaping it is a bug too
              if (isAppError(e, 'VERIFY_UNREADABLE')) throw e;
              throw new Error(`verifyPdf threw ${isAppError(e) ? e.code : String(e)}`, { cause: e });
            }
          });
        }),
        { numRuns: fuzzRuns(1_000), seed: fuzzSeed(20261126) },
      );
      tally.report();
    },
    fuzzTimeout(),
  );

  it(
    'a flipped byte inside a signed range is never reported intact',
    async () => {
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
        { numRuns: Math.max(1, Math.floor(fuzzRuns(600) / 3)), seed: fuzzSeed(7) },
      );
    },
    fuzzTimeout(),
  );
});
