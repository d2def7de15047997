import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { pemEncode } from '../../../src/core/bytes.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { initialise } from '../../../src/app/init.js';
import { wireServices } from '../../../src/app/services.js';
import { startServer, type RunningServer } from '../../../src/app/server.js';
import { makeCsr } from '../../unit/pki/support/pki-fixture.js';
import {
  AUTHORITY,
  caller,
  certifyForm,
  freePort,
  newToken,
  originalPdf,
  run,
  PIN,
  addSubscriber,
  setupCertifierAndAuthority,
  type CopySetup,
} from '../copies/setup.js';
import { sendAndDrop, sendWithKey, untilAnswered } from './idempotency-client.js';

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) through the real app on SQLite:
 * a certified copy retried sequentially and concurrently takes one register number and answers
 * the same bytes; a retried issuance issues one certificate; a key reused for another request is
 * refused; another caller's key is its own; answers with a secret are not replayed; keys expire.
 * The service runs on a fake clock so expiry is reached by moving it, not by waiting.
 */
let ctx: KysoContext;
let server: RunningServer;
let url: string;
let dataDir: string;
let adminToken: string;
let s: CopySetup;
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-idem-'));
  const port = await freePort();
  const config = loadConfig({
    env: {
      KYSO_DATA: dataDir,
      KYSO_LOG_LEVEL: 'silent',
      KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
      PORT: String(port),
      KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
  });
  ctx = await openContext(config, { create: true, clock });
  const pki = createPki(ctx);
  adminToken = (await initialise(ctx, pki)).adminToken ?? '';
  const wired = await wireServices(ctx, { pki });
  server = await startServer(ctx, { services: wired.http, health: wired.health });
  url = server.url;
  s = await setupCertifierAndAuthority(ctx, caller(url), adminToken);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await ctx?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const copyEntries = async () => ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });

