import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCrashLoop } from './crash-loop.js';

/**
 * SIGKILL `kyso serve` at random points of issuance, signing and certification and check the
 * invariants after every restart (see crash-loop.ts). CI runs 100 kills on SQLite; `npm run
 * crash-loop -- --runs N [--pg]` runs more, through this file with KYSO_CRASH_RUNS / KYSO_CRASH_PG.
 */
const RUNS = Number(process.env.KYSO_CRASH_RUNS ?? 100);
const POSTGRES = process.env.KYSO_CRASH_PG === '1';
const SEED = process.env.KYSO_CRASH_SEED ? Number(process.env.KYSO_CRASH_SEED) : undefined;

describe('crash loop', () => {
  it(
    `ok/${RUNS} random SIGKILLs of the service → it restarts, serials and register numbers stay unique and gap-free, no half-written copy, the audit chain verifies`,
    async () => {
      const r = await runCrashLoop({
        runs: RUNS,
        postgres: POSTGRES,
        ...(SEED !== undefined ? { seed: SEED } : {}),
        log: (l) => process.stdout.write(`crash-loop: ${l}\n`),
      });
      process.stdout.write(`crash-loop result: ${JSON.stringify(r)}\n`);
      if (process.env.KYSO_CRASH_OUT) writeFileSync(process.env.KYSO_CRASH_OUT, JSON.stringify(r, null, 2));
      expect(r.problems, `seed ${r.seed}`).toEqual([]);
      expect(r.restarts).toBe(RUNS);
      expect(r.invariantChecks).toBe(RUNS);
    },
    120_000 + RUNS * 8_000,
  );
});
