import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import {
  AUTHORITY,
  CERTIFIER_ID,
  SEAL_OWNER,
  SEAL_PIN,
  ORGANIZATION_ID,
  bindCredential,
  caller,
  newToken,
  originalPdf,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
} from '../copies/setup.js';
import { startHarness, type Harness } from './harness.js';

/**
 * A certificate of the service's CA is signed with only by its holder: the official it was
 * issued to, or for an organization's seal the custodian recorded on its authority. Another
 * official of the same organization who brings the key (the holder's USB token through the
 * two-phase routes, or their PKCS#12 file) is refused with FORBIDDEN_SCOPE; nothing is prepared
 * or signed, and the refusal is on the record. The holder signs as before.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;
let certifierChain: string[];
let sealChain: string[];
let certifierP12: Buffer;

const chainOf = async (certificateId: string) => {
  const leaf = (await h.ctx.store.certificates.findById(certificateId))!.der!;
  const cas = await h.ctx.store.cas.list();
  return [
    leaf,
    ...cas.filter((c) => c.kind !== 'root').map((c) => c.certificateDer),
    ...cas.filter((c) => c.kind === 'root').map((c) => c.certificateDer),
  ].map((d) => d.toString('base64'));
};

beforeAll(async () => {
  h = await startHarness();
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken, { type: 'rsa', bits: 2048 });
  certifierChain = await chainOf(s.certifierCertificateId);
  sealChain = await chainOf(s.sealCertificateId);
  // A second certificate of the certifier, handed out as a PKCS#12 file (the key is not kept here).
  const issued = await createPki(h.ctx).issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subscriberId: CERTIFIER_ID,
      subject: { commonName: 'Nguyễn Thị Hằng', organization: 'UBND xã Hạ Long', uids: ['CCCD:022198001111'] },
      key: { pkcs12Password: 'p12-pass', generate: { type: 'rsa', bits: 2048 } },
    },
  );
  certifierP12 = issued.pkcs12!;
}, 180_000);
afterAll(async () => {
  await h?.close();
});

async function prepare(token: string, pdfs: Buffer[], certificates: string[]) {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ certificates }));
  for (const [i, p] of pdfs.entries()) fd.append('pdf', new Blob([p], { type: 'application/pdf' }), `d${i}.pdf`);
  return call('POST', pdfs.length === 1 ? '/api/v1/sign/prepare' : '/api/v1/sign/prepare/batch', { token, body: fd });
}

async function signWithP12(token: string, pdfs: Buffer[]) {
  const fd = new FormData();
  for (const [i, p] of pdfs.entries()) fd.append('pdf', new Blob([p], { type: 'application/pdf' }), `d${i}.pdf`);
  fd.append('p12', new Blob([certifierP12], { type: 'application/x-pkcs12' }), 'hang.p12');
  fd.append('options', JSON.stringify({ signer: { kind: 'pkcs12', password: 'p12-pass' } }));
  return call('POST', pdfs.length === 1 ? '/api/v1/sign' : '/api/v1/sign/batch', { token, body: fd });
}

const events = (action: string) => h.ctx.audit.list({ action, limit: 10_000 });
const openSessions = (ownerId: string) => h.ctx.store.signSessions.countOpen(ownerId, new Date());

describe('a certificate of our CA signs only for its holder', () => {
  it('fail/another official of the organization prepares with the certifier’s certificate (one and a batch) → 403 FORBIDDEN_SCOPE, no session, audited; the certifier prepares', async () => {
    const pdf = await originalPdf(1, 'QUYET DINH 1');
    const before = (await events('signing.prepare')).length;
    const beforeBatch = (await events('signing.prepare.batch')).length;
    const one = await prepare(s.custodianToken, [pdf], certifierChain);
    expect(one.status, JSON.stringify(one.json)).toBe(403);
    expect(one.json).toMatchObject({ code: 'FORBIDDEN_SCOPE', details: { reason: 'not-certificate-holder' } });
    const many = await prepare(s.custodianToken, [pdf, pdf], certifierChain);
    expect(many.status, JSON.stringify(many.json)).toBe(403);
    expect(many.json.code).toBe('FORBIDDEN_SCOPE');
    expect(await openSessions('off_van_thu_ha_long')).toBe(0);
    // the record says why and which certificate was tried
    const tried = { reason: 'not-certificate-holder', certificate: { serial: expect.any(String), subject: 'Nguyễn Thị Hằng' } };
    const refusal = expect.objectContaining({
      outcome: 'failure',
      details: expect.objectContaining({ error: 'FORBIDDEN_SCOPE', ...tried }),
    });
    expect((await events('signing.prepare')).slice(before)).toEqual([refusal]);
    expect((await events('signing.prepare.batch')).slice(beforeBatch)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        details: expect.objectContaining({ signed: 0, failed: [0, 1].map((index) => ({ index, code: 'FORBIDDEN_SCOPE' })), ...tried }),
      }),
    ]);

    const own = await prepare(s.signerToken, [pdf], certifierChain);
    expect(own.status, JSON.stringify(own.json)).toBe(200);
    expect(typeof own.json.sessionId).toBe('string');
  });

  it('fail/the organization’s seal: the certifier (not its custodian) is refused; the custodian recorded on the authority prepares', async () => {
    const pdf = await originalPdf(1, 'QUYET DINH 2');
    const r = await prepare(s.signerToken, [pdf], sealChain);
    expect(r.status, JSON.stringify(r.json)).toBe(403);
    expect(r.json.code).toBe('FORBIDDEN_SCOPE');
    const custodian = await prepare(s.custodianToken, [pdf], sealChain);
    expect(custodian.status, JSON.stringify(custodian.json)).toBe(200);
  });

  it('fail/another official signs with the certifier’s PKCS#12 file (one and a batch) → 403 FORBIDDEN_SCOPE, nothing signed, audited; the certifier signs', async () => {
    const pdf = await originalPdf(1, 'QUYET DINH 3');
    const signs = (await events('signing.sign')).length;
    const batches = (await events('signing.batch')).length;
    const one = await signWithP12(s.custodianToken, [pdf]);
    expect(one.status, JSON.stringify(one.json)).toBe(403);
    expect(one.json.code).toBe('FORBIDDEN_SCOPE');
    const many = await signWithP12(s.custodianToken, [pdf, pdf]);
    expect(many.status, JSON.stringify(many.json)).toBe(403);
    expect(many.json.code).toBe('FORBIDDEN_SCOPE');
    const tried = { reason: 'not-certificate-holder', certificate: { serial: expect.any(String), subject: 'Nguyễn Thị Hằng' } };
    expect((await events('signing.sign')).slice(signs)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'FORBIDDEN_SCOPE', ...tried }) }),
    ]);
    expect((await events('signing.batch')).slice(batches)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ error: 'FORBIDDEN_SCOPE', signed: 0, ...tried }) }),
    ]);

    const own = await signWithP12(s.signerToken, [pdf]);
    expect(own.status, JSON.stringify(own.json)).toBe(200);
    expect(own.headers.get('content-type')).toMatch(/application\/pdf/);
  });
});

describe('a server-held credential signs only while its owner holds its certificate', () => {
  const signWithSeal = (signer: Record<string, unknown>, pdf: Buffer) => {
    const fd = new FormData();
    fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'd.pdf');
    fd.append('options', JSON.stringify({ signer: { kind: 'credential', credentialId: s.sealCredential, ...signer } }));
    return call('POST', '/api/v1/sign', { token: s.custodianToken, body: fd });
  };
  const setCustodian = async (sealCustodianId: string) => {
    const r = await call('PATCH', `/api/v1/authorities/${AUTHORITY}`, { token: h.adminToken, json: { sealCustodianId } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  };
  const failedAttempts = async () => (await h.ctx.store.credentials.get(s.sealCredential))!.failedAttempts;

  it('fail/the authority names another seal custodian → the former one’s seal credential refuses (PIN, authorization, new authorization) with 403 FORBIDDEN_SCOPE, no PIN counted, audited; named again, it signs', async () => {
    const pdf = await originalPdf(1, 'QUYET DINH 4');
    expect((await signWithSeal({ pin: SEAL_PIN }, pdf)).status).toBe(200);
    const a = await call('POST', `/api/v1/credentials/${s.sealCredential}/authorizations`, {
      token: s.custodianToken,
      json: { pin: SEAL_PIN, documents: 5 },
    });
    expect(a.status, JSON.stringify(a.json)).toBe(201);
    const uses = (await events('signing.credential.use')).length;

    const mine = async () =>
      ((await call('GET', '/api/v1/credentials/mine', { token: s.custodianToken })).json.credentials as { id: string }[]).map((c) => c.id);
    expect(await mine()).toContain(s.sealCredential);
    await setCustodian('off_van_thu_moi');
    // no longer offered to them (the workstation lists only what its official can sign with)
    expect(await mine()).not.toContain(s.sealCredential);
    const attempts = await failedAttempts();
    const refused = [
      await signWithSeal({ pin: SEAL_PIN }, pdf),
      await signWithSeal({ pin: 'wrong-pin-000' }, pdf),
      await signWithSeal({ authorizationId: a.json.authorizationId }, pdf),
      await call('POST', `/api/v1/credentials/${s.sealCredential}/authorizations`, {
        token: s.custodianToken,
        json: { pin: SEAL_PIN, documents: 5 },
      }),
    ];
    for (const r of refused) {
      expect(r.status, JSON.stringify(r.json)).toBe(403);
      expect(r.json).toMatchObject({ code: 'FORBIDDEN_SCOPE', details: { reason: 'not-certificate-holder' } });
    }
    // a wrong PIN was not even tried: the credential is not theirs to guess at any more
    expect(await failedAttempts()).toBe(attempts);
    expect((await h.ctx.store.signingAuthorizations.get(a.json.authorizationId as string))!.usedDocuments).toBe(0);
    const refusals = (await events('signing.credential.use')).slice(uses);
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const e of refusals)
      expect(e).toMatchObject({
        actor: expect.stringContaining(SEAL_OWNER),
        outcome: 'failure',
        details: expect.objectContaining({ error: 'FORBIDDEN_SCOPE', reason: 'not-certificate-holder', certificate: expect.any(Object) }),
      });

    await setCustodian(SEAL_OWNER);
    const again = await signWithSeal({ pin: SEAL_PIN }, pdf);
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    // what they opened before they were replaced ended with the replacement: it does not come back
    const revived = await signWithSeal({ authorizationId: a.json.authorizationId }, pdf);
    expect(revived.status, JSON.stringify(revived.json)).toBe(403);
    expect(revived.json.code).toBe('FORBIDDEN');
  });

  it('ok/the new seal custodian gets the same seal credential through dual control (its id, key and stamps stay); the PIN is theirs alone, the former custodian is out', async () => {
    const pdf = await originalPdf(1, 'QUYET DINH 5');
    const request = (ownerId: string) =>
      call('POST', '/api/v1/credentials', { token: h.adminToken, json: { certificateId: s.sealCertificateId, ownerId } });
    // a PIN reset the custodian asked for while they kept the seal
    const reset = await call('POST', `/api/v1/credentials/${s.sealCredential}/pin-reset`, { token: s.custodianToken });
    expect(reset.status, JSON.stringify(reset.json)).toBe(202);
    await setCustodian('off_van_thu_moi');
    // replaced, they ask for nothing more on it
    const late = await call('POST', `/api/v1/credentials/${s.sealCredential}/pin-reset`, { token: s.custodianToken });
    expect(late.status, JSON.stringify(late.json)).toBe(403);
    expect(late.json.code).toBe('CREDENTIAL_HOLDER_INVALID');
    const before = await call('POST', `/api/v1/credentials/${s.sealCredential}/authorizations`, {
      token: s.custodianToken,
      json: { pin: SEAL_PIN, documents: 2 },
    });
    expect(before.status).toBe(403);
    const newCustodian = await newToken(call, h.adminToken, 'signer', { organizationId: ORGANIZATION_ID, officialId: 'off_van_thu_moi' });
    const transfers = (await events('signing.credential.transfer')).length;
    const id = await bindCredential(call, {
      requester: h.adminToken,
      approver: s.raOfficerToken,
      holder: newCustodian,
      certificateId: s.sealCertificateId,
      ownerId: 'off_van_thu_moi',
      pin: '975310',
    });
    expect(id).toBe(s.sealCredential);
    expect((await events('signing.credential.transfer')).slice(transfers)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        target: s.sealCredential,
        details: expect.objectContaining({ from: SEAL_OWNER, to: 'off_van_thu_moi' }),
      }),
    ]);
    const fd = new FormData();
    fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'd.pdf');
    fd.append('options', JSON.stringify({ signer: { kind: 'credential', credentialId: s.sealCredential, pin: '975310' } }));
    const signed = await call('POST', '/api/v1/sign', { token: newCustodian, body: fd });
    expect(signed.status, JSON.stringify(signed.json)).toBe(200);
    // the reset asked for the former custodian went with the transfer: approving it now clears no PIN
    const stale = await call('POST', `/api/v1/credential-requests/${reset.json.id}/approve`, { token: s.raOfficerToken });
    expect(stale.status, JSON.stringify(stale.json)).toBe(409);
    expect(stale.json.code).toBe('REQUEST_STATE_INVALID');
    const still = new FormData();
    still.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'd.pdf');
    still.append('options', JSON.stringify({ signer: { kind: 'credential', credentialId: s.sealCredential, pin: '975310' } }));
    expect((await call('POST', '/api/v1/sign', { token: newCustodian, body: still })).status).toBe(200);
    // the former custodian no longer owns it, whatever PIN they type (theirs was cleared)
    expect((await signWithSeal({ pin: SEAL_PIN }, pdf)).status).toBe(403);
    // a binding for the holder of the moment is refused: one key, one credential
    const again = await request('off_van_thu_moi');
    expect(again.status, JSON.stringify(again.json)).toBe(409);
    expect(again.json.code).toBe('CREDENTIAL_KEY_BOUND');
  });

  it('fail/a PIN reset decided after the credential changed hands by any path → 409 REQUEST_STATE_INVALID, the PIN stays', async () => {
    const holder = await newToken(call, h.adminToken, 'signer', { organizationId: ORGANIZATION_ID, officialId: 'off_van_thu_moi' });
    const reset = await call('POST', `/api/v1/credentials/${s.sealCredential}/pin-reset`, { token: holder });
    expect(reset.status, JSON.stringify(reset.json)).toBe(202);
    // the owner changes underneath the pending request (as a transfer whose clean-up was interrupted would leave it)
    const row = (await h.ctx.store.credentials.get(s.sealCredential))!;
    expect(
      await h.ctx.store.credentials.transfer(row.id, row.ownerId, SEAL_OWNER, 'c'.repeat(64), new Date(Date.now() + 60_000), new Date()),
    ).toBe(true);
    await h.ctx.store.credentials.replacePinVerifier(row.id, '', row.pinHash, new Date());
    const approved = await call('POST', `/api/v1/credential-requests/${reset.json.id}/approve`, { token: s.raOfficerToken });
    expect(approved.status, JSON.stringify(approved.json)).toBe(409);
    expect(approved.json).toMatchObject({ code: 'REQUEST_STATE_INVALID', details: { reason: 'owner-changed' } });
    expect((await h.ctx.store.credentials.get(s.sealCredential))!.pinHash).toBe(row.pinHash);
  });
});
