import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KysoContext } from '../../../src/app/context.js';
import { createSigning } from '../../../src/app/signing.js';
import { CopyService } from '../../../src/copies/copy-service.js';
import { loadCopyFonts } from '../../../src/app/certified-copies.js';
import { copySignerFromSigning } from '../../../src/signing/index.js';
import { AUTHORITY, CERTIFIER_ID, PIN, SEAL_OWNER, SEAL_PIN, caller, certifyForm, originalPdf, type CopySetup } from './setup.js';
import { startTwoInstances, type TwoInstances } from './two-instances-postgres.js';

/**
 * Two `kyso serve` processes on one PostgreSQL database: 200 concurrent certifications spread
 * over both yield register numbers 1..200 exactly once. Then one instance is killed (SIGKILL)
 * in the middle of a certification: its entry is left `pending` with its number, crash
 * recovery turns it into `failed`, and the next certification takes the next number.
 */
let ctx: KysoContext;
let servers: TwoInstances['servers'];
let s: CopySetup;
let instances: TwoInstances | undefined;

beforeAll(async () => {
  instances = await startTwoInstances('copies');
  ({ ctx, servers, setup: s } = instances);
}, 180_000);

afterAll(async () => {
  await instances?.close();
}, 60_000);

function signingFor(c: KysoContext) {
  return createSigning(c, {
    repos: { sessions: c.store.signSessions, credentials: c.store.credentials, authorizations: c.store.signingAuthorizations },
  });
}

describe('register numbering with two service processes on PostgreSQL', () => {
  it('ok/200 concurrent certifications over two instances → numbers 1..200 exactly once', async () => {
    const signing = signingFor(ctx);
    const certAuth = await signing.credentials.authorizeBatch(s.certifierCredential, CERTIFIER_ID, PIN, 200);
    const sealAuth = await signing.credentials.authorizeBatch(s.sealCredential, SEAL_OWNER, SEAL_PIN, 200);
    const original = await originalPdf(1);
    const calls = [caller(servers[0]!.url), caller(servers[1]!.url)];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        calls[i % 2]!('POST', '/api/v1/copies', {
          token: s.certifierToken,
          body: certifyForm(s, { original }, { level: 'B-B', authorizationId: certAuth.id, sealAuthorizationId: sealAuth.id }),
        }),
      ),
    );
    for (const r of results) expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
    const numbers = results.map((r) => Number(r.headers.get('x-kyso-copy-number'))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((e) => e.number)).size).toBe(200);
    expect(stored.every((e) => e.status === 'valid')).toBe(true);
  }, 240_000);

  it('fail/kill -9 of an instance mid-certification → its entry is pending, recovery marks it failed; numbering continues without gap', async () => {
    const victim = servers[1]!;
    // A long original keeps the instance busy after the number is allocated.
    const big = await originalPdf(250);
    const pending = caller(victim.url)('POST', '/api/v1/copies', {
      token: s.certifierToken,
      body: certifyForm(s, { original: big }, { level: 'B-B' }),
    }).catch((e: unknown) => e);
    let entry;
    for (let i = 0; i < 400 && !entry; i++) {
      entry = (await ctx.store.registers.list({ authorityId: AUTHORITY, status: 'pending', limit: 10 }))[0];
      if (!entry) await new Promise((r) => setTimeout(r, 25));
    }
    expect(entry, 'the certification never reached the register').toBeDefined();
    victim.proc.kill('SIGKILL');
    await pending;
    expect(entry!.number).toBe(201);
    expect((await ctx.store.registers.get(entry!.id))?.status).toBe('pending');
    // What a restarting instance does (threshold 0: we know the process is gone).
    const signing = signingFor(ctx);
    const recovery = new CopyService({
      registers: ctx.store.registers,
      authorities: ctx.store.authorities,
      audit: ctx.audit,
      clock: ctx.clock,
      fonts: loadCopyFonts(),
      signer: copySignerFromSigning(signing.sign, signing.credentials),
      publicUrl: servers[0]!.url,
      level: 'B-B',
      documents: ctx.store.copyDocuments,
    });
    expect(await recovery.recoverInterrupted(0)).toBe(1);
    expect((await ctx.store.registers.get(entry!.id))?.status).toBe('failed');
    const next = await caller(servers[0]!.url)('POST', '/api/v1/copies', {
      token: s.certifierToken,
      body: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }),
    });
    expect(next.status, next.body.toString('utf8').slice(0, 300)).toBe(200);
    expect(next.headers.get('x-kyso-copy-number')).toBe('202');
    const all = await ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });
    expect(all.map((e) => e.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 202 }, (_, i) => i + 1));
  }, 120_000);
});
