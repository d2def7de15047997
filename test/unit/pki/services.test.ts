import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { parseOcspResponse } from '../../../src/cms/ocsp.js';
import { algId, explicit, int, octets, oid, seq } from '../../../src/core/der.js';
import { certificateInfo } from '../../../src/cms/certificate-info.js';
import type { SubjectFields } from '../../../src/pki/ports.js';
import { MemoryKeyStore } from '../../../src/pki/testing/memory-key-store.js';
import { readPkcs12 } from '../../../src/signing/pkcs12-signer.js';
import { ADMIN, makeCsr, makePki } from './support/pki-fixture.js';
import { errorCode } from '../../fixtures/error-code.js';

const subject: SubjectFields = {
  commonName: 'Trần Thị Bình',
  organization: 'UBND tỉnh Quảng Ninh',
  organizationalUnits: ['Sở Nội vụ'],
  uids: ['CCCD:022190000123'],
};

describe('CA bootstrap', () => {
  it('ok/creates root, two issuing CAs, a responder per CA and the TSA once; second run creates nothing', async () => {
    const pki = await makePki();
    expect(pki.boot.created).toEqual([
      'root',
      'organizations',
      'individuals',
      'ocsp-root',
      'ocsp-organizations',
      'ocsp-individuals',
      'tsa',
    ]);
    const again = await (await import('../../../src/pki/ca-bootstrap.js')).ensureHierarchy({ ...pki, issuance: pki.issuance });
    expect(again.created).toEqual([]);
    const cas = await pki.store.cas.list();
    const byId = Object.fromEntries(cas.map((c) => [c.id, c]));
    expect(byId.root?.parentId).toBeNull();
    expect(byId.individuals?.parentId).toBe('root');
    expect(byId['ocsp-individuals']?.parentId).toBe('individuals');
    expect(byId['ocsp-individuals']?.keyUri).toBe(byId['ocsp-root']?.keyUri);
    const root = new X509Certificate(byId.root!.certificateDer);
    const ind = new X509Certificate(byId.individuals!.certificateDer);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(ind.verify(root.publicKey)).toBe(true);
    expect(ind.checkIssued(root)).toBe(true);
    expect(new Date(ind.validTo) <= new Date(root.validTo)).toBe(true);
    // subordinate CA certs are tracked as certificates of their parent (root CRL/OCSP cover them)
    expect((await pki.store.certificates.findBySerial('root', byId.individuals!.serial))?.status).toBe('active');
    expect(pki.audit.events.filter((e) => e.action === 'ca.create').length).toBe(7);
  });
});

