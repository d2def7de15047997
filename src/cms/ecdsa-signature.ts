import { int, seq } from '../core/der.js';
import { AppError } from '../core/errors.js';
import { children, expectTag, readDer } from '../core/der-reader.js';

/**
 * ECDSA signature encodings. CMS and X.509 carry ECDSA-Sig-Value as DER SEQUENCE { r, s }
 * (RFC 5753 §2.1.1 / RFC 3279 §2.2.3); PKCS#11 tokens and WebCrypto return the plain r||s
 * concatenation (IEEE P1363, BSI TR-03111). Two-phase signing converts with these.
 */

/** r||s (each half the field size) → DER ECDSA-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0)
    throw new AppError('SIGNATURE_MISMATCH', 'raw ECDSA signature must be r||s of equal halves');
  const half = raw.length / 2;
  return seq(int(raw.subarray(0, half)), int(raw.subarray(half)));
}

/** DER ECDSA-Sig-Value → r||s with each integer left-padded to `fieldBytes` (32 for P-256, 48 for P-384). */
export function ecdsaDerToRaw(der: Buffer, fieldBytes: number): Buffer {
  try {
    const [r, s] = children(expectTag(readDer(der), 0x30, 'ECDSA-Sig-Value'));
    const part = (n: typeof r): Buffer => {
      let v = expectTag(n, 0x02, 'INTEGER').content;
      while (v.length > fieldBytes && v[0] === 0) v = v.subarray(1);
      if (v.length > fieldBytes) throw new Error('integer larger than the field');
      return Buffer.concat([Buffer.alloc(fieldBytes - v.length), v]);
    };
    return Buffer.concat([part(r), part(s)]);
  } catch (e) {
    throw new AppError('SIGNATURE_MISMATCH', 'not a DER ECDSA signature', { cause: e });
  }
}
