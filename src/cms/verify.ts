import { constants, createHash, createPublicKey, createVerify, verify as nodeVerify, type Hash, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { certificateInfo, namesEqual } from './certificate-info.js';
import { children, decodeSmallInt, readDer } from '../core/der-reader.js';
import { HASH_BY_OID, OID, SHAKE256_OUTPUT_BYTES, type AnyHashName } from '../core/oids.js';
import { algorithmIdentifier, type AlgorithmIdentifierValue, type EssCertId, type ParsedSignerInfo } from './parse.js';

/**
 * Verification helpers for SignerInfos (RFC 5652 §5.6) and X.509-style signed structures with
 * node:crypto: RSA PKCS#1 v1.5 (RFC 8017), RSASSA-PSS with explicit parameters (RFC 4055/4056),
 * ECDSA with X9.62 DER or plain r||s (BSI TR-03111) signatures, SHA-2 and SHA-3 (RFC 5754,
 * NIST CSOR), Ed25519/Ed448 (RFC 8419). Algorithms we cannot check are reported, never guessed.
 */

export type SignatureScheme =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: AnyHashName }
  | { readonly kind: 'rsa-pss'; readonly hash: AnyHashName; readonly mgfHash: AnyHashName; readonly saltLength: number }
  | { readonly kind: 'ecdsa'; readonly hash: AnyHashName; readonly plain: boolean }
  | { readonly kind: 'eddsa'; readonly curve: 'ed25519' | 'ed448' };

/**
 * What a signatureAlgorithm identifier means: a scheme we can verify (with a display name and the
 * hash the identifier itself binds, to compare with the SignerInfo's digestAlgorithm), or the OID
 * we cannot check (with the family name when the key algorithm is known but the digest is not).
 */
export type SchemeDescription =
  | { readonly supported: true; readonly scheme: SignatureScheme; readonly name: string; readonly boundHash: AnyHashName | undefined }
  | { readonly supported: false; readonly oid: string; readonly reason: string; readonly name?: string };

const RSA_WITH: Record<string, AnyHashName> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '2.16.840.1.101.3.4.3.13': 'sha3-224',
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
  '2.16.840.1.101.3.4.3.9': 'sha3-224',
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
  '0.4.0.127.0.7.1.1.4.1.8': 'sha3-224',
  '0.4.0.127.0.7.1.1.4.1.9': 'sha3-256',
  '0.4.0.127.0.7.1.1.4.1.10': 'sha3-384',
  '0.4.0.127.0.7.1.1.4.1.11': 'sha3-512',
};

/** A node:crypto Hash for any name we know; SHAKE256 with the 512-bit output of RFC 8419 §2.3. */
export function newHash(name: AnyHashName | string): Hash {
  return name === 'shake256' ? createHash('shake256', { outputLength: SHAKE256_OUTPUT_BYTES }) : createHash(name);
}

