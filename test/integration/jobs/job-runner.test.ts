import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { initialise } from '../../../src/app/init.js';
import { createPki } from '../../../src/app/pki.js';
import { wireServices, type WiredServices } from '../../../src/app/services.js';
import { JobRunner } from '../../../src/jobs/job-runner.js';
import { FileCopyDocumentStore } from '../../../src/store/adapters/copy-files.js';
import { smallPdfs } from './serve-process.js';
import { issueKeptKey, randomCccd } from './kept-key.js';

/**
 * The worker's crash rules without a crash: a dead worker is simulated by claiming an item with a
 * lease that has already ended and never finishing it. A new worker then signs it again for an RSA
 * credential (deterministic) and fails it with JOB_ITEM_INTERRUPTED for an ECDSA one; either way
 * one audit event per file. Also: cancelling stops the pending files and revokes the authorization.
 */
const PIN = '864213';
const OWNER = 'off_runner';
let dataDir: string;
let ctx: KysoContext;
let wired: WiredServices;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-runner-'));
  ctx = await openContext(
    loadConfig({ env: { KYSO_DATA: dataDir, KYSO_LOG_LEVEL: 'silent', KYSO_MASTER_KEY: randomBytes(32).toString('hex') } }),
    { create: true },
  );
  const pki = createPki(ctx);
  await initialise(ctx, pki);
  wired = await wireServices(ctx, { pki });
  await wired.jobs.worker.stop(); // this test drives the runner by hand
}, 120_000);
afterAll(async () => {
  await ctx?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function credential(generate: { type: 'rsa'; bits: 2048 } | { type: 'ec'; curve: 'P-256' }): Promise<string> {
  const { keyUri, certificates } = await issueKeptKey(ctx, { commonName: 'Trần Văn Chạy', cccd: randomCccd(), generate });
  return (await wired.signing.credentials.register({ ownerId: OWNER, keyUri, certificates, pin: PIN })).id;
}

function runner(): JobRunner {
  return new JobRunner({
    store: ctx.store,
    files: new FileCopyDocumentStore(join(dataDir, 'job-files')),
    sign: wired.signing.sign,
    credentials: wired.signing.credentials,
    clock: ctx.clock,
    leaseMs: 60_000,
  });
}

async function submit(credentialId: string, n: number) {
  const files = (await smallPdfs(n)).map((data, i) => ({ name: `f${i + 1}.pdf`, data }));
  return wired.jobs.service.submitSign({
    principal: { id: 'token:runner', role: 'signer', organizationId: OWNER, officialId: OWNER },
    actorId: OWNER,
    files,
    options: {},
    credentialId,
    pin: PIN,
  });
}

/** A worker that claimed item 1 and died: its lease is already over. */
async function deadWorkerClaims(): Promise<void> {
  const now = ctx.clock.now();
  const item = await ctx.store.jobs.claimItem('claim_dead', now, new Date(now.getTime() - 1));
  expect(item?.n).toBe(1);
}

async function drain(r: JobRunner): Promise<void> {
  while (await r.runOnce());
}

async function eventsOf(jobId: string) {
  return (await ctx.audit.list({ action: 'signing.sign', limit: 10_000 })).filter((e) => e.details?.job === jobId);
}

describe('job runner after a dead worker', () => {
  it('ok/RSA: the abandoned item is signed on the second claim; one success event per file', async () => {
    const job = await submit(await credential({ type: 'rsa', bits: 2048 }), 3);
    await deadWorkerClaims();
    await drain(runner());
    const items = await ctx.store.jobs.listItems(job.id);
    expect(items.map((i) => [i.n, i.state, i.attempts])).toEqual([
      [1, 'done', 2],
      [2, 'done', 1],
      [3, 'done', 1],
    ]);
    expect((await ctx.store.jobs.getJob(job.id))?.state).toBe('completed');
    const events = await eventsOf(job.id);
    expect(events.map((e) => [e.details?.item, e.outcome]).sort()).toEqual([
      [1, 'success'],
      [2, 'success'],
      [3, 'success'],
    ]);
  });

  it('fail/ECDSA: the abandoned item is not signed again (JOB_ITEM_INTERRUPTED, one failure event); the others are signed', async () => {
    const job = await submit(await credential({ type: 'ec', curve: 'P-256' }), 2);
    await deadWorkerClaims();
    await drain(runner());
    const items = await ctx.store.jobs.listItems(job.id);
    expect(items.map((i) => [i.n, i.state, i.errorCode])).toEqual([
      [1, 'failed', 'JOB_ITEM_INTERRUPTED'],
      [2, 'done', null],
    ]);
    const events = await eventsOf(job.id);
    expect(events.map((e) => [e.details?.item, e.outcome]).sort()).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
  });

  it('ok/a worker whose claim was taken over cannot record: the late finish is refused', async () => {
    const job = await submit(await credential({ type: 'rsa', bits: 2048 }), 1);
    await deadWorkerClaims();
    const now = ctx.clock.now();
    const taken = await ctx.store.jobs.claimItem('claim_new', now, new Date(now.getTime() + 60_000));
    expect(taken?.attempts).toBe(2);
    const late = await ctx.store.jobs.finishItem(
      job.id,
      1,
      'claim_dead',
      { state: 'done', outputSha256: 'x'.repeat(64), outputBytes: 1 },
      now,
    );
    expect(late).toBe(false);
    // and nothing else can be claimed while the new lease runs
    expect(await ctx.store.jobs.claimItem('claim_third', now, new Date(now.getTime() + 60_000))).toBeUndefined();
  });

  it('ok/cancel: pending files are cancelled, the job ends cancelled, its authorization no longer works', async () => {
    const job = await submit(await credential({ type: 'rsa', bits: 2048 }), 3);
    const p = { id: 'token:runner', role: 'signer' as const, organizationId: OWNER, officialId: OWNER };
    const view = await wired.jobs.service.cancel(job.id, p);
    expect(view.state).toBe('cancelled');
    expect(view.progress).toEqual({ total: 3, done: 0, failed: 0, cancelled: 3 });
    const stored = await ctx.store.jobs.getJob(job.id);
    const auth = await ctx.store.signingAuthorizations.get(stored!.authorizationId!);
    expect(auth?.revokedAt).not.toBeNull();
    expect(await runner().runOnce()).toBe(false);
  });
});
