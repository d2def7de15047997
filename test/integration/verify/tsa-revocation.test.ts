/**
 * Revocation of the TSA's certificate chain (ETSI EN 319 102-1 §5.6.2.3, §5.2.6): a timestamp
 * whose TSA certificate was revoked at genTime gives no proof of existence; missing data is only
 * a warning. A delegated OCSP responder without id-pkix-ocsp-nocheck must itself be unrevoked
 * (RFC 6960 §4.2.2.2.1), else its answer is not used.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { algId, int, octets, seq } from '../../../src/core/der.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { buildOcspResponse } from '../../../src/pki/ocsp.js';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { createTrustStore, verifyPdf, type RevocationFetcher, type TrustStore } from '../../../src/pdf/verify/index.js';
import { certInfo } from '../../../src/pki/path/cert.js';
import { createTestCa, issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { basePdf, makeCrl, sha256, signPdf } from './helpers.js';

const DAY = 86_400_000;
let ca: TestCa;
let trust: TrustStore;

beforeAll(() => {
  ca = sharedTestCa();
  trust = createTrustStore([ca.certPem]);
});

function tsaOf(issuer: TestCa, cn: string, crlUrl?: string): { cert: TestSigner; stamp: (sig: Buffer) => Promise<Buffer> } {
  const cert = issueSigner(issuer, {
    cn,
    extendedKeyUsage: 'critical,timeStamping',
    keyUsage: 'critical,digitalSignature',
    ...(crlUrl ? { crlUrl } : {}),
  });
  const tsa = createTimestampAuthority({
    signer: keyObjectSigner(cert.key),
    certificate: cert.certDer,
    chain: [issuer.certDer],
    policyOid: '1.3.6.1.4.1.99999.1',
    clock: { now: () => new Date() },
  });
  return { cert, stamp: async (sig) => (await tsa.issue({ hash: 'sha256', digest: sha256(sig), certReq: true })).token };
}

describe('TSA certificate revocation', () => {
  it('a TSA certificate revoked before genTime (CRL in the /DSS): the timestamp gives no POE', async () => {
    const tsa = tsaOf(ca, 'Kyso TSA Revoked');
    const signer = issueSigner(ca, { cn: 'Trần Văn Bình', days: 1 });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const revokedAt = new Date(Date.now() - 60_000);
    const crl = makeCrl(ca, {
      revoked: [{ serial: certInfo(tsa.cert.certDer).serial, at: revokedAt }],
      thisUpdate: new Date(Date.now() - 30_000),
      nextUpdate: new Date(Date.now() + 30 * DAY),
    });
    const lt = appendDss(signed, { crls: [crl] });

    // ten days later the signer has expired and the only timestamp cannot prove existence before that
    const later = await verifyPdf(lt, { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    const s = later.signatures[0]!;
    expect(s.timestamps[0]).toMatchObject({ type: 'signature', imprintMatches: true, signatureValid: true, valid: true, trusted: false });
    expect(s.timestamps[0]!.revocation[0]).toMatchObject({
      status: 'revoked',
      source: 'CRL',
      origin: 'DSS',
      certificate: certInfo(tsa.cert.certDer).subject,
    });
    expect(new Date(s.timestamps[0]!.revocation[0]!.revokedAt!).getTime()).toBe(Math.floor(revokedAt.getTime() / 1000) * 1000);
    expect(s.timestamps[0]!.messages).toContain('TSA_CERT_REVOKED');
    expect(s.warnings).toContain('TSA_CERT_REVOKED');
    expect(s.bestSignatureTime).toBe(later.validationTime);
    expect([later.indication, later.subIndication]).toEqual(['INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE']);

    // today the signer is still valid: the signature stands on its own, the timestamp is unused
    const now = await verifyPdf(lt, { trust, offline: true });
    expect(now.signatures[0]!.bestSignatureTime).toBe(now.validationTime);
    expect(now.signatures[0]!.timestamps[0]!.trusted).toBe(false);
    expect([now.indication, now.subIndication]).toEqual(['TOTAL_PASSED', null]);
  });

  it('a revocation after genTime does not count: the timestamp keeps the expired signer valid', async () => {
    const tsa = tsaOf(ca, 'Kyso TSA Later Revoked');
    const signer = issueSigner(ca, { cn: 'Lê Thị Cúc', days: 1 });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const crl = makeCrl(ca, {
      revoked: [{ serial: certInfo(tsa.cert.certDer).serial, at: new Date(Date.now() + 2 * DAY) }],
      thisUpdate: new Date(Date.now() - 30_000),
      nextUpdate: new Date(Date.now() + 30 * DAY),
    });
    const r = await verifyPdf(appendDss(signed, { crls: [crl] }), { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    const t = r.signatures[0]!.timestamps[0]!;
    expect(t).toMatchObject({ trusted: true, valid: true });
    expect(t.revocation[0]).toMatchObject({ status: 'good', source: 'CRL' });
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_PASSED', null]);
  });

  it('a TSA revoked after genTime for keyCompromise gives no proof of existence (RFC 5280 §5.3.1)', async () => {
    const tsa = tsaOf(ca, 'Kyso TSA Compromised Later');
    const signer = issueSigner(ca, { cn: 'Lê Thị Cúc', days: 1 });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const crl = makeCrl(ca, {
      revoked: [{ serial: certInfo(tsa.cert.certDer).serial, at: new Date(Date.now() + 2 * DAY), reason: 1 }],
      thisUpdate: new Date(Date.now() - 30_000),
      nextUpdate: new Date(Date.now() + 30 * DAY),
    });
    const r = await verifyPdf(appendDss(signed, { crls: [crl] }), { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    const t = r.signatures[0]!.timestamps[0]!;
    expect(t.trusted).toBe(false);
    expect(t.revocation[0]).toMatchObject({ reason: 'keyCompromise' });
    expect(t.messages).toContain('REVOCATION_KEY_COMPROMISE_LATER');
    expect([r.indication, r.subIndication]).toEqual(['INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE']);
  });

  it('a good TSA status is reported on the timestamp entry', async () => {
    const tsa = tsaOf(ca, 'Kyso TSA Good');
    const signer = issueSigner(ca, { cn: 'Võ Văn Đức', days: 1 });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const crl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 30_000), nextUpdate: new Date(Date.now() + 30 * DAY) });
    const lt = appendDss(signed, { crls: [crl] });
    const r = await verifyPdf(lt, { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    const s = r.signatures[0]!;
    expect(s.timestamps[0]).toMatchObject({ trusted: true, valid: true });
    expect(s.timestamps[0]!.revocation).toEqual([
      expect.objectContaining({
        certificate: certInfo(tsa.cert.certDer).subject,
        status: 'good',
        source: 'CRL',
        origin: 'DSS',
        revokedAt: null,
      }),
    ]);
    expect(s.timestamps[0]!.messages).not.toContain('TSA_REVOCATION_UNKNOWN');
    expect(s.warnings).not.toContain('TSA_CERT_REVOKED');
    expect(s.bestSignatureTime).toBe(s.timestamps[0]!.genTime);
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_PASSED', null]);
  });

  it('no revocation data for the TSA: a warning, the timestamp still gives POE', async () => {
    const tsaRoot = createTestCa('Kyso TSA Root');
    const both = createTrustStore([ca.certPem, tsaRoot.certPem]);
    const tsa = tsaOf(tsaRoot, 'Kyso TSA Unknown');
    const signer = issueSigner(ca, { cn: 'Đặng Thị Én', days: 1 });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const crl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 30_000), nextUpdate: new Date(Date.now() + 30 * DAY) });
    const r = await verifyPdf(appendDss(signed, { crls: [crl] }), { trust: both, offline: true, at: new Date(Date.now() + 10 * DAY) });
    const s = r.signatures[0]!;
    expect(s.timestamps[0]!.revocation[0]).toMatchObject({ status: 'unknown', source: 'NONE' });
    expect(s.timestamps[0]!.messages).toEqual(expect.arrayContaining(['REVOCATION_DATA_MISSING', 'TSA_REVOCATION_UNKNOWN']));
    expect(s.warnings).toContain('TSA_REVOCATION_UNKNOWN');
    expect(s.timestamps[0]!.trusted).toBe(true);
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_PASSED', null]);
  });

  it('online: the TSA status comes from its CRL distribution point through the fetcher; offline makes no call', async () => {
    const tsaRoot = createTestCa('Kyso TSA Root Online');
    const both = createTrustStore([ca.certPem, tsaRoot.certPem]);
    const tsa = tsaOf(tsaRoot, 'Kyso TSA Online', 'http://127.0.0.1:9/tsa.crl');
    const signer = issueSigner(ca, { cn: 'Phan Văn Giang' });
    const signed = await signPdf(await basePdf(), signer, { timestamp: tsa.stamp });
    const lt = appendDss(signed, {
      crls: [makeCrl(ca, { thisUpdate: new Date(Date.now() - 30_000), nextUpdate: new Date(Date.now() + 30 * DAY) })],
    });
    const calls: string[] = [];
    const fetcher: RevocationFetcher = {
      fetchOcsp: async (url) => {
        calls.push(url);
        throw new Error('not expected');
      },
      fetchCrl: async (url) => {
        calls.push(url);
        return makeCrl(tsaRoot, {
          revoked: [{ serial: certInfo(tsa.cert.certDer).serial, at: new Date(Date.now() - 3_600_000) }],
          thisUpdate: new Date(Date.now() - 1000),
          nextUpdate: new Date(Date.now() + DAY),
        });
      },
    };
    const r = await verifyPdf(lt, { trust: both, revocation: fetcher });
    expect(calls).toEqual(['http://127.0.0.1:9/tsa.crl']);
    expect(r.signatures[0]!.timestamps[0]!.revocation[0]).toMatchObject({ status: 'revoked', source: 'CRL', origin: 'ONLINE' });
    expect(r.signatures[0]!.timestamps[0]!.trusted).toBe(false);
    const off = await verifyPdf(lt, { trust: both, revocation: fetcher, offline: true });
    expect(calls.length).toBe(1);
    expect(off.signatures[0]!.timestamps[0]!.revocation[0]).toMatchObject({ status: 'unknown', source: 'NONE' });
    expect(off.signatures[0]!.timestamps[0]!.trusted).toBe(true);
  });
});

describe('delegated OCSP responder revocation', () => {
  function certId(cert: Buffer, issuer: Buffer): Buffer {
    const c = certInfo(cert);
    const i = certInfo(issuer);
    const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
    return seq(algId('1.3.14.3.2.26', 'null'), octets(sha1(i.subjectDer)), octets(sha1(i.publicKeyBits)), int(c.serial));
  }

  it('an answer from a revoked responder is not used; the CRL decides', async () => {
    const responder = issueSigner(ca, {
      cn: 'Kyso OCSP Revoked Responder',
      extendedKeyUsage: 'critical,OCSPSigning',
      keyUsage: 'critical,digitalSignature',
    });
    const signer = issueSigner(ca, { cn: 'Hồ Thị Hạnh' });
    const signed = await signPdf(await basePdf(), signer);
    const now = Date.now();
    const resp = await buildOcspResponse({
      responder: {
        signer: keyObjectSigner(responder.key),
        certificate: responder.certDer,
        keyHash: createHash('sha1').update(certInfo(responder.certDer).publicKeyBits).digest(),
      },
      producedAt: new Date(now),
      singles: [
        {
          certIdRaw: certId(signer.certDer, ca.certDer),
          status: { kind: 'good' },
          thisUpdate: new Date(now - 60_000),
          nextUpdate: new Date(now + DAY),
        },
      ],
    });
    // the responder was revoked before it answered
    const crl = makeCrl(ca, {
      revoked: [{ serial: certInfo(responder.certDer).serial, at: new Date(now - 120_000) }],
      thisUpdate: new Date(now - 30_000),
      nextUpdate: new Date(now + DAY),
    });
    const r = await verifyPdf(appendDss(signed, { ocsps: [resp], crls: [crl] }), { trust, offline: true });
    const s = r.signatures[0]!;
    expect(s.warnings).toContain('OCSP_RESPONDER_REVOKED');
    expect(s.revocation[0]).toMatchObject({ status: 'good', source: 'CRL', origin: 'DSS' });
    // the same answer with a CRL that does not revoke the responder is used
    const ok = makeCrl(ca, { thisUpdate: new Date(now - 30_000), nextUpdate: new Date(now + DAY) });
    const r2 = await verifyPdf(appendDss(signed, { ocsps: [resp], crls: [ok] }), { trust, offline: true });
    expect(r2.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', source: 'OCSP', origin: 'DSS' });
    expect(r2.signatures[0]!.warnings).not.toContain('OCSP_RESPONDER_REVOKED');
    // a responder revoked only after it answered: the answer stands
    const after = makeCrl(ca, {
      revoked: [{ serial: certInfo(responder.certDer).serial, at: new Date(now + 60_000) }],
      thisUpdate: new Date(now - 30_000),
      nextUpdate: new Date(now + DAY),
    });
    const r3 = await verifyPdf(appendDss(signed, { ocsps: [resp], crls: [after] }), { trust, offline: true });
    expect(r3.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', source: 'OCSP' });
  });
});