describe('issuance pipeline', () => {
  it('ok/CSR → active row with DER, chain issuer-first; audit intent then success', async () => {
    const pki = await makePki();
    pki.audit.events.length = 0;
    const { der } = makeCsr({ type: 'rsa' });
    const r = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: der }, validityDays: 730 });
    expect(r.certificate.status).toBe('active');
    expect(r.certificate.der).toEqual(r.der);
    expect(r.chain.length).toBe(2);
    expect(new X509Certificate(r.der).checkIssued(new X509Certificate(r.chain[0]!))).toBe(true);
    expect(pki.audit.events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'certificate.issue.intent:success',
      'certificate.issue:success',
    ]);
    expect(pki.audit.events[1]!.actor).toBe(ADMIN.id);
    expect(r.certificate.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(r.pkcs12).toBeUndefined();
  });

  it('ok/server-side keygen returns a PKCS#12 once and keeps no key unless asked; a delivered key never enters the key store', async () => {
    const pki = await makePki();
    // Every key the store is given (a backup taken meanwhile would hold it, even if deleted after).
    const stored: string[] = [];
    const keys = pki.keys as MemoryKeyStore;
    const generate = keys.generate.bind(keys);
    keys.generate = async (...args: Parameters<MemoryKeyStore['generate']>) => {
      const ref = await generate(...args);
      stored.push(ref.uri);
      return ref;
    };
    const r = await pki.issuance.issue(ADMIN, {
      profile: 'individual',
      subject,
      key: { generate: { type: 'ec', curve: 'P-256' }, pkcs12Password: 'pw-1234' },
    });
    expect(r.pkcs12?.length).toBeGreaterThan(500);
    expect(r.certificate.keyUri).toBeNull();
    expect(stored).toEqual([]);
    // the file holds the certificate's own key
    const { privateKey, certificates } = readPkcs12(r.pkcs12!, 'pw-1234');
    expect(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })).toEqual(
      new X509Certificate(certificates[0]!).publicKey.export({ format: 'der', type: 'spki' }),
    );
    expect(certificates[0]).toEqual(r.der);
    const kept = await pki.issuance.issue(ADMIN, {
      profile: 'individual',
      subject,
      key: { generate: { type: 'ec', curve: 'P-256' }, pkcs12Password: 'pw-1234', keepKey: true },
    });
    expect(kept.certificate.keyUri).toMatch(/^mem:/);
    expect((pki.keys as MemoryKeyStore).has(kept.certificate.keyUri!)).toBe(true);
    expect(stored).toEqual([kept.certificate.keyUri]);
  });

  it.each<[string, () => Record<string, unknown>, string]>([
    ['unknown profile', () => ({ profile: 'nope', subject, key: { csr: makeCsr().der } }), 'PROFILE_UNKNOWN'],
    [
      'bad UID digits',
      () => ({ profile: 'individual', subject: { ...subject, uids: ['CCCD:12345'] }, key: { csr: makeCsr().der } }),
      'UID_INVALID',
    ],
    ['empty CN', () => ({ profile: 'individual', subject: { commonName: ' ' }, key: { csr: makeCsr().der } }), 'SUBJECT_INVALID'],
    ['malformed CSR', () => ({ profile: 'individual', subject, key: { csr: Buffer.from('junk') } }), 'CSR_MALFORMED'],
    ['CSR signature', () => ({ profile: 'individual', subject, key: { csr: makeCsr({ tamper: true }).der } }), 'CSR_SIGNATURE_INVALID'],
    ['6 years', () => ({ profile: 'individual', subject, key: { csr: makeCsr().der }, validityDays: 6 * 365 }), 'VALIDITY_INVALID'],
    ['RSA-1024 key', () => ({ profile: 'individual', subject, key: { csr: makeCsr({ type: 'rsa', bits: 1024 }).der } }), 'LINT_FAILED'],
    ['no PKCS#12 password', () => ({ profile: 'individual', subject, key: { pkcs12Password: '' } }), 'VALIDATION_FAILED'],
    ['unknown CA', () => ({ profile: 'individual', caId: 'nowhere', subject, key: { csr: makeCsr().der } }), 'CA_UNKNOWN'],
    ['CA profile by an admin', () => ({ profile: 'issuing-ca', subject, key: { csr: makeCsr().der } }), 'FORBIDDEN'],
  ])('fail/%s → %s, nothing stored or signed', async (_n, input, expected) => {
    const pki = await makePki();
    const before = (await pki.store.certificates.list({ limit: 1000 })).length;
    pki.audit.events.length = 0;
    expect(await errorCode(pki.issuance.issue(ADMIN, input() as never))).toBe(expected);
    expect((await pki.store.certificates.list({ limit: 1000 })).length).toBe(before);
    expect(pki.audit.events.filter((e) => e.action.startsWith('certificate.issue'))).toEqual([]);
  });

  it('fail/role signer may not issue → FORBIDDEN', async () => {
    const pki = await makePki();
    expect(
      await errorCode(pki.issuance.issue({ id: 's', role: 'signer' }, { profile: 'individual', subject, key: { csr: makeCsr().der } })),
    ).toBe('FORBIDDEN');
  });

  it('fail/signing fails mid-issuance → row failed, audited, serial never reused', async () => {
    const pki = await makePki();
    const ca = await pki.cas.get('individuals');
    const real = await ca.signer();
    let fail = true;
    const orig = real.sign.bind(real);
    (real as { sign: typeof real.sign }).sign = async (d) => {
      if (fail) {
        fail = false;
        throw new Error('HSM unplugged');
      }
      return orig(d);
    };
    pki.audit.events.length = 0;
    expect(await errorCode(pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } }))).toBe(
      'Error: HSM unplugged',
    );
    const failed = await pki.store.certificates.list({ status: 'failed' });
    expect(failed.length).toBe(1);
    expect(failed[0]!.der).toBeNull();
    expect(pki.audit.events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'certificate.issue.intent:success',
      'certificate.issue:failure',
    ]);
    const ok = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    expect(ok.certificate.serial).not.toBe(failed[0]!.serial);
    // the failed serial stays reserved
    expect(await errorCode(pki.store.certificates.reserve({ ...failed[0]!, id: 'crt_again' }))).toBe('STORE_CONSTRAINT');
  });

  it('fail/audit store down before signing → nothing signed, no row (the pending row and its intent commit together)', async () => {
    const pki = await makePki();
    const before = (await pki.store.certificates.list({})).length;
    pki.audit.failNext = true;
    expect(await errorCode(pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } }))).toBe(
      'STORE_UNAVAILABLE',
    );
    expect((await pki.store.certificates.list({})).length).toBe(before);
    expect((await pki.store.certificates.list({ caId: 'individuals', status: 'active', profile: 'individual' })).length).toBe(0);
  });

  it('ok/recover() turns stale pending rows into failed; fresh ones stay', async () => {
    const pki = await makePki();
    const base = {
      caId: 'individuals',
      profile: 'individual',
      subscriberId: null,
      requestId: null,
      replacesId: null,
      subjectDn: 'CN=x',
      spkiSha256: 'aa',
      keyUri: null,
      notBefore: pki.clock.now(),
      notAfter: pki.clock.now(),
    };
    await pki.store.certificates.reserve({
      ...base,
      id: 'crt_old',
      serial: '0a0b',
      createdAt: new Date(pki.clock.now().getTime() - 3_600_000),
    });
    await pki.store.certificates.reserve({ ...base, id: 'crt_new', serial: '0a0c', createdAt: pki.clock.now() });
    expect(await pki.issuance.recover()).toBe(1);
    expect((await pki.store.certificates.findById('crt_old'))?.status).toBe('failed');
    expect((await pki.store.certificates.findById('crt_new'))?.status).toBe('pending');
  });
});

