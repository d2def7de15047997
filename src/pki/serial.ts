import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';

/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2; CA/B Baseline Requirements §7.1): positive,
 * at most 20 octets, at least 64 random bits. We take 16 random bytes, clear the top bit
 * (positive without a 0x00 pad) and set the next one (fixed 16-octet length, 126 random bits).
 * Uniqueness per CA is enforced by the store's unique index, not by hoping.
 */
export function generateSerial(random: (n: number) => Buffer = randomBytes): Buffer {
  const b = random(16);
  if (b.length !== 16) throw new TypeError('generateSerial: random source returned a wrong length');
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return b;
}

/** Canonical storage form: lowercase hex of the minimal magnitude, even length. */
export function serialToHex(magnitude: Uint8Array): string {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  return Buffer.from(magnitude.subarray(i)).toString('hex');
}

/**
 * Accepts what people paste (`0A:1B…`, `0x0a1b`, upper case, leading zeros) and returns the
 * canonical form. Throws VALIDATION_FAILED for anything that is not hex or longer than 20 octets.
 */
export function normalizeSerial(input: string): string {
  let s = input.trim().toLowerCase().replace(/[:\s]/g, '');
  if (s.startsWith('0x')) s = s.slice(2);
  if (!/^[0-9a-f]+$/.test(s)) throw new AppError('VALIDATION_FAILED', 'serial must be hexadecimal', { details: { field: 'serial' } });
  s = s.replace(/^0+/, '') || '0';
  if (s.length % 2) s = '0' + s;
  if (s.length > 40) throw new AppError('VALIDATION_FAILED', 'serial longer than 20 octets', { details: { field: 'serial' } });
  return s;
}

export function serialFromHex(hex: string): Buffer {
  return Buffer.from(normalizeSerial(hex), 'hex');
}
