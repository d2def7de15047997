import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import { startHarness, type Harness } from '../http/harness.js';
import {
  ORGANIZATION_ID,
  PIN,
  SEAL_OWNER,
  SEAL_PIN,
  caller,
  freePort,
  newToken,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
} from '../copies/setup.js';

/**
 * Only the right person signs as the seal. An RA officer once bound an authority's seal key to an
 * owner of their choosing with a PIN of their choosing, so one key had two PINs and a signer
 * token signed as "UBND xã B". Now a key has at most one credential, bound only to its own
 * subject, on a second person's approval, and only the holder sets the PIN.
 */
const PDF = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'quyet-dinh.pdf'));
const ATTACKER = 'off_ke_gian';

let h: Harness;
let call: Caller;
let s: CopySetup;
let officerToken: string;
let attackerSigner: string;

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}` });
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
  officerToken = await newToken(call, h.adminToken, 'ra-officer');
  attackerSigner = await newToken(call, h.adminToken, 'signer', ATTACKER);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

function sign(token: string, credentialId: string, pin: string) {
  const form = new FormData();
  form.set('pdf', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'quyet-dinh.pdf');
  form.set('options', JSON.stringify({ level: 'B-B', signer: { kind: 'credential', credentialId, pin } }));
  return call('POST', '/api/v1/sign', { token, body: form });
}

function expectProblem(r: Awaited<ReturnType<Caller>>, status: number, code: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.json.code).toBe(code);
}

describe('binding server-held keys to their holders', () => {
  it('fail/an RA officer binds the seal key to an owner and PIN of their choosing → refused; the attacker cannot sign as the seal', async () => {
    // The old request, PIN included: no route takes a PIN from anyone but the holder.
    expectProblem(
      await call('POST', '/api/v1/credentials', {
        token: officerToken,
        json: { certificateId: s.sealCertificateId, ownerId: ATTACKER, pin: '999999' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    // Without the PIN, to another owner: the seal key belongs to the authority's seal custodian.
    expectProblem(
      await call('POST', '/api/v1/credentials', { token: officerToken, json: { certificateId: s.sealCertificateId, ownerId: ATTACKER } }),
      403,
      'CREDENTIAL_HOLDER_INVALID',
    );
    // An official's key is bound only to that official.
    expectProblem(
      await call('POST', '/api/v1/credentials', {
        token: officerToken,
        json: { certificateId: s.certifierCertificateId, ownerId: ATTACKER },
      }),
      403,
      'CREDENTIAL_HOLDER_INVALID',
    );
    // To the right holder, but the key already has its credential: one key, one PIN.
    expectProblem(
      await call('POST', '/api/v1/credentials', { token: officerToken, json: { certificateId: s.sealCertificateId, ownerId: SEAL_OWNER } }),
      409,
      'CREDENTIAL_KEY_BOUND',
    );
    expectProblem(await sign(attackerSigner, s.sealCredential, SEAL_PIN), 403, 'FORBIDDEN');
    const rows = await h.ctx.store.credentials.listByOwner(ATTACKER);
    expect(rows).toEqual([]);
    const audit = await h.ctx.store.audit.list({ limit: 1000 });
    expect(
      audit
        .filter((e) => e.action === 'signing.credential.request' && e.outcome === 'failure')
        .map((e) => (e.details as { error: string }).error),
    ).toEqual(expect.arrayContaining(['CREDENTIAL_HOLDER_INVALID', 'CREDENTIAL_KEY_BOUND']));
  });

  it('fail/the requester never approves (admins included); a second person does, once; the holder alone activates', async () => {
    const pki = createPki(h.ctx);
    await h.ctx.store.subscribers.insert({
      id: 'off_tran_van_binh',
      kind: 'individual',
      managingOrganizationId: ORGANIZATION_ID,
      name: 'Trần Văn Bình',
      subject: { commonName: 'Trần Văn Bình', uids: ['CCCD:022198005555'] },
      identifiers: ['CCCD:022198005555'],
      email: null,
      position: null,
      status: 'active',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const issued = await pki.issuance.issue(
      { id: 'test-admin', role: 'admin' },
      {
        profile: 'individual',
        subscriberId: 'off_tran_van_binh',
        subject: { commonName: 'Trần Văn Bình', uids: ['CCCD:022198005555'] },
        key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
      },
    );
    const holder = await newToken(call, h.adminToken, 'signer', 'off_tran_van_binh');
    const req = await call('POST', '/api/v1/credentials', {
      token: h.adminToken,
      json: { certificateId: issued.certificate.id, ownerId: 'off_tran_van_binh' },
    });
    expect(req.status, JSON.stringify(req.json)).toBe(202);
    expect(req.json.state).toBe('pending');
    // A second pending request for the same certificate is a conflict, not a second binding.
    expectProblem(
      await call('POST', '/api/v1/credentials', {
        token: officerToken,
        json: { certificateId: issued.certificate.id, ownerId: 'off_tran_van_binh' },
      }),
      409,
      'CONFLICT',
    );
    expectProblem(
      await call('POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: h.adminToken }),
      403,
      'APPROVER_NOT_ALLOWED',
    );
    expectProblem(await call('POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: holder }), 403, 'FORBIDDEN');
    // Two officers approve at once: one wins.
    const [a, b] = await Promise.all([
      call('POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: officerToken }),
      call('POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: s.raOfficerToken }),
    ]);
    const ok = [a, b].find((r) => r.status === 200)!;
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const { credentialId, activationCode } = ok.json as { credentialId: string; activationCode: string };
    expect(activationCode).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // Not usable before the holder sets the PIN; nobody else can set it; a wrong code is refused.
    expectProblem(await sign(holder, credentialId, '000000'), 409, 'CREDENTIAL_NOT_ACTIVATED');
    expectProblem(
      await call('POST', `/api/v1/credentials/${credentialId}/activate`, {
        token: attackerSigner,
        json: { activationCode, pin: '999999' },
      }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await call('POST', `/api/v1/credentials/${credentialId}/activate`, {
        token: holder,
        json: { activationCode: 'x'.repeat(22), pin: '975310' },
      }),
      403,
      'ACTIVATION_CODE_INVALID',
    );
    const act = await call('POST', `/api/v1/credentials/${credentialId}/activate`, {
      token: holder,
      json: { activationCode, pin: '975310' },
    });
    expect(act.status, JSON.stringify(act.json)).toBe(200);
    expect(act.json).toMatchObject({ id: credentialId, ownerId: 'off_tran_van_binh', activated: true, locked: false });
    expectProblem(
      await call('POST', `/api/v1/credentials/${credentialId}/activate`, { token: holder, json: { activationCode, pin: '111111' } }),
      403,
      'ACTIVATION_CODE_INVALID',
    );
    expect((await sign(holder, credentialId, '975310')).status).toBe(200);

    // PIN reset: the holder asks, the requester cannot approve, an officer does; the old PIN is gone.
    const reset = await call('POST', `/api/v1/credentials/${credentialId}/pin-reset`, { token: holder });
    expect(reset.status, JSON.stringify(reset.json)).toBe(202);
    expectProblem(await call('POST', `/api/v1/credentials/${s.sealCredential}/pin-reset`, { token: attackerSigner }), 403, 'FORBIDDEN');
    const approved = await call('POST', `/api/v1/credential-requests/${reset.json.id}/approve`, { token: officerToken });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expectProblem(await sign(holder, credentialId, '975310'), 409, 'CREDENTIAL_NOT_ACTIVATED');
    const again = await call('POST', `/api/v1/credentials/${credentialId}/activate`, {
      token: holder,
      json: { activationCode: approved.json.activationCode, pin: '864200' },
    });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expectProblem(await sign(holder, credentialId, '975310'), 403, 'PIN_INVALID');
    expect((await sign(holder, credentialId, '864200')).status).toBe(200);

    const list = await call('GET', '/api/v1/credential-requests?state=approved', { token: s.auditorToken });
    expect(list.status).toBe(200);
    expect(list.json.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([req.json.id, reset.json.id]));

    // Every step audited; never a PIN or an activation code.
    const audit = await h.ctx.store.audit.list({ limit: 2000 });
    const actions = audit.map((e) => `${e.action}:${e.outcome}`);
    for (const x of [
      'signing.credential.request:success',
      'signing.credential.approve:success',
      'signing.credential.approve:failure',
      'signing.credential.activate:success',
      'signing.credential.activate:failure',
      'signing.credential.pin-reset.request:success',
      'signing.credential.pin-reset:success',
    ])
      expect(actions).toContain(x);
    const dump = JSON.stringify(audit);
    for (const secret of [activationCode, approved.json.activationCode, '975310', '864200', PIN, SEAL_PIN])
      expect(dump).not.toContain(secret);
  }, 120_000);
});