describe('lifecycle', () => {
  it('ok/suspend → release → revoke, each audited; errors leave the status unchanged', async () => {
    const pki = await makePki();
    const r = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    const ref = { serial: r.certificate.serial.toUpperCase().match(/../g)!.join(':') };
    expect(await errorCode(pki.lifecycle.release(ADMIN, ref))).toBe('CERT_NOT_ON_HOLD');
    expect((await pki.lifecycle.suspend(ADMIN, ref)).status).toBe('on-hold');
    expect(await errorCode(pki.lifecycle.suspend(ADMIN, ref))).toBe('CERT_NOT_ACTIVE');
    expect((await pki.lifecycle.release(ADMIN, ref)).status).toBe('active');
    expect(await errorCode(pki.lifecycle.revoke(ADMIN, ref, { reason: 'certificateHold' }))).toBe('REVOCATION_REASON_INVALID');
    expect(await errorCode(pki.lifecycle.revoke(ADMIN, ref, { reason: 7 }))).toBe('REVOCATION_REASON_INVALID');
    expect(
      await errorCode(pki.lifecycle.revoke(ADMIN, ref, { reason: 1, invalidityDate: new Date(pki.clock.now().getTime() + 86_400_000) })),
    ).toBe('VALIDATION_FAILED');
    expect((await pki.store.certificates.findById(r.certificate.id))?.status).toBe('active');
    const rev = await pki.lifecycle.revoke(ADMIN, ref, { reason: 'affiliationChanged', invalidityDate: '2026-03-01T07:30:00Z' });
    expect(rev.status).toBe('revoked');
    expect(rev.revocationReason).toBe('affiliationChanged');
    expect(rev.invalidityDate?.toISOString()).toBe('2026-03-01T07:30:00.000Z');
    expect(await errorCode(pki.lifecycle.revoke(ADMIN, ref, { reason: 1 }))).toBe('CERT_ALREADY_REVOKED');
    expect(await errorCode(pki.lifecycle.release(ADMIN, ref))).toBe('CERT_NOT_ON_HOLD');
    expect(await errorCode(pki.lifecycle.revoke(ADMIN, { serial: 'abcdef01' }))).toBe('CERT_NOT_FOUND');
    expect(await errorCode(pki.lifecycle.revoke({ id: 'a', role: 'auditor' }, ref))).toBe('FORBIDDEN');
    const acts = pki.audit.events
      .filter((e) => e.action.startsWith('certificate.') && !e.action.startsWith('certificate.issue'))
      .map((e) => `${e.action}:${e.outcome}`);
    expect(acts).toEqual([
      'certificate.release:failure',
      'certificate.suspend:success',
      'certificate.suspend:failure',
      'certificate.release:success',
      'certificate.revoke:success',
      'certificate.revoke:failure',
      'certificate.release:failure',
    ]);
  });

  it('ok/a held certificate can be revoked permanently', async () => {
    const pki = await makePki();
    const r = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    await pki.lifecycle.suspend(ADMIN, { id: r.certificate.id });
    expect((await pki.lifecycle.revoke(ADMIN, { id: r.certificate.id }, { reason: 'keyCompromise' })).revocationReason).toBe(
      'keyCompromise',
    );
  });
});

