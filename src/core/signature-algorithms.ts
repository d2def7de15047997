import { sign as nodeSign, verify as nodeVerify, constants, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import { algId, int, explicit, seq, NULL, type Der } from './der.js';

/**
 * Signature algorithms the service produces and accepts, with their X.509/CMS identifiers
 * (RFC 4055 for RSA-PSS, RFC 5758 for ECDSA, RFC 8017 for PKCS#1 v1.5) and Node's native
 * parameters. Private-key operations always go through node:crypto (never node-forge).
 */
export const SIGNATURE_ALGORITHMS = [
  'RSA-PKCS1-SHA256',
  'RSA-PKCS1-SHA384',
  'RSA-PKCS1-SHA512',
  'RSA-PSS-SHA256',
  'RSA-PSS-SHA384',
  'RSA-PSS-SHA512',
  'ECDSA-SHA256',
  'ECDSA-SHA384',
  'ECDSA-SHA512',
] as const;

export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export type HashName = 'sha256' | 'sha384' | 'sha512';

export const HASH_OIDS: Readonly<Record<HashName, string>> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

export const HASH_LENGTHS: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

const RSA_PKCS1_OIDS: Record<HashName, string> = {
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};
const ECDSA_OIDS: Record<HashName, string> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};
export const OID_RSA_PSS = '1.2.840.113549.1.1.10';
export const OID_MGF1 = '1.2.840.113549.1.1.8';
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

export function hashOf(alg: SignatureAlgorithm): HashName {
  return alg.endsWith('SHA512') ? 'sha512' : alg.endsWith('SHA384') ? 'sha384' : 'sha256';
}

export function isRsa(alg: SignatureAlgorithm): boolean {
  return alg.startsWith('RSA-');
}

/** DER AlgorithmIdentifier for the signature algorithm (RFC 4055 §3.1 for PSS params). */
export function signatureAlgorithmIdentifier(alg: SignatureAlgorithm): Der {
  const h = hashOf(alg);
  if (alg.startsWith('RSA-PKCS1')) return algId(RSA_PKCS1_OIDS[h], 'null');
  if (alg.startsWith('ECDSA')) return algId(ECDSA_OIDS[h]);
  const hashAlg = algId(HASH_OIDS[h], 'null');
  return algId(OID_RSA_PSS, seq(explicit(0, hashAlg), explicit(1, algId(OID_MGF1, hashAlg)), explicit(2, int(HASH_LENGTHS[h]))));
}

/** DER AlgorithmIdentifier for a digest (parameters NULL, as most verifiers expect). */
export function digestAlgorithmIdentifier(h: HashName): Der {
  return algId(HASH_OIDS[h], 'null');
}

export function nullParams(): Der {
  return NULL;
}

/** Sign `data` (not a digest) with a native key. ECDSA output is DER (X9.62), as X.509/CMS need. */
export function signWithKey(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  return nodeSign(hashOf(alg), data, nativeKey(alg, key));
}

/** The key as node:crypto takes it: RSA-PSS with the salt length of its hash (RFC 4055 §3.1). */
function nativeKey(alg: SignatureAlgorithm, key: KeyObject): KeyObject | SignKeyObjectInput {
  return alg.startsWith('RSA-PSS') ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTHS[hashOf(alg)] } : key;
}

/**
 * As `signWithKey`, on libuv's threadpool (node:crypto's callback form) for RSA: the private-key
 * operation of one document (milliseconds at 3072 bits and more) runs while the main thread
 * prepares the next (batch signing), and never blocks the event loop. An elliptic-curve or EdDSA
 * signature costs less than the trip to the threadpool and back (P-256: about 0.06 ms of CPU
 * inline, 0.15 ms through the pool), so those are made inline. The same encoding as the synchronous form.
 */
export function signWithKeyAsync(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array): Promise<Buffer> {
  if (INLINE_KEY_TYPES.has(key.asymmetricKeyType ?? '')) {
    try {
      return Promise.resolve(signWithKey(alg, key, data));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return new Promise((resolve, reject) =>
    nodeSign(hashOf(alg), data, nativeKey(alg, key), (err, sig) => (err ? reject(err) : resolve(sig))),
  );
}

const INLINE_KEY_TYPES: ReadonlySet<string> = new Set(['ec', 'ed25519', 'ed448']);

export function verifyWithKey(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const h = hashOf(alg);
  try {
    if (alg.startsWith('RSA-PSS')) {
      return nodeVerify(h, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTHS[h] }, signature);
    }
    return nodeVerify(h, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Something that can produce signatures: a key in our key store, a PKCS#11 token, or a
 * remote party in two-phase signing. X.509 and CMS builders take this, never a raw key.
 */
export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  /** SubjectPublicKeyInfo DER of the signing key. */
  readonly publicKeySpki: Buffer;
  sign(data: Uint8Array): Promise<Buffer>;
}

/** Default signature algorithm for a key: RSA → PKCS#1 v1.5 SHA-256, P-256 → ECDSA-SHA256, P-384 → ECDSA-SHA384. */
export function defaultAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RSA-PKCS1-SHA256';
  if (key.asymmetricKeyType === 'rsa-pss') return 'RSA-PSS-SHA256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'ECDSA-SHA384';
    if (curve === 'secp521r1') return 'ECDSA-SHA512';
    return 'ECDSA-SHA256';
  }
  throw new TypeError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
}
