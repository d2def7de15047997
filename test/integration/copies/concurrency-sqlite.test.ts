import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { createSigning } from '../../../src/app/signing.js';
import { CopyService } from '../../../src/copies/copy-service.js';
import type { CopySignatureRequest, CopySigner } from '../../../src/copies/copy-signer.js';
import { copySignerFromSigning } from '../../../src/signing/index.js';
import { loadCopyFonts } from '../../../src/app/certified-copies.js';
import {
  AUTHORITY,
  CERTIFIER_ID,
  PIN,
  SEAL_OWNER,
  ORGANIZATION_ID,
  SEAL_PIN,
  caller,
  certifyForm,
  originalPdf,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
  SEAL_IMAGE,
  SIGNATURE_IMAGE,
} from './setup.js';

/**
 * 200 concurrent certifications against one register on SQLite (one process, over HTTP): the
 * numbers are exactly 1..200. Then a failure injected after allocation (the signer dies) leaves
 * a `failed` entry holding its number, and the next certification takes the next number.
 * B-B and P-256 keys keep the run short; batch authorizations avoid 400 PIN hashes.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;

beforeAll(async () => {
  h = await startHarness();
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('register numbering under concurrency (SQLite)', () => {
  it('ok/200 concurrent certifications → numbers 1..200 exactly once, all valid', async () => {
    const signing = createSigning(h.ctx, {
      repos: {
        sessions: h.ctx.store.signSessions,
        credentials: h.ctx.store.credentials,
        authorizations: h.ctx.store.signingAuthorizations,
      },
    });
    const certAuth = await signing.credentials.authorizeBatch(s.certifierCredential, CERTIFIER_ID, PIN, 200);
    const sealAuth = await signing.credentials.authorizeBatch(s.sealCredential, SEAL_OWNER, SEAL_PIN, 200);
    const original = await originalPdf(1);
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        call('POST', '/api/v1/copies', {
          token: s.certifierToken,
          body: certifyForm(s, { original }, { level: 'B-B', authorizationId: certAuth.id, sealAuthorizationId: sealAuth.id }),
        }),
      ),
    );
    for (const r of results) expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
    const numbers = results.map((r) => Number(r.headers.get('x-kyso-copy-number'))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const list = await call('GET', `/api/v1/copies?authority=${AUTHORITY}&limit=1000`, { token: s.auditorToken });
    expect(list.json.items).toHaveLength(200);
    expect(new Set(list.json.items.map((e: any) => e.number)).size).toBe(200);
    expect(list.json.items.every((e: any) => e.status === 'valid')).toBe(true);
    expect(new Set(list.json.items.map((e: any) => e.lookupCode)).size).toBe(200);
  }, 180_000);

  it('fail/injected failure after allocation → a failed entry keeps its number; no gap, no duplicate', async () => {
    const signing = createSigning(h.ctx, {
      repos: {
        sessions: h.ctx.store.signSessions,
        credentials: h.ctx.store.credentials,
        authorizations: h.ctx.store.signingAuthorizations,
      },
    });
    const real = copySignerFromSigning(signing.sign, signing.credentials);
    // The certifier's signature succeeds, then the process "dies" before the seal is applied
    // (whether the seal signs with its PIN, an authorization or what the PIN unlocked in preflight).
    const crashOnSeal =
      (sign: (r: CopySignatureRequest) => Promise<Buffer>) =>
      (r: CopySignatureRequest): Promise<Buffer> =>
        r.appearance === 'organization' ? Promise.reject(new Error('simulated crash')) : sign(r);
    const dying: CopySigner = {
      assertLevelAvailable: real.assertLevelAvailable,
      preflight: async (id, actor, pin) => {
        const ready = await real.preflight(id, actor, pin);
        return ready.signOnce ? { ...ready, signOnce: crashOnSeal(ready.signOnce) } : ready;
      },
      sign: crashOnSeal(real.sign),
    };
    const svc = new CopyService({
      registers: h.ctx.store.registers,
      authorities: h.ctx.store.authorities,
      audit: h.ctx.audit,
      clock: h.ctx.clock,
      fonts: loadCopyFonts(),
      signer: dying,
      publicUrl: h.url,
      level: 'B-B',
      documents: h.ctx.store.copyDocuments,
    });
    const req = {
      authorityId: AUTHORITY,
      original: { pdf: await originalPdf(1) },
      requesterName: 'Lê Thị Mai',
      requesterIdDocument: 'CCCD 022190000001',
      documentType: 'Bằng tốt nghiệp',
      documentTitle: 'Bằng tốt nghiệp THPT',
      documentIssuer: 'Sở GD&ĐT Quảng Ninh',
      copies: 1,
      certifier: { credentialId: s.certifierCredential, pin: PIN, title: 'Công chức', signatureImage: SIGNATURE_IMAGE },
      seal: { credentialId: s.sealCredential, pin: SEAL_PIN, image: SEAL_IMAGE },
    };
    await expect(
      svc.certify(
        { id: CERTIFIER_ID, role: 'certifier', organizationId: ORGANIZATION_ID, officialId: CERTIFIER_ID, authorityId: AUTHORITY },
        req,
      ),
    ).rejects.toThrow('simulated crash');
    const list = (await call('GET', `/api/v1/copies?authority=${AUTHORITY}&limit=1000`, { token: s.auditorToken })).json.items as any[];
    const failed = list.filter((e) => e.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ number: 201, statusReason: 'certification failed: INTERNAL' });
    // The public sees it as annulled (never a silent gap).
    const l = await call('GET', `/api/v1/copies/lookup?code=${failed[0].lookupCode}`);
    expect(l.json).toMatchObject({ number: 201, status: 'annulled' });
    // The next certification continues at 202.
    const r = await call('POST', '/api/v1/copies', {
      token: s.certifierToken,
      body: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }),
    });
    expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
    expect(r.headers.get('x-kyso-copy-number')).toBe('202');
  });
});
