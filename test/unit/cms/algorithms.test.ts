import { createHash, generateKeyPairSync, randomBytes, sign, constants, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { algId, bits, int, octets, seq } from '../../../src/core/der.js';
import { OID } from '../../../src/core/oids.js';
import type { EssCertId } from '../../../src/cms/parse.js';
import {
  describeSignatureAlgorithm,
  essBindingDetail,
  newHash,
  signatureScheme,
  verifySignedStructure,
  verifyWithScheme,
} from '../../../src/cms/verify.js';

const spki = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' });
const data = randomBytes(100);
const ed448 = generateKeyPairSync('ed448');
const ed25519 = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('describeSignatureAlgorithm', () => {
  it('knows SHA-3 RSA/ECDSA, plain ECDSA with SHA-3 (BSI TR-03111), Ed448, and bare key OIDs with the digest', () => {
    expect(describeSignatureAlgorithm({ oid: '2.16.840.1.101.3.4.3.14', params: undefined })).toMatchObject({
      supported: true,
      name: 'RSA-sha3-256',
      boundHash: 'sha3-256',
    });
    expect(describeSignatureAlgorithm({ oid: '2.16.840.1.101.3.4.3.9', params: undefined })).toMatchObject({
      supported: true,
      name: 'ECDSA-sha3-224',
    });
    expect(describeSignatureAlgorithm({ oid: '0.4.0.127.0.7.1.1.4.1.9', params: undefined })).toMatchObject({
      supported: true,
      name: 'PLAIN-ECDSA-sha3-256',
      scheme: { kind: 'ecdsa', plain: true },
    });
    expect(describeSignatureAlgorithm({ oid: OID.ed448, params: undefined })).toMatchObject({
      supported: true,
      name: 'Ed448',
      scheme: { kind: 'eddsa', curve: 'ed448' },
    });
    expect(describeSignatureAlgorithm({ oid: OID.rsaEncryption, params: undefined }, OID.sha512)).toMatchObject({
      supported: true,
      name: 'RSA',
      boundHash: undefined,
      scheme: { hash: 'sha512' },
    });
  });

  it('reports (does not throw) what it cannot check; signatureScheme throws CMS_MALFORMED with the OID', () => {
    expect(describeSignatureAlgorithm({ oid: '1.2.3.4', params: undefined })).toEqual({
      supported: false,
      oid: '1.2.3.4',
      reason: 'signature algorithm',
    });
    expect(describeSignatureAlgorithm({ oid: OID.rsaEncryption, params: undefined }, '1.2.840.113549.1.1.11')).toMatchObject({
      supported: false,
      name: 'RSA',
    });
    // PSS with SHA-256 but MGF1-SHA-1: node:crypto cannot check it
    const pss = seq(seq(algId(OID.sha256)).fill(0xa0, 0, 1), seq(algId(OID.mgf1, algId(OID.sha1))).fill(0xa1, 0, 1));
    expect(describeSignatureAlgorithm({ oid: OID.rsaPss, params: pss })).toMatchObject({ supported: false, oid: OID.mgf1 });
    expect(() =>
      signatureScheme({ signatureAlgorithm: { oid: '1.2.3.4', params: undefined, raw: Buffer.alloc(0) }, digestAlgorithmOid: OID.sha256 }),
    ).toThrow(expect.objectContaining({ code: 'CMS_MALFORMED', details: { unsupportedAlgorithm: '1.2.3.4' } }));
  });
});

describe('verifyWithScheme', () => {
  it('verifies Ed448, plain ECDSA over SHA3-256 and RSA-PSS; a flipped byte fails', () => {
    const e = sign(null, data, ed448.privateKey);
    expect(verifyWithScheme({ kind: 'eddsa', curve: 'ed448' }, spki(ed448.publicKey), data, e)).toBe(true);
    const p = sign('sha3-256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(
      verifyWithScheme({ kind: 'ecdsa', hash: 'sha3-256', plain: true }, spki(p256.publicKey), [data.subarray(0, 7), data.subarray(7)], p),
    ).toBe(true);
    const r = sign('sha384', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 });
    expect(verifyWithScheme({ kind: 'rsa-pss', hash: 'sha384', mgfHash: 'sha384', saltLength: 48 }, spki(rsa.publicKey), data, r)).toBe(
      true,
    );
    e[3]! ^= 1;
    expect(verifyWithScheme({ kind: 'eddsa', curve: 'ed448' }, spki(ed448.publicKey), data, e)).toBe(false);
  });

  it('refuses a key of another type (no algorithm confusion)', () => {
    const ec = sign('sha256', data, p256.privateKey);
    expect(verifyWithScheme({ kind: 'ecdsa', hash: 'sha256', plain: false }, p256.publicKey, data, ec)).toBe(true);
    expect(verifyWithScheme({ kind: 'rsa-pkcs1', hash: 'sha256' }, p256.publicKey, data, ec)).toBe(false);
    const ed = sign(null, data, ed25519.privateKey);
    expect(verifyWithScheme({ kind: 'eddsa', curve: 'ed448' }, ed25519.publicKey, data, ed)).toBe(false);
    expect(verifyWithScheme({ kind: 'eddsa', curve: 'ed25519' }, ed25519.publicKey, data, ed)).toBe(true);
  });
});

