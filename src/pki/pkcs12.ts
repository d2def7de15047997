import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { explicit, int, octets, oid, seq, setOf, tlv, type Der } from '../core/der.js';
import { digestAlgorithmIdentifier } from '../core/signature-algorithms.js';
import { AppError } from '../core/errors.js';

/**
 * PKCS#12 (RFC 7292) for one-time delivery of a server-generated key with its chain.
 *
 * Built by hand because node-forge can only package RSA keys. Choices that open on OpenSSL 3
 * without `-legacy` and on Windows 10 1709+ / Server 2019+:
 * - key: pkcs8ShroudedKeyBag with PBES2 (PBKDF2-HMAC-SHA256) + AES-256-CBC, produced by
 *   node:crypto's own PKCS#8 encryption (RFC 8018 §6.2);
 * - certificates: an unencrypted SafeContents (they are public; avoids RC2/3DES entirely);
 * - integrity: HMAC-SHA256 with the key from the PKCS#12 KDF (RFC 7292 Appendix B.2, ID=3).
 * friendlyName and localKeyId (SHA-1 of the certificate, as OpenSSL and Windows pair them) are
 * set on the key bag and the end-entity certificate bag.
 */
const OIDS = {
  data: '1.2.840.113549.1.7.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;

const MAC_ITERATIONS = 2048;

function bmp(s: string): Buffer {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return b;
}

/** RFC 7292 Appendix B.2 key derivation (here only for the MAC key, ID=3, SHA-256). */
export function pkcs12Kdf(password: string, salt: Buffer, id: number, iterations: number, n: number, hash = 'sha256'): Buffer {
  const u = createHash(hash).digest().length;
  const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
  const pw = Buffer.concat([bmp(password), Buffer.from([0, 0])]);
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const len = v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const x = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

function attributes(friendlyName: string | undefined, localKeyId: Buffer): Der {
  const attrs = [seq(oid(OIDS.localKeyId), setOf([octets(localKeyId)]))];
  if (friendlyName) attrs.push(seq(oid(OIDS.friendlyName), setOf([tlv(0x1e, bmp(friendlyName))])));
  return setOf(attrs);
}

const dataContentInfo = (inner: Buffer): Der => seq(oid(OIDS.data), explicit(0, octets(inner)));

export interface Pkcs12Input {
  /** Unencrypted PKCS#8 DER of the private key. */
  readonly privateKeyPkcs8: Buffer;
  /** End-entity certificate DER. */
  readonly certificate: Buffer;
  /** Issuing CA(s) and root, DER. */
  readonly chain: readonly Buffer[];
  readonly password: string;
  readonly friendlyName?: string;
}

export function buildPkcs12(o: Pkcs12Input): Buffer {
  if (typeof o.password !== 'string' || o.password.length === 0) {
    throw new AppError('PKCS12_FAILED', 'a PKCS#12 password is required');
  }
  let encryptedKey: Buffer;
  try {
    encryptedKey = createPrivateKey({ key: o.privateKeyPkcs8, format: 'der', type: 'pkcs8' }).export({
      format: 'der',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: o.password,
    });
  } catch (e) {
    throw new AppError('PKCS12_FAILED', 'cannot encrypt the private key for PKCS#12', { cause: e });
  }
  const localKeyId = createHash('sha1').update(o.certificate).digest();
  const keyBag = seq(oid(OIDS.shroudedKeyBag), explicit(0, encryptedKey), attributes(o.friendlyName, localKeyId));
  const certBag = (der: Buffer, attrs?: Der): Der =>
    attrs
      ? seq(oid(OIDS.certBag), explicit(0, seq(oid(OIDS.x509Certificate), explicit(0, octets(der)))), attrs)
      : seq(oid(OIDS.certBag), explicit(0, seq(oid(OIDS.x509Certificate), explicit(0, octets(der)))));
  const certs = seq(certBag(o.certificate, attributes(o.friendlyName, localKeyId)), ...o.chain.map((c) => certBag(c)));
  const authSafe = seq(dataContentInfo(certs), dataContentInfo(seq(keyBag)));
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf(o.password, macSalt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  return seq(
    int(3),
    dataContentInfo(authSafe),
    seq(seq(digestAlgorithmIdentifier('sha256'), octets(mac)), octets(macSalt), int(MAC_ITERATIONS)),
  );
}
