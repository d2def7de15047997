import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { verifyWebhookSignature } from '../../../src/jobs/webhook-signature.js';
import { startHarness, type Harness } from '../http/harness.js';
import { api, freePort, jobForm, smallPdfs } from './serve-process.js';
import { issueKeptKey } from './kept-key.js';

/**
 * Jobs through the app on 127.0.0.1: the completion webhook is delivered to a local receiver with
 * a valid HMAC; a URL off the allow-list is refused at submission; a redirecting receiver is not
 * followed; another caller cannot read the job; the PIN is checked once at submission.
 */
const PIN = '864213';
const OWNER = 'off_webhook_signer';

interface Received {
  readonly body: string;
  readonly signature: string;
  readonly path: string;
}

let h: Harness;
let receiver: Server;
let received: Received[] = [];
let redirectHits = 0;
let receiverPort: number;
let token: string;
let other: string;
let auditorOther: string;
let credentialId: string;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString('utf8')));
    req.on('end', () => resolve(s));
  });
}

beforeAll(async () => {
  receiverPort = await freePort();
  receiver = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.url === '/redirect') {
        redirectHits++;
        res.writeHead(307, { location: `http://127.0.0.1:${receiverPort}/elsewhere` }).end();
        return;
      }
      received.push({ body, signature: String(req.headers['kyso-signature'] ?? ''), path: req.url ?? '' });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', () => r()));
  h = await startHarness({ KYSO_WEBHOOK_ALLOW: `http://127.0.0.1:${receiverPort}`, KYSO_JOB_LEASE_SECONDS: '5' });
  const ctx = h.ctx;
  const { keyUri, certificates: chain } = await issueKeptKey(ctx, {
    commonName: 'Lê Văn Hook',
    cccd: '022198005555',
    generate: { type: 'rsa', bits: 2048 },
  });
  const credentials = new CredentialService({
    keyStore: ctx.keys,
    credentials: ctx.store.credentials,
    authorizations: ctx.store.signingAuthorizations,
    audit: ctx.audit,
    clock: ctx.clock,
    pinVerifierKey: () => ctx.pinVerifierKey(),
  });
  credentialId = (await credentials.register({ ownerId: OWNER, keyUri, certificates: chain, pin: PIN })).id;
  token = (await ctx.tokens.create({ role: 'signer', organizationId: OWNER, officialId: OWNER, label: 'jobs' })).token;
  other = (await ctx.tokens.create({ role: 'signer', organizationId: 'org_other', label: 'other signer' })).token;
  auditorOther = (await ctx.tokens.create({ role: 'auditor', organizationId: 'org_other', label: 'other auditor' })).token;
}, 180_000);

