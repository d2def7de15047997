import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIN, caller, originalPdf, setupCertifierAndAuthority, type Caller, type CopySetup } from '../copies/setup.js';
import { startHarness, type Harness } from './harness.js';
import { MAX_OPEN_SESSIONS } from '../../../src/signing/sign-service.js';

/**
 * What a refused signing request leaves behind: nothing. A batch that names another credential
 * than its authorization's, or whose certificate is suspended, takes no unit of the authorization;
 * a suspended certificate gets no new authorization (and costs no PIN attempt); a refused
 * two-phase prepare is on the record; a suspended certificate sent in another encoding is still
 * the suspended certificate; and prepares nobody completes cannot pile up without bound.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;
let chain: string[];

beforeAll(async () => {
  h = await startHarness();
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken, { type: 'rsa', bits: 2048 });
  const leaf = (await h.ctx.store.certificates.findById(s.certifierCertificateId))!.der!;
  const cas = await h.ctx.store.cas.list();
  chain = [
    leaf,
    ...cas.filter((c) => c.kind !== 'root').map((c) => c.certificateDer),
    ...cas.filter((c) => c.kind === 'root').map((c) => c.certificateDer),
  ].map((d) => d.toString('base64'));
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const authorize = (credentialId: string, documents: number) =>
  call('POST', `/api/v1/credentials/${credentialId}/authorizations`, {
    token: s.signerToken,
    json: { pin: PIN, documents, ttlSeconds: 600 },
  });

async function batch(pdfs: Buffer[], signer: Record<string, unknown>) {
  const fd = new FormData();
  for (const [i, pdf] of pdfs.entries()) fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), `d${i}.pdf`);
  fd.append('options', JSON.stringify({ signer: { kind: 'credential', ...signer } }));
  return call('POST', '/api/v1/sign/batch', { token: s.signerToken, body: fd });
}

async function prepare(pdfs: Buffer[], certificates: string[] = chain) {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ certificates }));
  for (const [i, p] of pdfs.entries()) fd.append('pdf', new Blob([p], { type: 'application/pdf' }), `d${i}.pdf`);
  return call('POST', pdfs.length === 1 ? '/api/v1/sign/prepare' : '/api/v1/sign/prepare/batch', { token: s.signerToken, body: fd });
}

const used = async (id: string) => (await h.ctx.store.signingAuthorizations.get(id))?.usedDocuments;
const events = (action: string) => h.ctx.audit.list({ action, limit: 10_000 });

describe('refused signing requests take nothing', () => {
  it('fail/a batch naming another credential than its authorization’s → 403, no unit taken, audited', async () => {
    const a = await authorize(s.certifierCredential, 5);
    expect(a.status, JSON.stringify(a.json)).toBe(201);
    const id = a.json.authorizationId as string;
    const before = (await events('signing.batch.use')).length;
    const r = await batch([await originalPdf(1, 'QUYET DINH 1')], { authorizationId: id, credentialId: s.sealCredential });
    expect(r.status, JSON.stringify(r.json)).toBe(403);
    expect(r.json.code).toBe('FORBIDDEN');
    expect(await used(id)).toBe(0);
    expect((await events('signing.batch.use')).slice(before)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'FORBIDDEN' }) }),
    ]);
    // the same authorization still signs for its own credential
    const ok = await batch([await originalPdf(1, 'QUYET DINH 2')], { authorizationId: id, credentialId: s.certifierCredential });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(await used(id)).toBe(1);
  });

  it('fail/a certificate sent as BER (outer length in the long form) or with bytes after it → 422 SIGNER_CERT_INVALID; that and a non-PDF are audited', async () => {
    const leaf = Buffer.from(chain[0]!, 'base64');
    expect(leaf.subarray(0, 2).toString('hex')).toBe('3082');
    const ber = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), leaf.subarray(2)]);
    const trailing = Buffer.concat([leaf, Buffer.from([0x00, 0x00])]);
    // both are read as the very certificate by a lenient reader (OpenSSL)
    for (const x of [ber, trailing]) expect(new X509Certificate(x).raw.equals(leaf)).toBe(true);
    const pdf = await originalPdf(1, 'QUYET DINH 3');
    expect((await prepare([pdf])).status).toBe(200);
    const notPdf = (await events('signing.prepare')).length;
    const refused = await prepare([Buffer.from('not a PDF at all')]);
    expect(refused.status, JSON.stringify(refused.json)).toBe(415);
    expect((await events('signing.prepare')).slice(notPdf)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: refused.json.code }) }),
    ]);
    for (const x of [ber, trailing]) {
      const before = (await events('signing.prepare')).length;
      const r = await prepare([pdf], [x.toString('base64'), ...chain.slice(1)]);
      expect(r.status, JSON.stringify(r.json)).toBe(422);
      expect(r.json.code).toBe('SIGNER_CERT_INVALID');
      expect((await events('signing.prepare')).slice(before)).toEqual([
        expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'SIGNER_CERT_INVALID' }) }),
      ]);
    }
  });

  it('fail/once the certificate is suspended: the batch, a new authorization and a prepare (in any encoding) are refused; no unit, no PIN attempt taken', async () => {
    const a = await authorize(s.certifierCredential, 5);
    expect(a.status, JSON.stringify(a.json)).toBe(201);
    const id = a.json.authorizationId as string;
    const suspended = await call('POST', `/api/v1/certificates/${s.certifierCertificateId}/suspend`, { token: h.adminToken, json: {} });
    expect(suspended.status, JSON.stringify(suspended.json)).toBe(200);
    try {
      const pdf = await originalPdf(1, 'QUYET DINH 4');
      const r = await batch([pdf, pdf], { authorizationId: id });
      expect(r.status, JSON.stringify(r.json)).toBe(422);
      expect(r.json.code).toBe('SIGNER_REVOKED');
      expect(await used(id)).toBe(0);

      const attempts = (await h.ctx.store.credentials.get(s.certifierCredential))!.failedAttempts;
      const authorizeEvents = (await events('signing.batch.authorize')).length;
      const again = await call('POST', `/api/v1/credentials/${s.certifierCredential}/authorizations`, {
        token: s.signerToken,
        json: { pin: '000000', documents: 2, ttlSeconds: 600 },
      });
      expect(again.status, JSON.stringify(again.json)).toBe(422);
      expect(again.json.code).toBe('SIGNER_REVOKED');
      expect((await h.ctx.store.credentials.get(s.certifierCredential))!.failedAttempts).toBe(attempts);
      expect((await events('signing.batch.authorize')).slice(authorizeEvents)).toEqual([
        expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'SIGNER_REVOKED' }) }),
      ]);

      const prepareEvents = (await events('signing.prepare')).length;
      const p = await prepare([pdf]);
      expect(p.status, JSON.stringify(p.json)).toBe(422);
      expect(p.json.code).toBe('SIGNER_REVOKED');
      // the suspended certificate with its outer length in the long form is not another CA's certificate
      const leaf = Buffer.from(chain[0]!, 'base64');
      const ber = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), leaf.subarray(2)]).toString('base64');
      const pb = await prepare([pdf], [ber, ...chain.slice(1)]);
      expect(pb.status, JSON.stringify(pb.json)).toBe(422);
      expect(pb.json.code).toBe('SIGNER_CERT_INVALID');
      expect((await events('signing.prepare')).slice(prepareEvents)).toEqual([
        expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'SIGNER_REVOKED' }) }),
        expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'SIGNER_CERT_INVALID' }) }),
      ]);
    } finally {
      const released = await call('POST', `/api/v1/certificates/${s.certifierCertificateId}/release`, { token: h.adminToken, json: {} });
      expect(released.status, JSON.stringify(released.json)).toBe(200);
    }
    // released: the authorization signs again, its five units intact
    const ok = await batch([await originalPdf(1, 'QUYET DINH 5')], { authorizationId: id });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(await used(id)).toBe(1);
  });
});

describe('prepared documents awaiting their signature', () => {
  it(`fail/an official's sessions awaiting completion are capped at ${MAX_OPEN_SESSIONS}: the prepare beyond → 429 RATE_LIMITED, nothing stored`, async () => {
    const pdfs = await Promise.all(Array.from({ length: 50 }, (_, i) => originalPdf(1, `KET QUA ${i}`)));
    const open = async () => h.ctx.store.signSessions.countOpen('off_nguyen_thi_hang', new Date());
    const start = await open();
    while ((await open()) + 50 <= MAX_OPEN_SESSIONS) {
      const r = await prepare(pdfs);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    const full = await open();
    expect(full).toBeGreaterThan(start);
    const refused = await prepare(pdfs);
    expect(refused.status, JSON.stringify(refused.json)).toBe(429);
    expect(refused.json).toMatchObject({ code: 'RATE_LIMITED', details: { open: full, limit: MAX_OPEN_SESSIONS } });
    expect(await open()).toBe(full);
  });

  it('ok/expired sessions are deleted at start and every few minutes (their prepared copies with them)', async () => {
    const { wireServices } = await import('../../../src/app/services.js');
    const now = Date.now();
    const session = (id: string, expiresAt: number) => ({
      id,
      ownerId: 'off_nguyen_thi_hang',
      preparedPdf: Buffer.from('%PDF-1.7 prepared'),
      byteRange: [0, 1, 2, 3] as const,
      signedAttributes: Buffer.from([0x31, 0x00]),
      digestAlgorithm: 'sha256' as const,
      algorithm: 'RSA-PKCS1-SHA256' as const,
      certificates: [Buffer.from(chain[0]!, 'base64')],
      level: 'B-B' as const,
      createdAt: new Date(now - 3_600_000),
      expiresAt: new Date(expiresAt),
      usedAt: null,
    });
    await h.ctx.store.signSessions.createMany([session('ss_gone_1', now - 60_000), session('ss_kept_1', now + 600_000)]);
    const restarted = await wireServices(h.ctx, { schedule: true });
    try {
      await expect.poll(async () => h.ctx.store.signSessions.get('ss_gone_1'), { timeout: 5000 }).toBeUndefined();
      expect(await h.ctx.store.signSessions.get('ss_kept_1')).toBeDefined();
    } finally {
      for (const t of restarted.timers) clearInterval(t);
    }
  });
});
