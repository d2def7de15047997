import { constants, createHash, createPublicKey, createVerify, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { certificateInfo, namesEqual } from './certificate-info.js';
import { children, decodeSmallInt, readDer } from '../core/der-reader.js';
import { HASH_BY_OID, OID, type AnyHashName } from '../core/oids.js';
import { algorithmIdentifier, type ParsedSignerInfo } from './parse.js';

/**
 * Verification helpers for SignerInfos (RFC 5652 §5.6) with node:crypto: RSA PKCS#1 v1.5
 * (RFC 8017), RSASSA-PSS with explicit parameters (RFC 4055/4056), ECDSA with X9.62 DER or
 * plain r||s (BSI TR-03111) signatures, Ed25519/Ed448 (RFC 8419).
 */

export type SignatureScheme =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: AnyHashName }
  | { readonly kind: 'rsa-pss'; readonly hash: AnyHashName; readonly mgfHash: AnyHashName; readonly saltLength: number }
  | { readonly kind: 'ecdsa'; readonly hash: AnyHashName; readonly plain: boolean }
  | { readonly kind: 'eddsa'; readonly curve: 'ed25519' | 'ed448' };

const RSA_WITH: Record<string, AnyHashName> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '2.16.840.1.101.3.4.3.14': 'sha3-256',
  '2.16.840.1.101.3.4.3.15': 'sha3-384',
  '2.16.840.1.101.3.4.3.16': 'sha3-512',
};
const ECDSA_WITH: Record<string, AnyHashName> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '2.16.840.1.101.3.4.3.10': 'sha3-256',
  '2.16.840.1.101.3.4.3.11': 'sha3-384',
  '2.16.840.1.101.3.4.3.12': 'sha3-512',
};
/** BSI TR-03111 ecdsa-plain-SHA* (0.4.0.127.0.7.1.1.4.1.x). */
const ECDSA_PLAIN: Record<string, AnyHashName> = {
  '0.4.0.127.0.7.1.1.4.1.1': 'sha1',
  '0.4.0.127.0.7.1.1.4.1.2': 'sha224',
  '0.4.0.127.0.7.1.1.4.1.3': 'sha256',
  '0.4.0.127.0.7.1.1.4.1.4': 'sha384',
  '0.4.0.127.0.7.1.1.4.1.5': 'sha512',
};

function unsupported(what: string, oid: string): never {
  throw new AppError('CMS_MALFORMED', `unsupported ${what}`, { details: { unsupportedAlgorithm: oid } });
}

function pssParams(params: Buffer | undefined): { hash: AnyHashName; mgfHash: AnyHashName; saltLength: number } {
  // RFC 4055 §3.1 defaults: SHA-1, MGF1 with SHA-1, salt 20.
  let hash: AnyHashName = 'sha1';
  let mgfHash: AnyHashName = 'sha1';
  let saltLength = 20;
  if (params) {
    for (const p of children(readDer(params))) {
      const [inner] = children(p);
      if (!inner) continue;
      if (p.tag === 0xa0) hash = HASH_BY_OID[algorithmIdentifier(inner, 'hashAlgorithm').oid] ?? unsupported('PSS hash', 'pss');
      else if (p.tag === 0xa1) {
        const mgf = algorithmIdentifier(inner, 'maskGenAlgorithm');
        if (mgf.oid !== OID.mgf1 || !mgf.params) unsupported('PSS mask generation', mgf.oid);
        mgfHash = HASH_BY_OID[algorithmIdentifier(readDer(mgf.params), 'mgf1 hash').oid] ?? unsupported('MGF1 hash', 'mgf1');
      } else if (p.tag === 0xa2) saltLength = decodeSmallInt(inner);
    }
  }
  return { hash, mgfHash, saltLength };
}

/** Signature scheme from a SignerInfo's signatureAlgorithm (and digestAlgorithm for bare key OIDs). */
export function signatureScheme(si: Pick<ParsedSignerInfo, 'signatureAlgorithm' | 'digestAlgorithm' | 'digestAlgorithmOid'>): SignatureScheme {
  const { oid, params } = si.signatureAlgorithm;
  const digest = HASH_BY_OID[si.digestAlgorithmOid];
  if (RSA_WITH[oid]) return { kind: 'rsa-pkcs1', hash: RSA_WITH[oid]! };
  if (oid === OID.rsaEncryption) return { kind: 'rsa-pkcs1', hash: digest ?? unsupported('digest algorithm', si.digestAlgorithmOid) };
  if (oid === OID.rsaPss) return { kind: 'rsa-pss', ...pssParams(params) };
  if (ECDSA_WITH[oid]) return { kind: 'ecdsa', hash: ECDSA_WITH[oid]!, plain: false };
  if (ECDSA_PLAIN[oid]) return { kind: 'ecdsa', hash: ECDSA_PLAIN[oid]!, plain: true };
  if (oid === OID.ecPublicKey) return { kind: 'ecdsa', hash: digest ?? unsupported('digest algorithm', si.digestAlgorithmOid), plain: false };
  if (oid === OID.ed25519) return { kind: 'eddsa', curve: 'ed25519' };
  if (oid === OID.ed448) return { kind: 'eddsa', curve: 'ed448' };
  return unsupported('signature algorithm', oid);
}

