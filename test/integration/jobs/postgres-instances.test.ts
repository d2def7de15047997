import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL } from '../../contract/store/support/test-db.js';
import { startHarness, type Harness } from '../http/harness.js';
import { api, jobForm, smallPdfs } from './serve-process.js';
import { issueKeptKey } from './kept-key.js';

/**
 * Two instances on one PostgreSQL database (and one shared job-file folder) work on the same job:
 * the claims (FOR UPDATE SKIP LOCKED) hand every file to exactly one worker, and every file ends
 * with one recorded output and one `signing.sign` event.
 */
const PIN = '864213';
const OWNER = 'off_pg_jobs';
const N = 20;
let harnesses: Harness[] = [];
let dropDb: () => Promise<void>;
let token: string;
let credentialId: string;

async function pgAdmin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const db = `kyso_test_${randomBytes(6).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${db}`);
  dropDb = () => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  const env = {
    KYSO_DATABASE_URL: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${db}`),
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_DATA: mkdtempSync(join(tmpdir(), 'kyso-pg-jobs-')),
  };
  harnesses = [await startHarness(env), await startHarness(env)];
  const ctx = harnesses[0]!.ctx;
  const { keyUri, certificates: chain } = await issueKeptKey(ctx, {
    commonName: 'Đỗ Thị Song',
    cccd: '022198006666',
    generate: { type: 'rsa', bits: 2048 },
  });
  const { CredentialService } = await import('../../../src/signing/credential-service.js');
  const credentials = new CredentialService({
    keyStore: ctx.keys,
    credentials: ctx.store.credentials,
    authorizations: ctx.store.signingAuthorizations,
    audit: ctx.audit,
    clock: ctx.clock,
    pinVerifierKey: () => ctx.pinVerifierKey(),
  });
  credentialId = (await credentials.register({ ownerId: OWNER, keyUri, certificates: chain, pin: PIN })).id;
  token = (await ctx.tokens.create({ role: 'signer', organizationId: OWNER, officialId: OWNER, label: 'pg jobs' })).token;
}, 180_000);

afterAll(async () => {
  // the second harness removes the shared folder; the first only closes
  for (const h of harnesses) await h.close();
  await dropDb?.();
}, 60_000);

describe('a job shared by two instances on PostgreSQL', () => {
  it('ok/every file signed once: one success event each, all outputs recorded, readable from either instance', async () => {
    const [a, b] = harnesses;
    const submit = await api(
      a!.url,
      'POST',
      '/api/v1/jobs/sign',
      token,
      jobForm(await smallPdfs(N), { signer: { kind: 'credential', credentialId, pin: PIN } }),
    );
    expect(submit.status, JSON.stringify(submit.json)).toBe(202);
    const id = submit.json.id as string;
    let job: any;
    for (let i = 0; i < 2400; i++) {
      job = (await api(b!.url, 'GET', `/api/v1/jobs/${id}`, token)).json;
      if (job.state === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.progress, JSON.stringify(job.files.filter((f: any) => f.state !== 'done').slice(0, 3))).toEqual({
      total: N,
      done: N,
      failed: 0,
      cancelled: 0,
    });
    const events = (await a!.ctx.audit.list({ action: 'signing.sign', limit: 10_000 })).filter((e) => e.details?.job === id);
    expect(events.every((e) => e.outcome === 'success')).toBe(true);
    expect(events.map((e) => e.details?.item as number).sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const items = await a!.ctx.store.jobs.listItems(id);
    expect(items.every((i) => i.attempts === 1)).toBe(true);
  }, 300_000);
});