describe('verifySignedStructure (X.509-style SEQUENCE { tbs, alg, BIT STRING })', () => {
  it('verifies over the tbs as transmitted, never throws on garbage', () => {
    const tbs = seq(int(42), octets(Buffer.from('crl or ocsp tbs')));
    const sig = sign('sha256', tbs, p256.privateKey);
    const signed = seq(tbs, algId('1.2.840.10045.4.3.2'), bits(sig));
    expect(verifySignedStructure(signed, spki(p256.publicKey))).toBe(true);
    expect(verifySignedStructure(seq(tbs, algId('1.2.840.10045.4.3.3'), bits(sig)), spki(p256.publicKey))).toBe(false);
    expect(verifySignedStructure(seq(tbs, algId(OID.rsaEncryption, 'null'), bits(sig)), spki(p256.publicKey))).toBe(false);
    expect(verifySignedStructure(signed.subarray(0, 20), spki(p256.publicKey))).toBe(false);
  });
});

describe('essBindingDetail', () => {
  const cert = randomBytes(300);
  const id = (version: 1 | 2, hashAlgorithm: string, certHash: Buffer): EssCertId => ({ version, hashAlgorithm, certHash });
  it('prefers ESSCertIDv2 over v1 whatever the attribute order, and says which decided', () => {
    const v1bad = id(1, 'sha1', Buffer.alloc(20));
    const v2good = id(2, 'sha256', createHash('sha256').update(cert).digest());
    expect(essBindingDetail({ essCertIds: [v1bad, v2good] }, cert)).toEqual({ binding: 'match', version: 2 });
    expect(essBindingDetail({ essCertIds: [id(1, 'sha1', createHash('sha1').update(cert).digest())] }, cert)).toEqual({
      binding: 'match',
      version: 1,
    });
    expect(essBindingDetail({ essCertIds: [v1bad] }, cert)).toEqual({ binding: 'mismatch', version: 1 });
    expect(essBindingDetail({ essCertIds: [id(2, 'sha3-256', newHash('sha3-256').update(cert).digest())] }, cert).binding).toBe('match');
    expect(essBindingDetail({ essCertIds: [id(2, '1.2.3', Buffer.alloc(32))] }, cert).binding).toBe('unsupported-hash');
    expect(essBindingDetail({ essCertIds: [] }, cert)).toEqual({ binding: 'absent', version: undefined });
  });
  it('newHash gives SHAKE256 its 512-bit CMS output (RFC 8419)', () => {
    expect(newHash('shake256').update(cert).digest().length).toBe(64);
  });
});
