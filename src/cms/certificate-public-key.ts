import { createPublicKey, type KeyObject } from 'node:crypto';
import { certificateInfo } from './certificate-info.js';

/**
 * The public key of a certificate (its SubjectPublicKeyInfo, RFC 5280 §4.1.2.7) as node:crypto
 * verifies with it, cached per Buffer object: hand it an interned certificate
 * (./certificate-intern.ts) so that every signature of one signer decodes the key once instead of
 * parsing the whole certificate with X509Certificate each time.
 */
export function certificatePublicKey(der: Buffer): KeyObject {
  const hit = keys.get(der);
  if (hit) return hit;
  const key = createPublicKey({ key: certificateInfo(der, 'SIGNER_CERT_INVALID').spki, format: 'der', type: 'spki' });
  keys.set(der, key);
  return key;
}

const keys = new WeakMap<Buffer, KeyObject>();