class Unsupported extends Error {
  constructor(
    readonly oid: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function pssParams(params: Buffer | undefined): { hash: AnyHashName; mgfHash: AnyHashName; saltLength: number } {
  // RFC 4055 §3.1 defaults: SHA-1, MGF1 with SHA-1, salt 20.
  let hash: AnyHashName = 'sha1';
  let mgfHash: AnyHashName = 'sha1';
  let saltLength = 20;
  if (params) {
    const C = 'CMS_MALFORMED';
    for (const p of children(readDer(params, 0, C), C)) {
      const [inner] = children(p, C);
      if (!inner) continue;
      if (p.tag === 0xa0) {
        const h = algorithmIdentifier(inner, 'hashAlgorithm').oid;
        hash = HASH_BY_OID[h] ?? unsupportedAlg(h, 'PSS hash');
      } else if (p.tag === 0xa1) {
        const mgf = algorithmIdentifier(inner, 'maskGenAlgorithm');
        if (mgf.oid !== OID.mgf1 || !mgf.params) unsupportedAlg(mgf.oid, 'PSS mask generation');
        const h = algorithmIdentifier(readDer(mgf.params, 0, C), 'mgf1 hash').oid;
        mgfHash = HASH_BY_OID[h] ?? unsupportedAlg(h, 'MGF1 hash');
      } else if (p.tag === 0xa2) saltLength = decodeSmallInt(inner, C);
    }
  }
  // node:crypto uses the message hash for MGF1 (RFC 8017 §9.1 allows others, nobody uses them)
  if (mgfHash !== hash) unsupportedAlg(OID.mgf1, 'PSS with a different MGF1 hash');
  return { hash, mgfHash, saltLength };
}

function unsupportedAlg(oid: string, reason: string): never {
  throw new Unsupported(oid, reason);
}

/**
 * Describe a signature AlgorithmIdentifier; `digestOid` is the SignerInfo's digestAlgorithm, which
 * the bare key OIDs (rsaEncryption, id-ecPublicKey) rely on. Never throws for unknown algorithms;
 * malformed PSS parameters are CMS_MALFORMED.
 */
export function describeSignatureAlgorithm(alg: Pick<AlgorithmIdentifierValue, 'oid' | 'params'>, digestOid?: string): SchemeDescription {
  const { oid, params } = alg;
  const digest = digestOid === undefined ? undefined : HASH_BY_OID[digestOid];
  const ok = (scheme: SignatureScheme, name: string, boundHash: AnyHashName | undefined): SchemeDescription => ({
    supported: true,
    scheme,
    name,
    boundHash,
  });
  const no = (reason: string, id = oid, name?: string): SchemeDescription =>
    name ? { supported: false, oid: id, reason, name } : { supported: false, oid: id, reason };
  if (RSA_WITH[oid]) return ok({ kind: 'rsa-pkcs1', hash: RSA_WITH[oid]! }, `RSA-${RSA_WITH[oid]}`, RSA_WITH[oid]);
  if (oid === OID.rsaEncryption)
    return digest ? ok({ kind: 'rsa-pkcs1', hash: digest }, 'RSA', undefined) : no('digest algorithm', digestOid ?? oid, 'RSA');
  if (oid === OID.rsaPss) {
    try {
      const p = pssParams(params);
      return ok({ kind: 'rsa-pss', ...p }, `RSA-PSS-${p.hash}`, p.hash);
    } catch (e) {
      if (e instanceof Unsupported) return no(e.reason, e.oid);
      throw e;
    }
  }
  if (ECDSA_WITH[oid]) return ok({ kind: 'ecdsa', hash: ECDSA_WITH[oid]!, plain: false }, `ECDSA-${ECDSA_WITH[oid]}`, ECDSA_WITH[oid]);
  if (ECDSA_PLAIN[oid])
    return ok({ kind: 'ecdsa', hash: ECDSA_PLAIN[oid]!, plain: true }, `PLAIN-ECDSA-${ECDSA_PLAIN[oid]}`, ECDSA_PLAIN[oid]);
  if (oid === OID.ecPublicKey)
    return digest
      ? ok({ kind: 'ecdsa', hash: digest, plain: false }, 'ECDSA', undefined)
      : no('digest algorithm', digestOid ?? oid, 'ECDSA');
  if (oid === OID.ed25519) return ok({ kind: 'eddsa', curve: 'ed25519' }, 'Ed25519', undefined);
  if (oid === OID.ed448) return ok({ kind: 'eddsa', curve: 'ed448' }, 'Ed448', undefined);
  return no('signature algorithm');
}

/** Signature scheme from a SignerInfo; throws CMS_MALFORMED (details.unsupportedAlgorithm) when unsupported. */
export function signatureScheme(si: Pick<ParsedSignerInfo, 'signatureAlgorithm' | 'digestAlgorithmOid'>): SignatureScheme {
  const d = describeSignatureAlgorithm(si.signatureAlgorithm, si.digestAlgorithmOid);
  if (!d.supported) throw new AppError('CMS_MALFORMED', `unsupported ${d.reason}`, { details: { unsupportedAlgorithm: d.oid } });
  return d.scheme;
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

/** Key types a scheme may be checked with: no algorithm confusion (an ECDSA value "verified" as RSA). */
function keyFits(scheme: SignatureScheme, key: KeyObject): boolean {
  const t = key.asymmetricKeyType;
  if (scheme.kind === 'rsa-pkcs1' || scheme.kind === 'rsa-pss') return t === 'rsa' || t === 'rsa-pss';
  if (scheme.kind === 'ecdsa') return t === 'ec';
  return t === scheme.curve;
}

/** Verify `signature` over `data` chunks with a scheme; false on any cryptographic mismatch or unusable key. */
export function verifyWithScheme(
  scheme: SignatureScheme,
  spki: Buffer | KeyObject,
  data: Buffer | readonly Buffer[],
  signature: Buffer,
): boolean {
  const chunks = Buffer.isBuffer(data) ? [data] : data;
  try {
    const key = toKey(spki);
    if (!keyFits(scheme, key)) return false;
    if (scheme.kind === 'eddsa') return nodeVerify(null, Buffer.concat(chunks), key, signature);
    const v = createVerify(scheme.hash);
    for (const c of chunks) v.update(c);
    if (scheme.kind === 'rsa-pss')
      return v.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature);
    if (scheme.kind === 'ecdsa') return v.verify({ key, dsaEncoding: scheme.plain ? 'ieee-p1363' : 'der' }, signature);
    return v.verify(key, signature);
  } catch {
    return false;
  }
}

/**
 * Verify an X.509-style signed structure, SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }
 * (certificates RFC 5280 §4.1.1, CRLs §5.1.1, BasicOCSPResponse RFC 6960 §4.2.1), over the tbs
 * bytes as transmitted. False when malformed, unsupported or not verifying: never throws.
 */
export function verifySignedStructure(der: Buffer, spki: Buffer | KeyObject): boolean {
  try {
    const [tbs, algNode, bits] = children(readDer(der));
    if (!tbs || !bits || bits.tag !== 0x03) return false;
    const d = describeSignatureAlgorithm(algorithmIdentifier(algNode, 'signatureAlgorithm'));
    if (!d.supported) return false;
    return verifyWithScheme(d.scheme, spki, tbs.raw, bits.content.subarray(1));
  } catch {
    return false;
  }
}

/**
 * Verify the SignerInfo's signature value: over the signed attributes as transmitted (re-tagged
 * SET, RFC 5652 §5.4), or, when there are none, over the content (give `content` chunks).
 * Throws CMS_MALFORMED (details.unsupportedAlgorithm) for algorithms we cannot check.
 */
export function verifySignerInfoSignature(
  si: ParsedSignerInfo,
  signerSpki: Buffer | KeyObject,
  content?: Buffer | readonly Buffer[],
): boolean {
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

export type EssBinding = 'absent' | 'match' | 'mismatch' | 'unsupported-hash';

/**
 * Does the signing-certificate(-v2) attribute bind `cert` (RFC 5035 §5.4; ETSI EN 319 102-1
 * §5.2.5)? The first ESSCertIDv2 is used when present (it supersedes v1), else the first ESSCertID.
 * 'absent' when neither attribute, 'match' when its hash (and IssuerSerial, when present) equal the
 * certificate's, 'mismatch' otherwise; `version` says which attribute decided.
 */
export function essBindingDetail(
  si: Pick<ParsedSignerInfo, 'essCertIds'>,
  cert: Buffer,
): { binding: EssBinding; version: 1 | 2 | undefined } {
  const first: EssCertId | undefined = si.essCertIds.find((e) => e.version === 2) ?? si.essCertIds[0];
  if (!first) return { binding: 'absent', version: undefined };
  const result = (binding: EssBinding) => ({ binding, version: first.version });
  const hash = first.hashAlgorithm;
  if (!Object.values(HASH_BY_OID).includes(hash as AnyHashName) || hash === 'shake256') return result('unsupported-hash');
  if (!newHash(hash).update(cert).digest().equals(first.certHash)) return result('mismatch');
  if (first.issuerSerial) {
    let info;
    try {
      info = certificateInfo(cert);
    } catch {
      return result('mismatch');
    }
    if (info.serialNumber !== first.issuerSerial.serialNumber) return result('mismatch');
    if (!first.issuerSerial.issuerNames.some((n) => namesEqual(n, info.issuer))) return result('mismatch');
  }
  return result('match');
}

/** essBindingDetail without the version. */
export function essBinding(si: Pick<ParsedSignerInfo, 'essCertIds'>, cert: Buffer): EssBinding {
  return essBindingDetail(si, cert).binding;
}