// Importing an EC SPKI costs more than the verification itself (point validation), and the
// same few keys (our TSA, our CAs) recur: keep a small cache of imported keys.
const keyCache = new Map<string, KeyObject>();
function toKey(spki: Buffer | KeyObject): KeyObject {
  if (!Buffer.isBuffer(spki)) return spki;
  const id = spki.toString('base64');
  let key = keyCache.get(id);
  if (!key) {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (keyCache.size >= 256) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

/** Verify `signature` over `data` chunks with a scheme; false on any cryptographic mismatch. */
export function verifyWithScheme(scheme: SignatureScheme, spki: Buffer | KeyObject, data: Buffer | readonly Buffer[], signature: Buffer): boolean {
  const chunks = Buffer.isBuffer(data) ? [data] : data;
  try {
    const key = toKey(spki);
    if (scheme.kind === 'eddsa') return nodeVerify(null, Buffer.concat(chunks), key, signature);
    if (scheme.kind === 'rsa-pss' && scheme.mgfHash !== scheme.hash) unsupported('PSS with a different MGF1 hash', scheme.mgfHash);
    const v = createVerify(scheme.hash);
    for (const c of chunks) v.update(c);
    if (scheme.kind === 'rsa-pss') return v.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature);
    if (scheme.kind === 'ecdsa') return v.verify({ key, dsaEncoding: scheme.plain ? 'ieee-p1363' : 'der' }, signature);
    return v.verify(key, signature);
  } catch (e) {
    if (e instanceof AppError) throw e;
    return false;
  }
}

/**
 * Verify the SignerInfo's signature value: over the signed attributes as transmitted (re-tagged
 * SET, RFC 5652 §5.4), or, when there are none, over the content (give `content` chunks).
 * Throws CMS_MALFORMED (details.unsupportedAlgorithm) for algorithms we cannot check.
 */
export function verifySignerInfoSignature(si: ParsedSignerInfo, signerSpki: Buffer | KeyObject, content?: Buffer | readonly Buffer[]): boolean {
  const scheme = signatureScheme(si);
  if (si.signedAttributesDer) return verifyWithScheme(scheme, signerSpki, si.signedAttributesDer, si.signature);
  if (!content) throw new TypeError('verifySignerInfoSignature: no signed attributes, the content is needed');
  return verifyWithScheme(scheme, signerSpki, content, si.signature);
}

/** The certificate a SignerIdentifier designates (RFC 5652 §5.3), among `certificates`. */
export function findSignerCertificate(si: Pick<ParsedSignerInfo, 'sid'>, certificates: readonly Buffer[]): Buffer | undefined {
  for (const c of certificates) {
    let info;
    try {
      info = certificateInfo(c);
    } catch {
      continue;
    }
    if (si.sid.kind === 'subjectKeyIdentifier') {
      if (info.subjectKeyIdentifier?.equals(si.sid.keyIdentifier)) return c;
    } else if (info.serialNumber === si.sid.serialNumber && namesEqual(info.issuer, si.sid.issuer)) return c;
  }
  return undefined;
}

/**
 * Does the signing-certificate(-v2) attribute bind `cert` (RFC 5035 §5.4; ETSI EN 319 102-1
 * §5.2.5)? 'absent' when no attribute, 'match' when the first ESSCertID hash (and IssuerSerial,
 * when present) equal the certificate's, 'mismatch' otherwise.
 */
export function essBinding(si: ParsedSignerInfo, cert: Buffer): 'absent' | 'match' | 'mismatch' | 'unsupported-hash' {
  const first = si.essCertIds[0];
  if (!first) return 'absent';
  const hash = first.hashAlgorithm;
  if (!Object.values(HASH_BY_OID).includes(hash as AnyHashName) || hash === 'shake256') return 'unsupported-hash';
  if (!createHash(hash).update(cert).digest().equals(first.certHash)) return 'mismatch';
  if (first.issuerSerial) {
    const info = certificateInfo(cert);
    if (info.serialNumber !== first.issuerSerial.serialNumber) return 'mismatch';
    if (!first.issuerSerial.issuerNames.some((n) => namesEqual(n, info.issuer))) return 'mismatch';
  }
  return 'match';
}
