import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  digestAlgorithmIdentifier,
  signatureAlgorithmIdentifier,
  type SignatureAlgorithm,
} from '../../../src/core/signature-algorithms.js';
import { implicitPrim, int, octets, oid, seq, set } from '../../../src/core/der.js';
import { FakeClock } from '../../../src/core/clock.js';
import { certificateInfo } from '../../../src/cms/certificate-info.js';
import { OID } from '../../../src/core/oids.js';
import { parseCms } from '../../../src/cms/parse.js';
import {
  assembleSignedData,
  attribute,
  buildSignedAttributes,
  encodeSignedData,
  essSigningCertificateV2Attribute,
  signDetachedCms,
} from '../../../src/cms/signed-data.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { parseTimestampResponse } from '../../../src/cms/timestamp-token.js';
import { essBinding, findSignerCertificate, verifySignerInfoSignature } from '../../../src/cms/verify.js';
import { keySigner, makeTestPki, SIGNER_EXT, TSA_EXT, type TestIdentity, type TestPki } from '../../interop/cms/test-pki.js';

let pki: TestPki;
let rsa: TestIdentity;
let p256: TestIdentity;
let p384: TestIdentity;

beforeAll(() => {
  pki = makeTestPki();
  rsa = pki.issue('u-rsa', 'rsa', SIGNER_EXT);
  p256 = pki.issue('u-p256', 'p256', SIGNER_EXT);
  p384 = pki.issue('u-p384', 'p384', SIGNER_EXT);
}, 60_000);

describe('signed attributes', () => {
  it('are a DER SET OF with content-type, message-digest, ESS v2 and no signing-time', () => {
    const digest = createHash('sha256').update('x').digest();
    const attrs = buildSignedAttributes({ contentDigest: digest, digestAlgorithm: 'sha256', signerCertificate: rsa.cert });
    expect(attrs[0]).toBe(0x31);
    const cms = assembleSignedData({
      signedAttributes: attrs,
      signature: Buffer.alloc(256),
      algorithm: 'RSA-PKCS1-SHA256',
      digestAlgorithm: 'sha256',
      signerCertificate: rsa.cert,
      certificates: [],
    });
    const si = parseCms(cms).signerInfos[0]!;
    expect(si.signedAttributes.map((a) => a.type).sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort());
    expect(si.signedAttributesDerSorted).toBe(true);
    expect(si.messageDigest!.equals(digest)).toBe(true);
    expect(si.signedAttributesDer!.equals(attrs)).toBe(true);
    expect(essBinding(si, rsa.cert)).toBe('match');
    expect(essBinding(si, p256.cert)).toBe('mismatch');
  });

  it('refuses a digest of the wrong length (misuse → TypeError)', () => {
    expect(() =>
      buildSignedAttributes({ contentDigest: Buffer.alloc(20), digestAlgorithm: 'sha256', signerCertificate: rsa.cert }),
    ).toThrow(TypeError);
  });
});

