/**
 * Revocation checking with OCSP (RFC 6960): responses from our PKI's builder (src/pki/ocsp.ts)
 * embedded in the /DSS or fetched online through the injected RevocationFetcher; delegated
 * responders must be issued by the CA and carry id-kp-OCSPSigning (§4.2.2.2).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { algId, int, octets, seq } from '../../../src/core/der.js';
import { buildOcspResponse, parseOcspRequest, type OcspCertStatus } from '../../../src/pki/ocsp.js';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { createTrustStore, verifyPdf, type RevocationFetcher, type TrustStore } from '../../../src/pdf/verify/index.js';
import { certInfo } from '../../../src/pki/path/cert.js';
import { createTestCa, issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { basePdf, signPdf } from './helpers.js';

const DAY = 86_400_000;
let ca: TestCa;
let trust: TrustStore;
let responder: TestSigner;

beforeAll(() => {
  ca = sharedTestCa();
  trust = createTrustStore([ca.certPem]);
  responder = issueSigner(ca, {
    cn: 'Kyso OCSP Responder',
    extendedKeyUsage: 'critical,OCSPSigning',
    keyUsage: 'critical,digitalSignature',
  });
});

function certId(cert: Buffer, issuer: Buffer): Buffer {
  const c = certInfo(cert);
  const i = certInfo(issuer);
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  return seq(algId('1.3.14.3.2.26', 'null'), octets(sha1(i.subjectDer)), octets(sha1(i.publicKeyBits)), int(c.serial));
}

async function ocsp(cert: Buffer, status: OcspCertStatus, by: TestSigner = responder): Promise<Buffer> {
  const now = Date.now();
  return buildOcspResponse({
    responder: {
      signer: keyObjectSigner(by.key),
      certificate: by.certDer,
      keyHash: createHash('sha1').update(certInfo(by.certDer).publicKeyBits).digest(),
    },
    producedAt: new Date(now),
    singles: [{ certIdRaw: certId(cert, ca.certDer), status, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + DAY) }],
  });
}

/** A signer certificate with AIA (OCSP) and CRL distribution point, made with openssl from the fixture CA. */
function signerWithAia(): TestSigner {
  const base = issueSigner(ca, { cn: 'Hoàng Văn Em' });
  const dir = ca.dir;
  const cnf = join(dir, `aia_${process.pid}.cnf`);
  writeFileSync(
    cnf,
    [
      '[ee]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,nonRepudiation',
      'extendedKeyUsage=emailProtection',
      'authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp',
      'crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl',
    ].join('\n'),
  );
  const csr = join(dir, `aia_${process.pid}.csr`);
  const pem = join(dir, `aia_${process.pid}.pem`);
  execFileSync('openssl', ['req', '-new', '-key', base.keyPath, '-subj', '/CN=Hoang Van Em', '-out', csr], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      '0x5a5a5a5a5a5a5a5a01',
      '-days',
      '30',
      '-extfile',
      cnf,
      '-extensions',
      'ee',
      '-out',
      pem,
    ],
    { stdio: 'ignore' },
  );
  const certDer = Buffer.from(new X509Certificate(readFileSync(pem)).raw);
  return { ...base, certDer, chain: [certDer, ca.certDer], key: createPrivateKey(base.keyPem) };
}

describe('OCSP revocation', () => {
  it('good status from a delegated responder in the /DSS → TOTAL_PASSED', async () => {
    const alice = issueSigner(ca, { cn: 'Đỗ Thị Hoa' });
    const signed = await signPdf(await basePdf(), alice);
    const r = await verifyPdf(appendDss(signed, { ocsps: [await ocsp(alice.certDer, { kind: 'good' })] }), { trust, offline: true });
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', source: 'OCSP', origin: 'DSS' });
  });

  it('revoked status → TOTAL_FAILED/REVOKED', async () => {
    const alice = issueSigner(ca, { cn: 'Đỗ Thị Hoa 2' });
    const signed = await signPdf(await basePdf(), alice);
    const resp = await ocsp(alice.certDer, { kind: 'revoked', revokedAt: new Date(Date.now() - DAY), reasonCode: 1 });
    const r = await verifyPdf(appendDss(signed, { ocsps: [resp] }), { trust, offline: true });
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_FAILED', 'REVOKED']);
  });

  it('a responder not issued by the CA is not authorized → TRY_LATER', async () => {
    const other = createTestCa('Other Root');
    const rogue = issueSigner(other, { cn: 'Rogue OCSP', extendedKeyUsage: 'OCSPSigning' });
    const alice = issueSigner(ca, { cn: 'Đỗ Thị Hoa 3' });
    const signed = await signPdf(await basePdf(), alice);
    const r = await verifyPdf(appendDss(signed, { ocsps: [await ocsp(alice.certDer, { kind: 'good' }, rogue)] }), { trust, offline: true });
    expect([r.indication, r.subIndication]).toEqual(['INDETERMINATE', 'TRY_LATER']);
    expect(r.signatures[0]!.warnings).toContain('REVOCATION_OCSP_RESPONDER_UNAUTHORIZED');
  });

  it('online: POSTs an OCSP request to the AIA URL through the fetcher; offline makes no call', async () => {
    const em = signerWithAia();
    const signed = await signPdf(await basePdf(), em);
    const calls: { url: string; serial: bigint }[] = [];
    const fetcher: RevocationFetcher = {
      fetchOcsp: async (url, request) => {
        const req = parseOcspRequest(request);
        calls.push({ url, serial: BigInt(`0x${req.certIds[0]!.serial}`) });
        return ocsp(em.certDer, { kind: 'good' });
      },
      fetchCrl: async () => {
        throw new Error('not used');
      },
    };
    const r = await verifyPdf(signed, { trust, revocation: fetcher });
    expect(calls).toEqual([{ url: 'http://127.0.0.1:9/ocsp', serial: certInfo(em.certDer).serial }]);
    expect(r.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', source: 'OCSP', origin: 'ONLINE' });
    expect(r.indication).toBe('TOTAL_PASSED');
    const off = await verifyPdf(signed, { trust, revocation: fetcher, offline: true });
    expect(calls.length).toBe(1);
    expect(off.subIndication).toBe('TRY_LATER');
  });

  it('online: falls back to the CRL distribution point when OCSP is unreachable', async () => {
    const em = signerWithAia();
    const signed = await signPdf(await basePdf(), em);
    const { makeCrl } = await import('./helpers.js');
    const fetcher: RevocationFetcher = {
      fetchOcsp: async () => {
        throw new Error('ECONNREFUSED');
      },
      fetchCrl: async (url) => {
        expect(url).toBe('http://127.0.0.1:9/ca.crl');
        return makeCrl(ca, { thisUpdate: new Date(Date.now() - 1000), nextUpdate: new Date(Date.now() + DAY) });
      },
    };
    const r = await verifyPdf(signed, { trust, revocation: fetcher });
    expect(r.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', source: 'CRL', origin: 'ONLINE' });
    expect(r.signatures[0]!.warnings).toContain('REVOCATION_OCSP_UNREACHABLE');
  });
});
