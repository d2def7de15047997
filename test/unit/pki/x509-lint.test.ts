import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { isAppError } from '../../../src/core/errors.js';
import { keyIdentifier } from '../../../src/pki/extensions.js';
import { lintCertificate, assertLint } from '../../../src/pki/lint.js';
import { encodeSubject, normalizeSubject } from '../../../src/pki/names.js';
import { OID } from '../../../src/core/oids.js';
import { PROFILES, getProfile, validityFor, type Profile } from '../../../src/pki/profiles.js';
import { generateSerial } from '../../../src/pki/serial.js';
import { encodeTbs, signTbs, subjectKeyFromSpki, type CertificateTemplate } from '../../../src/pki/x509-builder.js';
import { signWithKey } from '../../../src/core/signature-algorithms.js';
import { toArrayBuffer } from '../../../src/core/bytes.js';

const caPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const caSpki = caPair.publicKey.export({ format: 'der', type: 'spki' });
const caKey = subjectKeyFromSpki(caSpki);
const caName = encodeSubject(normalizeSubject({ commonName: 'Test CA' }));
const signer = {
  algorithm: 'ECDSA-SHA256' as const,
  publicKeySpki: caSpki,
  sign: async (d: Uint8Array) => signWithKey('ECDSA-SHA256', caPair.privateKey, d),
};
const nb = new Date('2026-01-01T00:00:00Z');

function template(o: Partial<CertificateTemplate> & { keyType?: 'rsa1024' | 'ed25519' | 'p521' } = {}): CertificateTemplate {
  let spki: Buffer;
  if (o.keyType === 'rsa1024') spki = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' });
  else if (o.keyType === 'ed25519') spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  else if (o.keyType === 'p521')
    spki = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey.export({ format: 'der', type: 'spki' });
  else spki = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
  const subject = normalizeSubject({ commonName: 'Nguyễn Văn An', email: 'an@qn.gov.vn', uids: ['CCCD:001204567890'] });
  return {
    profile: PROFILES.individual,
    serial: generateSerial(),
    subject,
    subjectDer: encodeSubject(subject),
    key: subjectKeyFromSpki(spki),
    notBefore: nb,
    notAfter: new Date('2029-01-01T00:00:00Z'),
    issuer: {
      caId: 'individuals',
      nameDer: caName,
      keyId: keyIdentifier(caKey.publicKeyBits),
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      isCa: true,
      urls: {
        crl: 'http://x.test/pki/crl/individuals.crl',
        ocsp: 'http://x.test/pki/ocsp',
        caIssuers: 'http://x.test/pki/ca/individuals.crt',
      },
    },
    selfSigned: false,
    renewal: false,
    policies: ['2.16.704.1.99.1.1'],
    ...o,
  };
}

describe('x509 builder', () => {
  it('ok/builds a v3 certificate that node and pkijs parse, signature verifies with the CA key', async () => {
    const t = template();
    const der = await signTbs(encodeTbs(t, 'ECDSA-SHA256'), signer);
    const x = new X509Certificate(der);
    expect(x.verify(caPair.publicKey)).toBe(true);
    expect(x.serialNumber.toLowerCase()).toBe(t.serial.toString('hex'));
    expect(x.subject).toContain('CN=Nguyễn Văn An');
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(
      expect.arrayContaining([OID.kpClientAuth, OID.kpEmailProtection, OID.kpDocumentSigning, OID.adobeAuthenticDocuments]),
    );
    expect(x.infoAccess).toContain('OCSP - URI:http://x.test/pki/ocsp');
    const cert = pkijs.Certificate.fromBER(toArrayBuffer(der));
    expect(cert.version).toBe(2);
    const ext = (o: string) => cert.extensions?.find((e) => e.extnID === o);
    expect(ext(OID.keyUsage)?.critical).toBe(true);
    expect(ext(OID.basicConstraints)?.critical).toBe(true);
    expect(ext(OID.extKeyUsage)?.critical).toBe(false);
    expect(ext(OID.subjectKeyIdentifier)).toBeDefined();
    expect(
      Buffer.from((ext(OID.authorityKeyIdentifier)?.parsedValue as pkijs.AuthorityKeyIdentifier).keyIdentifier!.valueBlock.valueHexView),
    ).toEqual(keyIdentifier(caKey.publicKeyBits));
    expect(ext(OID.certificatePolicies)).toBeDefined();
    expect(ext(OID.crlDistributionPoints)).toBeDefined();
    expect(ext(OID.subjectAltName)).toBeDefined();
    // SKI is SHA-1 over the subjectPublicKey BIT STRING value (RFC 5280 §4.2.1.2 method 1)
    const ski = Buffer.from((ext(OID.subjectKeyIdentifier)?.parsedValue as asn1js.OctetString).valueBlock.valueHexView);
    expect(ski).toEqual(keyIdentifier(Buffer.from(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)));
  });
  it('ok/dates from 2050 use GeneralizedTime (RFC 5280 §4.1.2.5)', async () => {
    const t = template({
      notAfter: new Date('2050-06-01T00:00:00Z'),
      renewal: false,
      profile: { ...PROFILES.individual, maxYearsNew: 30 },
    });
    const tbs = encodeTbs(t, 'ECDSA-SHA256');
    expect(tbs.includes(Buffer.from('20500601000000Z'))).toBe(true);
    expect(tbs.includes(Buffer.from('260101000000Z'))).toBe(true);
  });
  it('ok/profiles: OCSP responder has OCSPSigning + nocheck, TSA has critical timeStamping, CAs are critical CA:TRUE', async () => {
    const r = new X509Certificate(await signTbs(encodeTbs(template({ profile: PROFILES['ocsp-responder'] }), 'ECDSA-SHA256'), signer));
    expect(r.keyUsage).toEqual([OID.kpOcspSigning]);
    expect(r.toLegacyObject()).toBeDefined();
    const c = pkijs.Certificate.fromBER(toArrayBuffer(r.raw));
    expect(c.extensions?.some((e) => e.extnID === OID.ocspNoCheck)).toBe(true);
    expect(c.extensions?.some((e) => e.extnID === OID.crlDistributionPoints)).toBe(false);
    const tsa = pkijs.Certificate.fromBER(
      toArrayBuffer(await signTbs(encodeTbs(template({ profile: PROFILES.tsa }), 'ECDSA-SHA256'), signer)),
    );
    expect(tsa.extensions?.find((e) => e.extnID === OID.extKeyUsage)?.critical).toBe(true);
    const ica = new X509Certificate(
      await signTbs(
        encodeTbs(template({ profile: PROFILES['issuing-ca'], notAfter: new Date('2036-01-01T00:00:00Z') }), 'ECDSA-SHA256'),
        signer,
      ),
    );
    expect(ica.ca).toBe(true);
    expect(ica.keyUsage).toBeUndefined();
  });
});

