import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';

/**
 * The short verification code printed on a certified copy and encoded in its QR code.
 * Ten Crockford base32 symbols (50 random bits; unambiguous: no I, L, O, U) plus one check
 * symbol (Luhn mod 32) so that a mistyped symbol or a swap of two neighbours is rejected before any lookup.
 * Shown as XXXX-XXXX-XXX. 50 bits make guessing a valid code among ~10^5 entries a year
 * impractical, and the lookup endpoint is rate-limited on top.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 10;

/** Luhn mod N (N = 32): catches every single-symbol error and most adjacent transpositions. */
function checkSymbol(body: string): string {
  const n = ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(body[i] ?? '0');
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(n - (sum % n)) % n] ?? '0';
}

export function newLookupCode(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(7);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i++) {
    body += ALPHABET[Number(bits & 31n)];
    bits >>= 5n;
  }
  return format(body + checkSymbol(body));
}

function format(raw: string): string {
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/**
 * Normalises a code typed by a person (case, spaces, dashes, O→0, I/L→1) and checks its
 * check symbol. Throws LOOKUP_CODE_INVALID for anything malformed.
 */
export function parseLookupCode(input: string): string {
  if (typeof input !== 'string' || input.length > 40) throw new AppError('LOOKUP_CODE_INVALID', 'malformed verification code');
  const raw = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (raw.length !== BODY_LENGTH + 1) throw new AppError('LOOKUP_CODE_INVALID', 'a verification code has 11 symbols');
  const body = raw.slice(0, BODY_LENGTH);
  for (const ch of body)
    if (!ALPHABET.includes(ch)) throw new AppError('LOOKUP_CODE_INVALID', 'the verification code has an invalid symbol');
  if (checkSymbol(body) !== raw[BODY_LENGTH])
    throw new AppError('LOOKUP_CODE_INVALID', 'the verification code check symbol does not match (mistyped?)');
  return format(raw);
}
