/**
 * Digest and signature algorithm identifiers accepted by the validator (RFC 5754, RFC 4055,
 * RFC 5758, RFC 8419, BSI TR-03111 plain ECDSA) and verification with node:crypto only.
 */
import { createHash, createPublicKey, verify as nodeVerify, constants, type KeyObject, type Hash } from 'node:crypto';
import { children, content, isContext, oid, readTlv, intValue, type Tlv } from './asn1.js';

export const DIGEST_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.7': 'sha3-224',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
  '2.16.840.1.101.3.4.2.12': 'shake256',
  '1.2.840.113549.2.5': 'md5',
};

/** Digests considered too weak for new signatures (ETSI TS 119 312); reported, policy decides. */
export const WEAK_DIGESTS = new Set(['md5', 'sha1']);

export function newHash(name: string): Hash {
  return name === 'shake256' ? createHash('shake256', { outputLength: 64 }) : createHash(name);
}

export interface SigAlg {
  readonly kind: 'rsa' | 'rsa-pss' | 'ecdsa' | 'ecdsa-plain' | 'ed25519' | 'ed448';
  /** Hash bound by the algorithm identifier itself, if any. */
  readonly hash: string | undefined;
  readonly saltLength?: number;
  readonly name: string;
}

const RSA: Record<string, string> = { '5': 'sha1', '14': 'sha224', '11': 'sha256', '12': 'sha384', '13': 'sha512' };
const ECDSA: Record<string, string> = { '1': 'sha224', '2': 'sha256', '3': 'sha384', '4': 'sha512' };
const PLAIN: Record<string, string> = { '1': 'sha1', '2': 'sha224', '3': 'sha256', '4': 'sha384', '5': 'sha512', '8': 'sha3-224', '9': 'sha3-256', '10': 'sha3-384', '11': 'sha3-512' };
const NIST_SIG: Record<string, [SigAlg['kind'], string]> = {
  '9': ['ecdsa', 'sha3-224'], '10': ['ecdsa', 'sha3-256'], '11': ['ecdsa', 'sha3-384'], '12': ['ecdsa', 'sha3-512'],
  '13': ['rsa', 'sha3-224'], '14': ['rsa', 'sha3-256'], '15': ['rsa', 'sha3-384'], '16': ['rsa', 'sha3-512'],
};

/** Maps an AlgorithmIdentifier TLV to a signature algorithm; undefined when unsupported. */
export function signatureAlgorithm(alg: Tlv): SigAlg | undefined {
  const parts = children(alg);
  const o = oid(parts[0]!);
  const last = o.split('.').pop()!;
  if (o === '1.2.840.113549.1.1.1') return { kind: 'rsa', hash: undefined, name: 'RSA' };
  if (o.startsWith('1.2.840.113549.1.1.') && RSA[last]) return { kind: 'rsa', hash: RSA[last], name: `RSA-${RSA[last]}` };
  if (o === '1.2.840.113549.1.1.10') {
    let hash = 'sha1';
    let saltLength = 20;
    const params = parts[1];
    if (params && params.cons) {
      for (const p of children(params)) {
        if (isContext(p, 0)) hash = DIGEST_OIDS[oid(children(children(p)[0]!)[0]!)] ?? 'unknown';
        if (isContext(p, 2)) saltLength = Number(intValue(children(p)[0]!));
      }
    }
    return { kind: 'rsa-pss', hash, saltLength, name: `RSA-PSS-${hash}` };
  }
  if (o === '1.2.840.10045.2.1') return { kind: 'ecdsa', hash: undefined, name: 'ECDSA' };
  if (o === '1.2.840.10045.4.1') return { kind: 'ecdsa', hash: 'sha1', name: 'ECDSA-sha1' };
  if (o.startsWith('1.2.840.10045.4.3.') && ECDSA[last]) return { kind: 'ecdsa', hash: ECDSA[last], name: `ECDSA-${ECDSA[last]}` };
  if (o.startsWith('0.4.0.127.0.7.1.1.4.1.') && PLAIN[last]) return { kind: 'ecdsa-plain', hash: PLAIN[last], name: `PLAIN-ECDSA-${PLAIN[last]}` };
  if (o.startsWith('2.16.840.1.101.3.4.3.') && NIST_SIG[last]) {
    const [kind, hash] = NIST_SIG[last];
    return { kind, hash, name: `${kind.toUpperCase()}-${hash}` };
  }
  if (o === '1.3.101.112') return { kind: 'ed25519', hash: undefined, name: 'Ed25519' };
  if (o === '1.3.101.113') return { kind: 'ed448', hash: undefined, name: 'Ed448' };
  return undefined;
}

export function digestAlgorithm(alg: Tlv): string | undefined {
  return DIGEST_OIDS[oid(children(alg)[0]!)];
}

export function keyFromSpki(spki: Buffer): KeyObject {
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** Verifies `signature` over `data` (or over the concatenation of `data` parts). */
export function verifySignature(alg: SigAlg, digest: string | undefined, key: KeyObject, data: Buffer | Buffer[], signature: Buffer): boolean {
  const parts = Array.isArray(data) ? data : [data];
  const one = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  try {
    if (alg.kind === 'ed25519' || alg.kind === 'ed448') return nodeVerify(null, one, key, signature);
    const hash = alg.hash ?? digest;
    if (!hash) return false;
    if (alg.kind === 'rsa-pss') {
      return nodeVerify(hash, one, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 32 }, signature);
    }
    if (alg.kind === 'ecdsa-plain') return nodeVerify(hash, one, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (alg.kind === 'rsa' && key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
    if (alg.kind === 'ecdsa' && key.asymmetricKeyType !== 'ec') return false;
    return nodeVerify(hash, one, key, signature);
  } catch {
    return false;
  }
}

/** Verifies an X.509-style signed structure: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }. */
export function verifySignedStructure(der: Buffer, key: KeyObject): boolean {
  try {
    const top = children(readTlv(der));
    const alg = signatureAlgorithm(top[1]!);
    if (!alg) return false;
    const bits = content(top[2]!).subarray(1);
    const tbs = der.subarray(top[0]!.start, top[0]!.end);
    return verifySignature(alg, undefined, key, tbs, bits);
  } catch {
    return false;
  }
}