describe('lint', () => {
  const problems = (t: CertificateTemplate) => lintCertificate(t);
  it('ok/a well-formed template has no problems', () => {
    const t = template();
    expect(lintCertificate(t, encodeTbs(t, 'ECDSA-SHA256'))).toEqual([]);
    expect(lintCertificate(t, Buffer.concat([encodeTbs(t, 'ECDSA-SHA256'), Buffer.from([0])]))).toEqual([
      'TBSCertificate has trailing bytes',
    ]);
  });
  it.each<[string, Partial<CertificateTemplate> & { keyType?: 'rsa1024' | 'ed25519' | 'p521' }, RegExp]>([
    ['short serial', { serial: Buffer.from('01020304', 'hex') }, /serial must be 8..20/],
    ['negative serial', { serial: Buffer.from('8102030405060708', 'hex') }, /positive/],
    ['inverted validity', { notAfter: new Date('2025-12-31T00:00:00Z') }, /precede/],
    [
      'outlives issuer',
      { notAfter: new Date('2041-01-01T00:00:00Z'), profile: { ...PROFILES.individual, maxYearsNew: 30 } },
      /exceeds the issuer/,
    ],
    ['before issuer', { notBefore: new Date('2024-01-01T00:00:00Z') }, /precedes the issuer/],
    ['over 5 years', { notAfter: new Date('2031-01-02T00:00:00Z') }, /exceeds 5 years/],
    ['renewal over 3 years', { notAfter: new Date('2029-01-02T00:00:00Z'), renewal: true }, /exceeds 3 years/],
    ['RSA-1024', { keyType: 'rsa1024' }, /RSA key of 1024 bits/],
    ['Ed25519', { keyType: 'ed25519' }, /key type ed25519/],
    ['P-521', { keyType: 'p521' }, /curve secp521r1/],
    [
      'end-entity keyCertSign',
      { profile: { ...PROFILES.individual, keyUsage: ['digitalSignature', 'keyCertSign'] } as Profile },
      /keyCertSign/,
    ],
    [
      'EC keyEncipherment',
      { profile: { ...PROFILES.individual, keyUsage: ['digitalSignature', 'keyEncipherment'] } as Profile },
      /keyEncipherment/,
    ],
    ['documentSigning alone', { profile: { ...PROFILES.individual, eku: [OID.kpDocumentSigning] } }, /emailProtection/],
    ['TSA EKU not critical', { profile: { ...PROFILES.tsa, ekuCritical: false } }, /TSA/],
    ['responder without nocheck', { profile: { ...PROFILES['ocsp-responder'], ocspNoCheck: false } }, /OCSP responder/],
    ['no CRL URL', { issuer: { ...template().issuer, urls: { ocsp: 'http://x/ocsp' } } }, /CRL distribution point/],
    ['non-ASCII URL', { issuer: { ...template().issuer, urls: { crl: 'http://bộ.vn/a.crl', ocsp: 'http://x/o' } } }, /not an ASCII/],
    ['bad policy', { policies: ['1.2.x'] }, /not an OID/],
    ['issuer not a CA', { issuer: { ...template().issuer, isCa: false } }, /issuer is not a CA/],
  ])('fail/%s', (_n, o, re) => {
    const t = template(o);
    const p = problems(t);
    expect(p.join('; ')).toMatch(re);
    try {
      assertLint(t);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'LINT_FAILED')).toBe(true);
      expect((e as { details: { problems: string[] } }).details.problems.length).toBeGreaterThan(0);
    }
  });
});

describe('profiles and validity caps (Decree 68/2024)', () => {
  it('fail/unknown profile → PROFILE_UNKNOWN', () => {
    try {
      getProfile('super-admin');
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'PROFILE_UNKNOWN')).toBe(true);
    }
  });
  it('ok/caps: 5 years new, 3 years renewal; beyond → VALIDITY_INVALID', () => {
    const p = PROFILES.individual;
    expect(validityFor(p, nb, 5 * 365, false).toISOString()).toBe('2030-12-31T00:00:00.000Z');
    expect(validityFor(p, nb, 3 * 365, true).toISOString()).toBe('2028-12-31T00:00:00.000Z');
    for (const [days, renewal] of [
      [5 * 365 + 2, false],
      [3 * 365 + 2, true],
      [0, false],
      [1.5, false],
    ] as const) {
      try {
        validityFor(p, nb, days, renewal);
        expect.unreachable();
      } catch (e) {
        expect(isAppError(e, 'VALIDITY_INVALID')).toBe(true);
      }
    }
    expect(validityFor(PROFILES['issuing-ca'], nb, 20 * 365, false).getUTCFullYear()).toBe(2045);
  });
});
