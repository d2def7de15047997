import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { children, decodeOid, decodeSmallInt, octetString, readDer, type DerNode } from '../core/der-reader.js';

/**
 * Verifies the PFX MAC (RFC 7292 §4, key derived with the Appendix B.2 KDF over the BMPString
 * password). Used only for non-ASCII passwords, where node-forge derives it differently from
 * OpenSSL 3. Returns false on any structural problem.
 */
const HASHES: Record<string, { name: string; u: number; v: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

export function verifyPfxMac(pfx: Buffer, password: string): boolean {
  let mac: { content: Buffer; algorithm: string; expected: Buffer; salt: Buffer; iterations: number };
  try {
    mac = readMacInputs(pfx);
  } catch {
    return false;
  }
  const h = HASHES[mac.algorithm];
  if (!h) return false;
  if (!Number.isInteger(mac.iterations) || mac.iterations < 1 || mac.iterations > 600_000) return false; // bounded work per upload
  const key = pkcs12Kdf(h, password, mac.salt, mac.iterations, 3, h.u);
  const computed = createHmac(h.name, key).update(mac.content).digest();
  return computed.length === mac.expected.length && timingSafeEqual(computed, mac.expected);
}

/**
 * PFX { version, authSafe ContentInfo { data, [0] OCTET STRING }, MacData { DigestInfo, macSalt,
 * iterations DEFAULT 1 } } (RFC 7292 §4). Throws on any structural problem.
 */
function readMacInputs(pfx: Buffer): { content: Buffer; algorithm: string; expected: Buffer; salt: Buffer; iterations: number } {
  const kids = (n: DerNode | undefined): DerNode[] => {
    if (!n) throw new TypeError('PFX structure');
    return children(n, 'PKCS12_FAILED');
  };
  const [, authSafe, macData] = kids(readDer(pfx, 0, 'PKCS12_FAILED'));
  const [digestInfo, salt, iterations] = kids(macData);
  const [algorithm, expected] = kids(digestInfo);
  return {
    content: octetString(kids(kids(authSafe)[1])[0]!, 'PKCS12_FAILED'),
    algorithm: decodeOid(kids(algorithm)[0]!, 'PKCS12_FAILED'),
    expected: octetString(expected!, 'PKCS12_FAILED'),
    salt: octetString(salt!, 'PKCS12_FAILED'),
    iterations: iterations ? decodeSmallInt(iterations, 'PKCS12_FAILED') : 1,
  };
}

/** RFC 7292 Appendix B.2. */
function pkcs12Kdf(
  h: { name: string; u: number; v: number },
  password: string,
  salt: Buffer,
  iterations: number,
  id: number,
  n: number,
): Buffer {
  const { u, v } = h;
  const le = Buffer.from(password + '\0', 'utf16le');
  const pw = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    pw[i] = le[i + 1]!;
    pw[i + 1] = le[i]!;
  }
  const D = Buffer.alloc(v, id);
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const len = v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  for (let got = 0; got < n; got += u) {
    let A = createHash(h.name).update(D).update(I).digest();
    for (let i = 1; i < iterations; i++) A = createHash(h.name).update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}
