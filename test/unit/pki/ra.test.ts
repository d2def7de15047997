import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Principal as Actor } from '../../../src/core/principal.js';
import { ADMIN, makeCsr, makePki } from './support/pki-fixture.js';
import { errorCode } from '../../fixtures/error-code.js';

/** The RA officer of the province (the department's managing organization); set by setup(). */
let OFFICER: Actor;

async function setup() {
  const pki = await makePki();
  const province = await pki.ra.registerOrganization(ADMIN, { subject: { commonName: 'UBND tỉnh Quảng Ninh', uids: ['MNS:1000001'] } });
  OFFICER = { id: 'u-officer', role: 'ra-officer', organizationId: province.id };
  const dept = await pki.ra.registerOrganization(OFFICER, {
    subject: { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', organization: 'UBND tỉnh Quảng Ninh', uids: ['MST:5700100256', 'MNS:1000123'] },
    managingOrganizationId: province.id,
  });
  OFFICER = { id: 'u-officer', role: 'ra-officer', organizationId: dept.id };
  const official = await pki.ra.registerOfficial(OFFICER, {
    managingOrganizationId: dept.id,
    position: 'Phó Giám đốc',
    subject: {
      commonName: 'Lê Văn Cường',
      organization: 'UBND tỉnh Quảng Ninh',
      organizationalUnits: ['Sở Tư pháp'],
      email: 'cuong.lv@quangninh.gov.vn',
      uids: ['CCCD:022090001234'],
    },
  });
  const approver: Actor = { id: 'u-head', role: 'ra-officer', organizationId: dept.id };
  return { pki, province, dept, official, approver };
}

describe('RA: subscribers', () => {
  it('ok/organizations need MST/MNS, officials need CCCD/CMND and a managing organization', async () => {
    const { pki, dept, official } = await setup();
    expect(official.managingOrganizationId).toBe(dept.id);
    expect(official.position).toBe('Phó Giám đốc');
    expect(official.identifiers).toEqual(['CCCD:022090001234']);
    expect(await errorCode(pki.ra.registerOrganization(ADMIN, { subject: { commonName: 'No code' } }))).toBe('SUBJECT_INVALID');
    expect(await errorCode(pki.ra.registerOrganization(ADMIN, { subject: { commonName: 'Bad code', uids: ['MST:12'] } }))).toBe(
      'UID_INVALID',
    );
    expect(await errorCode(pki.ra.registerOfficial(ADMIN, { subject: { commonName: 'X', uids: ['CCCD:022090001234'] } }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await errorCode(
        pki.ra.registerOfficial(ADMIN, { managingOrganizationId: 'sub_nope', subject: { commonName: 'X', uids: ['CCCD:022090001234'] } }),
      ),
    ).toBe('SUBSCRIBER_NOT_FOUND');
    expect(
      await errorCode(
        pki.ra.registerOfficial(ADMIN, { managingOrganizationId: official.id, subject: { commonName: 'X', uids: ['CCCD:022090001234'] } }),
      ),
    ).toBe('SUBSCRIBER_NOT_FOUND');
    expect(
      await errorCode(
        pki.ra.registerOfficial(ADMIN, { managingOrganizationId: dept.id, subject: { commonName: 'X', uids: ['MST:5700100256'] } }),
      ),
    ).toBe('SUBJECT_INVALID');
    expect(
      await errorCode(pki.ra.registerOrganization({ id: 'x', role: 'signer' }, { subject: { commonName: 'Y', uids: ['MNS:1234567'] } })),
    ).toBe('FORBIDDEN');
    expect((await pki.store.subscribers.findByIdentifier('MST:5700100256'))[0]?.id).toBe(dept.id);
  });
});

describe('RA: requests and approval by the managing organization', () => {
  it('ok/new (CSR) → approved by the managing organization → completed with a certificate', async () => {
    const { pki, official, approver } = await setup();
    const req = await pki.ra.createRequest(OFFICER, { kind: 'new', subscriberId: official.id, csr: makeCsr().der, validityDays: 365 * 2 });
    expect(req.state).toBe('pending');
    expect(req.profile).toBe('individual');
    expect(req.caId).toBe('individuals');
    expect(await errorCode(pki.ra.complete(OFFICER, req.id))).toBe('REQUEST_STATE_INVALID');
    const approved = await pki.ra.approve(approver, req.id, 'đồng ý');
    expect(approved.state).toBe('approved');
    expect(approved.decidedBy).toBe('u-head');
    expect(await errorCode(pki.ra.approve(approver, req.id))).toBe('REQUEST_STATE_INVALID');
    const done = await pki.ra.complete(OFFICER, req.id);
    expect(done.request.state).toBe('completed');
    expect(done.request.resultCertificateId).toBe(done.issued?.certificate.id);
    expect(done.issued?.certificate.subscriberId).toBe(official.id);
    const x = new X509Certificate(done.issued!.der);
    expect(x.subject).toContain('CN=Lê Văn Cường');
    expect(x.subject).toContain('UID=CCCD:022090001234');
    expect(await errorCode(pki.ra.complete(OFFICER, req.id))).toBe('REQUEST_STATE_INVALID');
    expect(pki.audit.events.filter((e) => e.target === req.id).map((e) => e.action)).toEqual([
      'request.create',
      'request.approve',
      'request.complete',
    ]);
  });

  it('fail/approver of another organization, the requester, or a signer → FORBIDDEN_SCOPE / APPROVER_NOT_ALLOWED / FORBIDDEN; state unchanged', async () => {
    const { pki, official, province } = await setup();
    const req = await pki.ra.createRequest(OFFICER, { kind: 'new', subscriberId: official.id, csr: makeCsr().der });
    expect(await errorCode(pki.ra.approve({ id: 'u-other', role: 'ra-officer', organizationId: province.id }, req.id))).toBe(
      'FORBIDDEN_SCOPE',
    );
    expect(
      await errorCode(pki.ra.approve({ id: OFFICER.id, role: 'ra-officer', organizationId: official.managingOrganizationId! }, req.id)),
    ).toBe('APPROVER_NOT_ALLOWED');
    expect(await errorCode(pki.ra.approve({ id: 'u-s', role: 'signer', organizationId: official.managingOrganizationId! }, req.id))).toBe(
      'FORBIDDEN',
    );
    expect((await pki.ra.getRequest(req.id)).state).toBe('pending');
    expect((await pki.ra.reject(ADMIN, req.id, 'thiếu hồ sơ')).state).toBe('rejected');
    expect(await errorCode(pki.ra.approve(ADMIN, req.id))).toBe('REQUEST_STATE_INVALID');
    expect(await errorCode(pki.ra.getRequest('req_nope'))).toBe('REQUEST_NOT_FOUND');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['bad CSR', { kind: 'new', csr: Buffer.from('nope') }, 'CSR_MALFORMED'],
    ['CSR signature', { kind: 'new', csr: makeCsr({ tamper: true }).der }, 'CSR_SIGNATURE_INVALID'],
    ['6 years', { kind: 'new', csr: makeCsr().der, validityDays: 2200 }, 'VALIDITY_INVALID'],
    ['unknown profile', { kind: 'new', profile: 'gold', csr: makeCsr().der }, 'PROFILE_UNKNOWN'],
    ['organization profile for an official', { kind: 'new', profile: 'organization', csr: makeCsr().der }, 'VALIDATION_FAILED'],
    ['bad kind', { kind: 'upgrade' }, 'VALIDATION_FAILED'],
    ['renew without certificate', { kind: 'renew' }, 'VALIDATION_FAILED'],
    ['revoke unknown certificate', { kind: 'revoke', certificateId: 'crt_nope' }, 'CERT_NOT_FOUND'],
    ['bad keySpec', { kind: 'new', keySpec: { type: 'rsa', bits: 1024 } }, 'VALIDATION_FAILED'],
  ])('fail/%s → %s and nothing stored', async (_n, input, expected) => {
    const { pki, official } = await setup();
    expect(await errorCode(pki.ra.createRequest(OFFICER, { subscriberId: official.id, ...input } as never))).toBe(expected);
    expect(await pki.ra.listRequests({})).toEqual([]);
  });

  it('fail/RA identifiers: an organization by a personal CCCD, C=US, a wrong MST check digit; a change-info that breaks the profile; nothing stored', async () => {
    const { pki, dept, official, approver } = await setup();
    const before = (await pki.ra.listSubscribers({})).length;
    const org = (subject: Record<string, unknown>) =>
      pki.ra.registerOrganization(ADMIN, { subject: { commonName: 'Sở Y tế', ...subject } } as never);
    expect(await errorCode(org({ uids: ['CCCD:022090001234'] }))).toBe('SUBJECT_INVALID');
    expect(await errorCode(org({ uids: ['MST:0100109106'], country: 'US' }))).toBe('SUBJECT_INVALID');
    expect(await errorCode(org({ uids: ['MST:0100109107'] }))).toBe('UID_INVALID');
    expect(
      await errorCode(
        pki.ra.registerOfficial(OFFICER, { managingOrganizationId: dept.id, subject: { commonName: 'X', uids: ['CCCD:003090001234'] } }),
      ),
    ).toBe('UID_INVALID');
    expect((await pki.ra.listSubscribers({})).length).toBe(before);
    const r = await pki.ra.createRequest(OFFICER, { subscriberId: official.id, kind: 'new', csr: makeCsr().der } as never);
    await pki.ra.approve(approver, r.id);
    const cert = (await pki.ra.complete(OFFICER, r.id, {})).issued!.certificate;
    const requests = (await pki.ra.listRequests({})).length;
    expect(
      await errorCode(
        pki.ra.createRequest(OFFICER, {
          kind: 'change-info',
          subscriberId: official.id,
          certificateId: cert.id,
          subject: { commonName: 'Lê Văn Cường', country: 'US', uids: ['CCCD:022090001234'] },
        } as never),
      ),
    ).toBe('SUBJECT_INVALID');
    expect((await pki.ra.listRequests({})).length).toBe(requests);
  });

  it('ok/renew keeps the key (≤ 3 years), rekey with server keygen supersedes the old one, change-info updates the subscriber, revoke request revokes', async () => {
    const { pki, official, approver } = await setup();
    const run = async (input: Record<string, unknown>, complete: { pkcs12Password?: string } = {}) => {
      const r = await pki.ra.createRequest(OFFICER, { subscriberId: official.id, ...input } as never);
      await pki.ra.approve(approver, r.id);
      return pki.ra.complete(OFFICER, r.id, complete);
    };
    const first = (await run({ kind: 'new', csr: makeCsr().der })).issued!;
    expect(
      await errorCode(
        pki.ra.createRequest(OFFICER, {
          kind: 'renew',
          subscriberId: official.id,
          certificateId: first.certificate.id,
          validityDays: 4 * 365,
        }),
      ),
    ).toBe('VALIDITY_INVALID');
    const renewed = (await run({ kind: 'renew', certificateId: first.certificate.id, validityDays: 3 * 365 })).issued!;
    expect(renewed.certificate.spkiSha256).toBe(first.certificate.spkiSha256);
    expect(renewed.certificate.replacesId).toBe(first.certificate.id);
    expect((await pki.store.certificates.findById(first.certificate.id))?.status).toBe('active');
    // rekey: a new server-generated key, PKCS#12 returned, old certificate superseded
    expect(
      await errorCode(
        pki.ra.createRequest(OFFICER, {
          kind: 'rekey',
          subscriberId: official.id,
          certificateId: renewed.certificate.id,
          csr: makeCsr({ key: undefined }).der,
        }),
      ),
    ).toBeUndefined();
    const pending = (await pki.ra.listRequests({ state: 'pending' }))[0]!;
    await pki.ra.reject(approver, pending.id);
    const rkReq = await pki.ra.createRequest(OFFICER, {
      kind: 'rekey',
      subscriberId: official.id,
      certificateId: renewed.certificate.id,
      keySpec: { type: 'ec', curve: 'P-256' },
    });
    await pki.ra.approve(approver, rkReq.id);
    expect(await errorCode(pki.ra.complete(OFFICER, rkReq.id))).toBe('VALIDATION_FAILED');
    const rekeyed = (await pki.ra.complete(OFFICER, rkReq.id, { pkcs12Password: 'abcd1234' })).issued!;
    expect(rekeyed.pkcs12).toBeDefined();
    expect(rekeyed.certificate.spkiSha256).not.toBe(renewed.certificate.spkiSha256);
    const old = await pki.store.certificates.findById(renewed.certificate.id);
    expect(old?.status).toBe('revoked');
    expect(old?.revocationReason).toBe('superseded');
    // change of information
    const newSubject = {
      commonName: 'Lê Văn Cường',
      organization: 'UBND tỉnh Quảng Ninh',
      organizationalUnits: ['Sở Nội vụ'],
      uids: ['CCCD:022090001234'],
    };
    const changed = (await run({ kind: 'change-info', certificateId: rekeyed.certificate.id, subject: newSubject })).issued!;
    expect(new X509Certificate(changed.der).subject).toContain('OU=Sở Nội vụ');
    expect((await pki.ra.getSubscriber(official.id)).subject.organizationalUnits).toEqual(['Sở Nội vụ']);
    // revoke through a request
    const rv = await run({ kind: 'revoke', certificateId: changed.certificate.id, revocationReason: 'cessationOfOperation' });
    expect(rv.revoked?.status).toBe('revoked');
    expect(rv.revoked?.revocationReason).toBe('cessationOfOperation');
    expect(
      await errorCode(pki.ra.createRequest(OFFICER, { kind: 'revoke', subscriberId: official.id, certificateId: changed.certificate.id })),
    ).toBe('CERT_ALREADY_REVOKED');
    expect(
      await errorCode(
        pki.ra.createRequest(OFFICER, {
          kind: 'revoke',
          subscriberId: official.id,
          certificateId: first.certificate.id,
          revocationReason: 'lost',
        }),
      ),
    ).toBe('REVOCATION_REASON_INVALID');
  });

  it('ok/a failed completion marks the request failed with the error code', async () => {
    const { pki, official, approver } = await setup();
    const a = (
      await (async () => {
        const r = await pki.ra.createRequest(OFFICER, { kind: 'new', subscriberId: official.id, csr: makeCsr().der });
        await pki.ra.approve(approver, r.id);
        return pki.ra.complete(OFFICER, r.id);
      })()
    ).issued!;
    const r = await pki.ra.createRequest(OFFICER, { kind: 'renew', subscriberId: official.id, certificateId: a.certificate.id });
    await pki.ra.approve(approver, r.id);
    await pki.lifecycle.revoke(ADMIN, { id: a.certificate.id }, { reason: 'keyCompromise' });
    expect(await errorCode(pki.ra.complete(OFFICER, r.id))).toBe('CERT_NOT_ACTIVE');
    const failed = await pki.ra.getRequest(r.id);
    expect(failed.state).toBe('failed');
    expect(failed.failureReason).toBe('CERT_NOT_ACTIVE');
  });
});
