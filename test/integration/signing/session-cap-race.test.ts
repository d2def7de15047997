import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_OPEN_SESSIONS } from '../../../src/signing/sign-service.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { DIALECTS } from '../../contract/store/support/test-db.js';
import { storePerDialect } from '../../contract/store/support/store-per-dialect.js';
import { makeService } from './harness.js';

/**
 * The cap on an official's prepared documents awaiting their signature holds when prepares race:
 * eight batch prepares of 50 at once (the cap is 200) on each database — PostgreSQL runs them
 * truly side by side — never leave more than the cap stored (racing prepares may all be refused:
 * each counts again after its write), and every refused one stored nothing.
 */
const decision = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'quyet-dinh.pdf'));
const token = issueSigner(sharedTestCa(), { cn: 'Trần Văn Đua' });

describe.each(DIALECTS)('session cap under concurrent prepares (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  it(`fail/8 concurrent batch prepares of 50 → at most ${MAX_OPEN_SESSIONS} sessions stay; the refused ones answer RATE_LIMITED for every document`, async () => {
    const { service } = makeService({ sessions: ctx.store.signSessions });
    const owner = `off_race_${dialect}`;
    const pdfs = Array.from({ length: 50 }, () => decision);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => service.prepareBatch(pdfs, { certificates: token.chain, actorId: owner })),
    );
    const open = await ctx.store.signSessions.countOpen(owner, new Date());
    expect(open).toBeLessThanOrEqual(MAX_OPEN_SESSIONS);
    let stored = 0;
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        expect(o.reason).toMatchObject({ code: 'RATE_LIMITED' });
        continue;
      }
      const ok = o.value.results.filter((r) => r.ok);
      // a batch is stored whole or, found over the cap after its write, taken back whole
      expect([0, 50]).toContain(ok.length);
      if (ok.length === 0) for (const r of o.value.results) expect(r.error?.code).toBe('RATE_LIMITED');
      for (const r of ok) expect(await ctx.store.signSessions.get(r.session!.sessionId)).toBeDefined();
      stored += ok.length;
    }
    expect(stored).toBe(open);
  });
});