describe('verifySignerInfoSignature', () => {
  const algs: Array<[SignatureAlgorithm, () => TestIdentity]> = [
    ['RSA-PKCS1-SHA256', () => rsa],
    ['RSA-PKCS1-SHA384', () => rsa],
    ['RSA-PSS-SHA256', () => rsa],
    ['RSA-PSS-SHA512', () => rsa],
    ['ECDSA-SHA256', () => p256],
    ['ECDSA-SHA384', () => p384],
  ];
  it.each(algs)('%s: verifies, and fails on a flipped signed-attribute byte', async (alg, id) => {
    const who = id();
    const cms = await signDetachedCms({
      contentDigest: randomBytes(alg.endsWith('384') ? 48 : alg.endsWith('512') ? 64 : 32),
      signer: keySigner(who, alg),
      signerCertificate: who.cert,
      certificates: [pki.root.cert],
    });
    const parsed = parseCms(cms);
    const si = parsed.signerInfos[0]!;
    const cert = findSignerCertificate(si, parsed.certificates);
    expect(cert?.equals(who.cert)).toBe(true);
    expect(verifySignerInfoSignature(si, certificateInfo(cert!).spki)).toBe(true);
    const tampered = { ...si, signedAttributesDer: Buffer.from(si.signedAttributesDer!) };
    tampered.signedAttributesDer[tampered.signedAttributesDer.length - 1]! ^= 1;
    expect(verifySignerInfoSignature(tampered, certificateInfo(cert!).spki)).toBe(false);
    expect(verifySignerInfoSignature(si, certificateInfo(p256.cert === who.cert ? rsa.cert : p256.cert).spki)).toBe(false);
  });

  it('reports unsorted signed attributes and still verifies them as transmitted; finds a signer by subjectKeyIdentifier', async () => {
    const digest = createHash('sha256').update('y').digest();
    const unsorted = set(
      essSigningCertificateV2Attribute(p256.cert),
      attribute(OID.messageDigest, octets(digest)),
      attribute(OID.contentType, oid(OID.data)),
    );
    const sig = await keySigner(p256).sign(unsorted);
    const signed = Buffer.from(unsorted);
    signed[0] = 0xa0;
    const ski = certificateInfo(p256.cert).subjectKeyIdentifier!;
    const signerInfo = seq(
      int(3),
      implicitPrim(0, ski),
      digestAlgorithmIdentifier('sha256'),
      signed,
      signatureAlgorithmIdentifier('ECDSA-SHA256'),
      octets(sig),
    );
    const cms = encodeSignedData({ digestAlgorithm: 'sha256', signerCertificate: p256.cert, certificates: [rsa.cert], signerInfo });
    const parsed = parseCms(cms);
    const si = parsed.signerInfos[0]!;
    expect(si.signedAttributesDerSorted).toBe(false);
    expect(si.sid.kind).toBe('subjectKeyIdentifier');
    expect(findSignerCertificate(si, [rsa.cert, p256.cert])?.equals(p256.cert)).toBe(true);
    expect(verifySignerInfoSignature(si, certificateInfo(p256.cert).spki)).toBe(true);
  });
});

describe('parseCms rejects malformed input with CMS_MALFORMED', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('%PDF-1.7 garbage')],
    ['truncated length', Buffer.from([0x30, 0x82, 0xff, 0xff, 0x06])],
    ['not SignedData', seq(oid(OID.data), Buffer.from([0xa0, 0x02, 0x04, 0x00]))],
    ['deep nesting', Buffer.concat([...Array.from({ length: 100 }, () => Buffer.from([0x30, 0x80]))])],
  ])('%s', (_n, der) => {
    expect(() => parseCms(der)).toThrow(expect.objectContaining({ code: 'CMS_MALFORMED' }));
  });

  it('truncations of a real CMS never crash with anything but CMS_MALFORMED', async () => {
    const cms = await signDetachedCms({
      contentDigest: randomBytes(32),
      signer: keySigner(p256),
      signerCertificate: p256.cert,
      certificates: [],
    });
    for (let n = 0; n < cms.length; n += 7) {
      expect(() => parseCms(cms.subarray(0, n))).toThrow(expect.objectContaining({ code: 'CMS_MALFORMED' }));
    }
  });
});

describe('TSA core never throws on hostile requests', () => {
  it('arbitrary bytes always yield a rejection TimeStampResp', async () => {
    const tsaId = pki.issue('u-tsa', 'p256', TSA_EXT);
    const tsa = createTimestampAuthority({
      signer: keySigner(tsaId),
      certificate: tsaId.cert,
      policyOid: '1.2.3.4',
      clock: new FakeClock(Date.now()),
    });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const r = parseTimestampResponse(await tsa.respond(Buffer.from(bytes)));
        expect(r.status).toBe(2);
        expect(r.token).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('ECDSA signature encodings', () => {
  it('raw r||s from WebCrypto-style signing converts to DER that node verifies, and back', async () => {
    const { ecdsaDerToRaw, ecdsaRawToDer } = await import('../../../src/cms/ecdsa-signature.js');
    const { sign, verify, createPublicKey } = await import('node:crypto');
    for (const id of [p256, p384]) {
      const bytes = id === p256 ? 32 : 48;
      for (let i = 0; i < 20; i++) {
        const data = randomBytes(50);
        const raw = sign(id === p256 ? 'sha256' : 'sha384', data, { key: id.key, dsaEncoding: 'ieee-p1363' });
        const der = ecdsaRawToDer(raw);
        expect(verify(id === p256 ? 'sha256' : 'sha384', data, createPublicKey(id.key), der)).toBe(true);
        expect(ecdsaDerToRaw(der, bytes).equals(raw)).toBe(true);
      }
    }
    expect(() => ecdsaDerToRaw(Buffer.from('nope'), 32)).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }));
  });
});