describe('CRL service', () => {
  it('ok/generated on demand and on schedule, never per revocation; numbers increase; hold leaves after release', async () => {
    const pki = await makePki();
    const a = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    const first = await pki.crl.latest('individuals');
    expect(first.entryCount).toBe(0);
    await pki.lifecycle.suspend(ADMIN, { id: a.certificate.id });
    expect((await pki.store.crls.latest('individuals'))?.crlNumber).toBe(first.crlNumber);
    expect(await pki.crl.tick()).toEqual(expect.arrayContaining(['individuals']));
    const second = (await pki.store.crls.latest('individuals'))!;
    expect(second.crlNumber).toBe(first.crlNumber + 1);
    expect(second.entryCount).toBe(1);
    // nothing changed and not stale → tick does not regenerate individuals
    expect(await pki.crl.tick()).not.toContain('individuals');
    await pki.lifecycle.release(ADMIN, { id: a.certificate.id });
    await pki.crl.tick();
    expect((await pki.store.crls.latest('individuals'))!.entryCount).toBe(0);
    pki.clock.advance(61 * 60_000);
    expect(await pki.crl.tick()).toEqual(expect.arrayContaining(['root', 'organizations', 'individuals']));
    expect(await errorCode(pki.crl.generate('ocsp-root'))).toBe('CA_UNKNOWN');
    expect(await errorCode(pki.crl.latest('nowhere'))).toBe('CA_UNKNOWN');
  });
});

describe('OCSP service', () => {
  async function setup() {
    const pki = await makePki();
    const r = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    const ica = certificateInfo((await pki.store.cas.get('individuals'))!.certificateDer);
    const certId = (serial: Buffer, h = 'sha1', hOid = '1.3.14.3.2.26') =>
      seq(
        algId(hOid, 'null'),
        octets(createHash(h).update(ica.subject).digest()),
        octets(createHash(h).update(ica.publicKeyBits).digest()),
        int(serial),
      );
    const serial = Buffer.from(r.certificate.serial, 'hex');
    const request = (nonce?: Buffer, id = certId(serial)) =>
      seq(nonce ? seq(seq(seq(id)), explicit(2, seq(seq(oid('1.3.6.1.5.5.7.48.1.2'), octets(octets(nonce)))))) : seq(seq(seq(id))));
    return { pki, r, certId, serial, request };
  }
  it('ok/cached: identical requests are signed once; a status change re-signs at once', async () => {
    const { pki, r, request } = await setup();
    const a = await pki.ocsp.respond(request());
    const b = await pki.ocsp.respond(request());
    expect(a.status).toBe('successful');
    expect(b.der).toEqual(a.der);
    expect(pki.ocsp.signed).toBe(1);
    expect(a.cache?.maxAgeSeconds).toBe(240 * 60);
    // revoked through the store by "another process": no invalidate call, still seen
    await pki.store.certificates.changeStatus(r.certificate.id, 'active', {
      status: 'revoked',
      revocationReason: 'keyCompromise',
      revokedAt: pki.clock.now(),
      invalidityDate: null,
      at: pki.clock.now(),
    });
    const c = await pki.ocsp.respond(request());
    expect(c.der).not.toEqual(a.der);
    expect(pki.ocsp.signed).toBe(2);
    expect(c.der.includes(Buffer.from([0xa1]))).toBe(true);
  });
  it('ok/answers asked together are read from the store together, each about its own certificate as stored now', async () => {
    const { pki, r, certId, serial, request } = await setup();
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } }));
    const serials = [serial, ...more.map((m) => Buffer.from(m.certificate.serial, 'hex'))];
    const reads = vi.spyOn(pki.store.certificates, 'findBySerials');
    const statuses = async () => {
      const answers = await Promise.all(serials.map((s) => pki.ocsp.respond(request(undefined, certId(s)))));
      return answers.map((a) => {
        const parsed = parseOcspResponse(a.der);
        return parsed.responses.map((x) => `${x.serialNumber.toString(16)}:${x.status}`).join();
      });
    };
    const hexOf = (s: Buffer) => BigInt(`0x${s.toString('hex')}`).toString(16);
    expect(await statuses()).toEqual(serials.map((s) => `${hexOf(s)}:good`));
    expect(reads).toHaveBeenCalledTimes(1);
    await pki.store.certificates.changeStatus(more[2]!.certificate.id, 'active', {
      status: 'revoked',
      revocationReason: 'keyCompromise',
      revokedAt: pki.clock.now(),
      invalidityDate: null,
      at: pki.clock.now(),
    });
    // the next requests see the revocation at once; the others stay good
    expect(await statuses()).toEqual(serials.map((s, i) => `${hexOf(s)}:${i === 3 ? 'revoked' : 'good'}`));
    expect(reads).toHaveBeenCalledTimes(2);
    void r;
  });
  it('ok/re-signed when a quarter of the validity is left', async () => {
    const { pki, request } = await setup();
    await pki.ocsp.respond(request());
    pki.clock.advance(170 * 60_000);
    await pki.ocsp.respond(request());
    expect(pki.ocsp.signed).toBe(1);
    pki.clock.advance(20 * 60_000);
    await pki.ocsp.respond(request());
    expect(pki.ocsp.signed).toBe(2);
  });
  it('ok/nonce requests are signed fresh and echo the nonce; SHA-256 CertIDs work', async () => {
    const { pki, request, certId, serial } = await setup();
    const n1 = Buffer.alloc(16, 1);
    const a = await pki.ocsp.respond(request(n1));
    const b = await pki.ocsp.respond(request(Buffer.alloc(16, 2)));
    expect(a.der.includes(n1)).toBe(true);
    expect(a.cache).toBeUndefined();
    expect(b.der.includes(n1)).toBe(false);
    expect(pki.ocsp.signed).toBe(2);
    const s256 = await pki.ocsp.respond(request(undefined, certId(serial, 'sha256', '2.16.840.1.101.3.4.2.1')));
    expect(s256.status).toBe('successful');
  });
  it('fail/garbage → malformedRequest; foreign issuer → unauthorized; unknown serial → unknown', async () => {
    const { pki, request } = await setup();
    expect((await pki.ocsp.respond(Buffer.from('garbage'))).status).toBe('malformedRequest');
    expect((await pki.ocsp.respondToGet('%%%')).status).toBe('malformedRequest');
    const foreign = seq(
      seq(seq(seq(seq(algId('1.3.14.3.2.26', 'null'), octets(Buffer.alloc(20, 1)), octets(Buffer.alloc(20, 2)), int(5))))),
    );
    const u = await pki.ocsp.respond(foreign);
    expect(u.status).toBe('unauthorized');
    expect(u.der.toString('hex')).toBe('30030a0106');
    const unknown = await pki.ocsp.respond(request(undefined, (await setup()).certId(Buffer.from('0102030405060708', 'hex'))));
    expect(unknown.status).toBe('unauthorized'); // different hierarchy → not ours
    const ok = await pki.ocsp.respondToGet(encodeURIComponent(request().toString('base64')));
    expect(ok.status).toBe('successful');
    void generateKeyPairSync;
  });
});