describe('Idempotency-Key on SQLite', () => {
  it('ok/the same copy request three times in a row → one register number, the same bytes, replays marked', async () => {
    const before = (await copyEntries()).length;
    const original = await originalPdf(1);
    const key = randomUUID();
    const answers = [];
    // a new FormData each time: a new multipart boundary, the same parts
    for (let i = 0; i < 3; i++)
      answers.push(await sendWithKey(url, 'POST', '/api/v1/copies', { token: s.certifierToken, key, form: certifyForm(s, { original }) }));
    for (const a of answers) expect(a.status, a.text()).toBe(200);
    expect(answers[0]!.headers.get('idempotent-replayed')).toBeNull();
    expect(answers[1]!.headers.get('idempotent-replayed')).toBe('true');
    expect(answers[2]!.headers.get('idempotent-replayed')).toBe('true');
    for (const a of answers.slice(1)) {
      expect(a.body.equals(answers[0]!.body)).toBe(true);
      expect(a.headers.get('x-kyso-copy-number')).toBe(answers[0]!.headers.get('x-kyso-copy-number'));
      expect(a.headers.get('content-type')).toBe('application/pdf');
      expect(a.headers.get('x-request-id')).not.toBe(answers[0]!.headers.get('x-request-id'));
    }
    const after = await copyEntries();
    expect(after.length).toBe(before + 1);
    // the replayed bytes are a valid signed PDF for pdfsig
    const dir = mkdtempSync(join(tmpdir(), 'kyso-idem-pdf-'));
    writeFileSync(join(dir, 'copy.pdf'), answers[2]!.body);
    const sig = await run('pdfsig', ['-nocert', join(dir, 'copy.pdf')]);
    expect(sig.out).toMatch(/Signature #2/);
    expect(sig.out).not.toMatch(/Signature is Invalid/);
    rmSync(dir, { recursive: true, force: true });
    // one replay audited per retry, none a new certification
    const replays = await ctx.audit.list({ action: 'request.replay', limit: 100 });
    expect(replays.filter((r) => r.details?.path === '/api/v1/copies').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('ok/the same copy request three times at once → one register number; the others wait (409 IN_PROGRESS) then get the same bytes', async () => {
    const before = (await copyEntries()).length;
    const original = await originalPdf(2);
    const key = randomUUID();
    const seen: number[] = [];
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        untilAnswered(
          () => sendWithKey(url, 'POST', '/api/v1/copies', { token: s.certifierToken, key, form: certifyForm(s, { original }) }),
          seen,
        ),
      ),
    );
    for (const a of answers) expect(a.status, a.text()).toBe(200);
    for (const a of answers.slice(1)) expect(a.body.equals(answers[0]!.body)).toBe(true);
    expect(new Set(answers.map((a) => a.headers.get('x-kyso-copy-number'))).size).toBe(1);
    expect((await copyEntries()).length).toBe(before + 1);
    // whatever the interleaving, only 409 IDEMPOTENCY_IN_PROGRESS was seen on the way
    expect(seen.every((st) => st === 409)).toBe(true);
  }, 90_000);

  it('ok/a batch signing whose first answer was lost, retried twice → each document signed once (listed once in the audit log)', async () => {
    const signed = async () =>
      (await ctx.audit.list({ action: 'signing.batch', limit: 10_000 })).reduce(
        (n, e) => n + ((e.details?.signatures as unknown[] | undefined)?.length ?? 0),
        0,
      );
    const before = await signed();
    const pdfs = [await originalPdf(1, 'QUYET DINH 1'), await originalPdf(1, 'QUYET DINH 2')];
    const form = () => {
      const fd = new FormData();
      for (const [i, pdf] of pdfs.entries()) fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), `d${i}.pdf`);
      fd.append('options', JSON.stringify({ signer: { kind: 'credential', credentialId: s.certifierCredential, pin: PIN } }));
      return fd;
    };
    const key = randomUUID();
    await sendAndDrop(url, 'POST', '/api/v1/sign/batch', { token: s.signerToken, key, form: form() });
    const first = await untilAnswered(() => sendWithKey(url, 'POST', '/api/v1/sign/batch', { token: s.signerToken, key, form: form() }));
    const second = await untilAnswered(() => sendWithKey(url, 'POST', '/api/v1/sign/batch', { token: s.signerToken, key, form: form() }));
    expect(first.status, first.text()).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.json().results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    expect((await signed()) - before).toBe(2);
  }, 60_000);

  it('fail/the same key with another body → 422 IDEMPOTENCY_KEY_REUSED, nothing certified', async () => {
    const key = randomUUID();
    const first = await sendWithKey(url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }),
    });
    expect(first.status, first.text()).toBe(200);
    const before = (await copyEntries()).length;
    const other = await sendWithKey(url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1, 'GIAY CHUNG NHAN') }),
    });
    expect(other.status).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    // another path with the key is another request too
    const path = await sendWithKey(url, 'POST', '/api/v1/sign', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }),
    });
    expect(path.status).toBe(422);
    expect((await copyEntries()).length).toBe(before);
  }, 60_000);

  it('ok/another caller with the same key gets its own result', async () => {
    const otherCertifier = await newToken(caller(url), adminToken, 'certifier', {
      organizationId: 'org_ubnd_ha_long',
      authorityId: AUTHORITY,
      officialId: 'off_nguyen_thi_hang',
    });
    const key = 'shared-key-' + randomUUID();
    const original = await originalPdf(1);
    const a = await sendWithKey(url, 'POST', '/api/v1/copies', { token: s.certifierToken, key, form: certifyForm(s, { original }) });
    const b = await sendWithKey(url, 'POST', '/api/v1/copies', { token: otherCertifier, key, form: certifyForm(s, { original }) });
    expect(a.status, a.text()).toBe(200);
    expect(b.status, b.text()).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.headers.get('x-kyso-copy-number')).not.toBe(a.headers.get('x-kyso-copy-number'));
  }, 60_000);

  it('ok/a retried issuance from a CSR issues one certificate (structured-field and bare key are one key)', async () => {
    const count = async () => (await ctx.store.certificates.list({ limit: 1000 })).length;
    const before = await count();
    const body = {
      profile: 'individual',
      subject: { commonName: 'Lê Văn Tám', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001204567891'] },
      csr: pemEncode('CERTIFICATE REQUEST', makeCsr({ type: 'ec' }).der),
    };
    const key = randomUUID();
    const first = await sendWithKey(url, 'POST', '/api/v1/certificates', { token: adminToken, key: `"${key}"`, json: body });
    expect(first.status, first.text()).toBe(201);
    // same members in another order and spacing: the same JSON request
    const reordered = JSON.stringify({ csr: body.csr, subject: body.subject, profile: body.profile }, null, 2);
    const second = await sendWithKey(url, 'POST', '/api/v1/certificates', { token: adminToken, key, raw: reordered });
    expect(second.status, second.text()).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.json().certificate.id).toBe(first.json().certificate.id);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await count()).toBe(before + 1);
  }, 60_000);

  it('fail/malformed keys → 400 IDEMPOTENCY_KEY_INVALID; a validation failure before the work leaves the key unused', async () => {
    for (const bad of ['"unterminated', '"a" "b"', 'has space', '"' + 'x'.repeat(256) + '"', '""']) {
      const r = await sendWithKey(url, 'POST', '/api/v1/tokens', { token: adminToken, key: bad, json: { role: 'auditor' } });
      expect(r.status, bad).toBe(400);
      expect(r.json().code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    const key = randomUUID();
    const invalid = await sendWithKey(url, 'POST', '/api/v1/tokens', { token: adminToken, key, json: { role: 'nobody' } });
    expect(invalid.status).toBe(400);
    expect(await ctx.store.idempotencyKeys.get(`token:${await adminTokenId()}`, key)).toBeUndefined();
  });

  it('ok/answers with a secret are never stored: a retry gets 409 IDEMPOTENCY_SECRET_NOT_REPLAYED with the id', async () => {
    const key = randomUUID();
    const before = (await ctx.store.apiTokens.list()).length;
    const first = await sendWithKey(url, 'POST', '/api/v1/tokens', {
      token: adminToken,
      key,
      json: { role: 'auditor', organizationId: 'org_ubnd_ha_long' },
    });
    expect(first.status, first.text()).toBe(201);
    const secret = first.json().token as string;
    const again = await sendWithKey(url, 'POST', '/api/v1/tokens', {
      token: adminToken,
      key,
      json: { role: 'auditor', organizationId: 'org_ubnd_ha_long' },
    });
    expect(again.status).toBe(409);
    expect(again.json().code).toBe('IDEMPOTENCY_SECRET_NOT_REPLAYED');
    expect(again.json().details.id).toBe(first.json().id);
    expect(again.text()).not.toContain(secret);
    expect((await ctx.store.apiTokens.list()).length).toBe(before + 1);
    const row = await ctx.store.idempotencyKeys.get(`token:${await adminTokenId()}`, key);
    expect(row?.state).toBe('secret');
    expect(row?.response).toBeNull();

    // a server-generated PKCS#12: the certificate id, never the PKCS#12 again
    const p12key = randomUUID();
    const issue = {
      profile: 'individual',
      subject: { commonName: 'Phạm Thị Mai', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001204567892'] },
      pkcs12Password: 'p12-pass-123',
      keySpec: { type: 'ec', curve: 'P-256' },
    };
    const made = await sendWithKey(url, 'POST', '/api/v1/certificates', { token: adminToken, key: p12key, json: issue });
    expect(made.status, made.text()).toBe(201);
    expect(made.json().pkcs12).toBeTypeOf('string');
    const retry = await sendWithKey(url, 'POST', '/api/v1/certificates', { token: adminToken, key: p12key, json: issue });
    expect(retry.status).toBe(409);
    expect(retry.json().code).toBe('IDEMPOTENCY_SECRET_NOT_REPLAYED');
    expect(retry.json().details).toEqual({
      id: made.json().certificate.id,
      location: `/api/v1/certificates/${made.json().certificate.id}`,
    });
    expect(retry.text()).not.toContain(made.json().pkcs12.slice(0, 40));
  }, 60_000);

  it('ok/the one-time activation code of an approved credential binding is not replayed: 409 with the credential id', async () => {
    await addSubscriber(ctx, {
      id: 'off_idem_holder',
      kind: 'individual',
      name: 'Đỗ Văn Hùng',
      uid: 'CCCD:022198007777',
      managingOrganizationId: 'org_ubnd_ha_long',
    });
    const cert = await createPki(ctx).issuance.issue(
      { id: 'test-admin', role: 'admin' },
      {
        profile: 'individual',
        subscriberId: 'off_idem_holder',
        subject: { commonName: 'Đỗ Văn Hùng', uids: ['CCCD:022198007777'] },
        key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
      },
    );
    const asked = await sendWithKey(url, 'POST', '/api/v1/credentials', {
      token: adminToken,
      key: randomUUID(),
      json: { certificateId: cert.certificate.id, ownerId: 'off_idem_holder' },
    });
    expect(asked.status, asked.text()).toBe(202);
    const key = randomUUID();
    const approve = () =>
      sendWithKey(url, 'POST', `/api/v1/credential-requests/${asked.json().id}/approve`, { token: s.raOfficerToken, key });
    const first = await approve();
    expect(first.status, first.text()).toBe(200);
    const again = await approve();
    expect(again.status).toBe(409);
    expect(again.json().code).toBe('IDEMPOTENCY_SECRET_NOT_REPLAYED');
    expect(again.json().details).toEqual({ id: first.json().credentialId, location: `/api/v1/credential-requests/${asked.json().id}` });
    expect(again.text()).not.toContain(first.json().activationCode);
  }, 60_000);

  it('ok/keys expire after KYSO_IDEMPOTENCY_TTL: the same key then runs a new request, and expired keys are purged', async () => {
    const key = randomUUID();
    const body = { role: 'auditor', organizationId: 'org_ubnd_ha_long', label: 'expiry' };
    const first = await sendWithKey(url, 'POST', '/api/v1/tokens', { token: adminToken, key, json: body });
    expect(first.status).toBe(201);
    clock.set(clock.now().getTime() + 24 * 3600_000 - 1000);
    expect((await sendWithKey(url, 'POST', '/api/v1/tokens', { token: adminToken, key, json: body })).status).toBe(409);
    clock.set(clock.now().getTime() + 2000);
    const later = await sendWithKey(url, 'POST', '/api/v1/tokens', { token: adminToken, key, json: body });
    expect(later.status, later.text()).toBe(201);
    expect(later.json().id).not.toBe(first.json().id);
    clock.set(clock.now().getTime() + 24 * 3600_000 + 1000);
    expect(await ctx.idempotency.purge()).toBeGreaterThan(0);
    expect(await ctx.store.idempotencyKeys.get(`token:${await adminTokenId()}`, key)).toBeUndefined();
  }, 60_000);
});

async function adminTokenId(): Promise<string> {
  const all = await ctx.store.apiTokens.list();
  const admin = all.find((t) => t.role === 'admin' && t.revokedAt === null);
  return admin!.id;
}