afterAll(async () => {
  await h?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

async function waitCompleted(id: string, t = token): Promise<any> {
  for (let i = 0; i < 1200; i++) {
    const r = await api(h.url, 'GET', `/api/v1/jobs/${id}`, t);
    if (r.json.state === 'completed' && (r.json.webhook?.deliveries ?? []).every((d: any) => d.state !== 'pending')) return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not complete');
}

const signer = () => ({ kind: 'credential', credentialId, pin: PIN });

describe('jobs over HTTP', () => {
  it('fail/webhook before a secret exists → 409 WEBHOOK_SECRET_MISSING; a URL off the allow-list → 422 WEBHOOK_URL_NOT_ALLOWED', async () => {
    const pdfs = await smallPdfs(1);
    const noSecret = await api(
      h.url,
      'POST',
      '/api/v1/jobs/sign',
      token,
      jobForm(pdfs, { signer: signer(), webhook: { url: `http://127.0.0.1:${receiverPort}/hook` } }),
    );
    expect([noSecret.status, noSecret.json.code]).toEqual([409, 'WEBHOOK_SECRET_MISSING']);
    for (const url of [
      `http://127.0.0.1:${receiverPort + 1}/hook`,
      'https://example.org/hook',
      `http://localhost:${receiverPort}/hook`,
      `http://user:pw@127.0.0.1:${receiverPort}/hook`,
      'not a url',
    ]) {
      const r = await api(h.url, 'POST', '/api/v1/jobs/sign', token, jobForm(pdfs, { signer: signer(), webhook: { url } }));
      expect([r.status, r.json.code], url).toEqual([422, 'WEBHOOK_URL_NOT_ALLOWED']);
    }
  });

  it('fail/a wrong PIN is refused at submission (PIN_INVALID), nothing is queued', async () => {
    const r = await api(h.url, 'POST', '/api/v1/jobs/sign', token, jobForm(await smallPdfs(2), { signer: { ...signer(), pin: '000000' } }));
    expect(r.json.code).toBe('PIN_INVALID');
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('ok/a retried submission with the same Idempotency-Key gets the same job, not a second one', async () => {
    const pdfs = await smallPdfs(2);
    const send = async () => {
      const res = await fetch(`${h.url}/api/v1/jobs/sign`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': '"job-retry-1"' },
        body: jobForm(pdfs, { signer: signer() }),
      });
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), json: (await res.json()) as { id: string } };
    };
    const first = await send();
    const again = await send();
    expect(first.status, JSON.stringify(first.json)).toBe(202);
    expect(again.status).toBe(202);
    expect(again.replayed).toBe('true');
    expect(again.json.id).toBe(first.json.id);
    await waitCompleted(first.json.id);
    const jobs = await h.ctx.audit.list({ action: 'jobs.submit', limit: 1000 });
    expect(jobs.filter((e) => e.target === first.json.id)).toHaveLength(1);
  });

  it('ok/webhook delivered once with a valid HMAC over the body; the job records the attempt', async () => {
    const secret = await api(h.url, 'POST', '/api/v1/webhooks/secret', token);
    expect(secret.status).toBe(201);
    const key = secret.json.secret as string;
    received = [];
    const pdfs = await smallPdfs(3);
    const submit = await api(
      h.url,
      'POST',
      '/api/v1/jobs/sign',
      token,
      jobForm(pdfs, { signer: signer(), webhook: { url: `http://127.0.0.1:${receiverPort}/hook` } }),
    );
    expect(submit.status, JSON.stringify(submit.json)).toBe(202);
    const job = await waitCompleted(submit.json.id);
    expect(job.progress.done).toBe(3);
    expect(job.webhook.deliveries).toEqual([{ state: 'delivered', attempts: [expect.objectContaining({ status: 204, error: null })] }]);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.path).toBe('/hook');
    expect(verifyWebhookSignature(key, got.body, got.signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhookSignature(key, got.body + ' ', got.signature, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifyWebhookSignature('whsec_wrong', got.body, got.signature, Math.floor(Date.now() / 1000))).toBe(false);
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({ type: 'job.completed', job: { id: submit.json.id, state: 'completed' } });
  });

  it('ok/a redirecting receiver is not followed: the 307 is recorded as a failed attempt, nothing reaches the target', async () => {
    received = [];
    redirectHits = 0;
    const submit = await api(
      h.url,
      'POST',
      '/api/v1/jobs/sign',
      token,
      jobForm(await smallPdfs(1), { signer: signer(), webhook: { url: `http://127.0.0.1:${receiverPort}/redirect` } }),
    );
    expect(submit.status).toBe(202);
    for (let i = 0; i < 600; i++) {
      const r = await api(h.url, 'GET', `/api/v1/jobs/${submit.json.id}`, token);
      if (r.json.webhook?.deliveries?.[0]?.attempts?.length >= 1) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const r = await api(h.url, 'GET', `/api/v1/jobs/${submit.json.id}`, token);
    const attempt = r.json.webhook.deliveries[0].attempts[0];
    expect(attempt).toMatchObject({ status: 307, error: 'redirect not followed' });
    expect(redirectHits).toBe(1);
    expect(received.filter((x) => x.path === '/elsewhere')).toEqual([]);
  });

  it('fail/another caller cannot read, download or cancel the job (404 JOB_NOT_FOUND); an auditor of another organization neither; admin can', async () => {
    const submit = await api(h.url, 'POST', '/api/v1/jobs/sign', token, jobForm(await smallPdfs(1), { signer: signer() }));
    const id = submit.json.id as string;
    await waitCompleted(id);
    for (const t of [other, auditorOther]) {
      const r = await api(h.url, 'GET', `/api/v1/jobs/${id}`, t);
      expect([r.status, r.json.code]).toEqual([404, 'JOB_NOT_FOUND']);
      const f = await api(h.url, 'GET', `/api/v1/jobs/${id}/files/1`, t);
      expect([f.status, f.json.code]).toEqual([404, 'JOB_NOT_FOUND']);
    }
    const d = await api(h.url, 'DELETE', `/api/v1/jobs/${id}`, other);
    expect([d.status, d.json.code]).toEqual([404, 'JOB_NOT_FOUND']);
    expect((await api(h.url, 'GET', `/api/v1/jobs/${id}`, h.adminToken)).status).toBe(200);
    const own = await api(h.url, 'GET', `/api/v1/jobs/${id}/files/1`, token);
    expect([own.status, own.headers.get('content-type')]).toEqual([200, 'application/pdf']);
  });

  it('ok/the stored job holds no PIN: not in the job row, the items or the audit log', async () => {
    const submit = await api(h.url, 'POST', '/api/v1/jobs/sign', token, jobForm(await smallPdfs(1), { signer: signer() }));
    const id = submit.json.id as string;
    await waitCompleted(id);
    const stored = JSON.stringify([await h.ctx.store.jobs.getJob(id), await h.ctx.store.jobs.listItems(id)]);
    expect(stored).not.toContain(PIN);
    expect(stored).toContain('"authorizationId":"sa_');
    const events = await h.ctx.audit.list({ limit: 10_000 });
    expect(JSON.stringify(events)).not.toContain(PIN);
  });
});