describe('createPkiServices wiring', () => {
  it('ok/bootstrap + issue + revoke invalidates OCSP and marks the CRL dirty', async () => {
    const { createPkiServices } = await import('../../../src/pki/index.js');
    const { MemoryPkiStore, MemoryAuditSink } = await import('../../../src/pki/testing/memory-pki-store.js');
    const { FakeClock } = await import('../../../src/core/clock.js');
    const { DEFAULT_PKI_CONFIG } = await import('../../../src/pki/config.js');
    const changes: string[] = [];
    const s = createPkiServices({
      store: new MemoryPkiStore(),
      keys: new MemoryKeyStore(),
      audit: new MemoryAuditSink(),
      clock: new FakeClock('2026-05-01T00:00:00Z'),
      config: { ...DEFAULT_PKI_CONFIG, caKeySpec: { type: 'ec', curve: 'P-256' } },
      onStatusChange: (ca, serial) => changes.push(`${ca}:${serial}`),
    });
    expect((await s.bootstrap()).created.length).toBe(7);
    const r = await s.issuance.issue(ADMIN, {
      profile: 'organization',
      subject: { commonName: 'Sở Y tế', uids: ['MNS:1000555'] },
      key: { csr: makeCsr().der },
    });
    expect(r.chain.length).toBe(2);
    expect(
      await errorCode(
        s.issuance.issue(ADMIN, {
          profile: 'organization',
          subscriberId: 'sub_missing',
          subject: { commonName: 'x' },
          key: { csr: makeCsr().der },
        }),
      ),
    ).toBe('SUBSCRIBER_NOT_FOUND');
    await s.lifecycle.revoke(ADMIN, { id: r.certificate.id }, { reason: 'superseded' });
    expect(changes).toEqual([`organizations:${r.certificate.serial}`]);
    expect(await s.crl.tick()).toContain('organizations');
    expect((await s.lifecycle.list({ status: 'revoked' })).map((c) => c.id)).toEqual([r.certificate.id]);
  });
});
