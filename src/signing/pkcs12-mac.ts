import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as asn1js from 'asn1js';
import { toArrayBuffer } from '../core/bytes.js';

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
  const parsed = asn1js.fromBER(toArrayBuffer(pfx));
  if (parsed.offset === -1) return false;
  const top = parsed.result as asn1js.Sequence;
  const [, authSafe, macData] = top.valueBlock.value as asn1js.Sequence[];
  if (!authSafe || !macData) return false;
  // authSafe ContentInfo { data, [0] OCTET STRING content }
  const explicit = authSafe.valueBlock.value[1] as asn1js.Constructed | undefined;
  const octets = explicit?.valueBlock.value[0] as asn1js.OctetString | undefined;
  if (!octets) return false;
  const content = octetContent(octets);
  const [digestInfo, saltOs, iterInt] = macData.valueBlock.value as [asn1js.Sequence, asn1js.OctetString, asn1js.Integer?];
  const algOid = ((digestInfo.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
  const expected = Buffer.from((digestInfo.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView);
  const h = HASHES[algOid];
  if (!h) return false;
  const salt = Buffer.from(saltOs.valueBlock.valueHexView);
  const iterations = iterInt ? iterInt.valueBlock.valueDec : 1;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 600_000) return false; // bounded work per upload
  const key = pkcs12Kdf(h, password, salt, iterations, 3, h.u);
  const mac = createHmac(h.name, key).update(content).digest();
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

function octetContent(os: asn1js.OctetString): Buffer {
  if (!os.idBlock.isConstructed) return Buffer.from(os.valueBlock.valueHexView);
  return Buffer.concat((os.valueBlock.value as asn1js.OctetString[]).map(octetContent));
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
