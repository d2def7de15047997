import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { timed } from '../core/timing.js';

/**
 * How a server-held credential's PIN is kept: a verifier, never the PIN.
 *
 * The form written today is `hmac-sha256$<key id>$<salt b64>$<mac b64>`: HMAC-SHA-256 over a
 * 16-byte random salt and the PIN (UTF-8, NFC) under the PIN verifier key, which is derived from
 * the master secret (keys/adapters/master-key.ts) and so is never in the database. `<key id>`
 * names the master key it was made under.
 *
 * Why a keyed MAC rather than a slow hash:
 * - A PIN is short: six digits is a million candidates. Even at 80 ms of scrypt per guess, a
 *   stolen database gives up a PIN in about a day of one core's time, so a slow hash does not
 *   protect it. A MAC under a key the database does not hold leaves the database alone worthless
 *   for guessing. NIST SP 800-63B (rev. 3) §5.1.1.2 asks for a costly hash and, in addition, this
 *   keyed step with a secret "known only to the verifier" stored apart from the verifiers; the
 *   costly hash is left out on purpose, for the reason above.
 * - Whoever also holds the master secret can open the sealed private keys directly, so the PIN
 *   guards nothing more against them.
 * - Online guesses are bounded by the attempt counter (reserved before the check, lock after 5),
 *   as a smart card's PIN retry counter bounds them (ISO/IEC 7816-4 VERIFY).
 * - A check takes microseconds, where scrypt took 80–110 ms of a batch's time.
 *
 * The earlier form, `scrypt$N$r$p$<salt b64>$<hash b64>` (RFC 7914, no key), is still verified.
 * At service start it is keyed where it lies, without the PIN: `hmac-scrypt$<key id>$N$r$p$<salt
 * b64>$<mac b64>` keeps the scrypt parameters and salt and replaces the hash by its MAC under the
 * same key, so no verifier in the database can be tested offline from then on. Either legacy form
 * is replaced by the current one at the holder's first correct PIN.
 */
export interface PinVerifierKey {
  /** 32 bytes from HKDF over the master secret, with its own `info`. */
  readonly key: Buffer;
  /** The master key's public identifier (its kekId): which key a stored verifier needs. */
  readonly id: string;
}

const MAC = 'hmac-sha256';
const LEGACY = 'scrypt';
const KEYED_LEGACY = 'hmac-scrypt';
const SALT_LEN = 16;
const MAC_LEN = 32;

/** A new verifier of `pin` under `key`, with a fresh salt. */
export function newPinVerifier(pin: string, key: PinVerifierKey): string {
  if (typeof pin !== 'string' || pin.length === 0) throw new TypeError('newPinVerifier: empty PIN');
  const salt = randomBytes(SALT_LEN);
  return [MAC, key.id, salt.toString('base64'), mac(pin, salt, key.key).toString('base64')].join('$');
}

/**
 * What a stored verifier needs before any guess is counted against it: `current` (this key, the
 * current form), `legacy` (scrypt, to be replaced after a correct PIN), `other-key` (made under
 * another master key: no guess can be checked), `malformed` (never matches).
 */
export type PinVerifierState = 'current' | 'legacy' | 'other-key' | 'malformed';

export function pinVerifierState(stored: string, key: PinVerifierKey): PinVerifierState {
  const v = parseVerifier(stored);
  if (!v) return 'malformed';
  if (v.keyId !== undefined && v.keyId !== key.id) return 'other-key';
  return v.form === 'current' ? 'current' : 'legacy';
}

/** True when `pin` matches `stored` (any form). Malformed values and other keys never match. */
export async function verifyPin(pin: string, stored: string, key: PinVerifierKey): Promise<boolean> {
  const text = typeof pin === 'string' ? pin : '';
  const v = parseVerifier(stored);
  if (!v || (v.keyId !== undefined && v.keyId !== key.id)) return false;
  if (v.form === 'current') return timed('pin-hash', async () => timingSafeEqual(mac(text, v.salt, key.key), v.expected));
  const out = await timed('pin-hash', () => legacyScrypt(text, v.scrypt));
  return timingSafeEqual(v.form === 'legacy' ? out : keyedScrypt(out, key.key), v.scrypt.expected);
}

/**
 * A legacy `scrypt$…` verifier keyed where it lies (no PIN needed): the same parameters and salt,
 * the hash replaced by its MAC under `key`. Undefined for any other value.
 */
export function keyLegacyVerifier(stored: string, key: PinVerifierKey): string | undefined {
  const v = parseVerifier(stored);
  if (v?.form !== 'legacy') return undefined;
  const { N, r, p, salt, expected } = v.scrypt;
  return [KEYED_LEGACY, key.id, N, r, p, salt.toString('base64'), keyedScrypt(expected, key.key).toString('base64')].join('$');
}

/** A stored verifier by its form; `keyId` names the master key of the keyed forms. */
type ParsedVerifier =
  | { readonly form: 'current'; readonly keyId: string; readonly salt: Buffer; readonly expected: Buffer }
  | { readonly form: 'legacy'; readonly keyId?: undefined; readonly scrypt: LegacyScrypt }
  | { readonly form: 'keyed-legacy'; readonly keyId: string; readonly scrypt: LegacyScrypt };

function parseVerifier(stored: string): ParsedVerifier | undefined {
  const parts = stored.split('$');
  if (parts[0] === LEGACY) {
    const scrypt = parseLegacy(parts);
    return scrypt && { form: 'legacy', scrypt };
  }
  if (parts[0] === KEYED_LEGACY) {
    if (parts.length !== 7 || !parts[1]) return undefined;
    const scrypt = parseLegacy([LEGACY, ...parts.slice(2)]);
    return scrypt && { form: 'keyed-legacy', keyId: parts[1], scrypt };
  }
  const current = parseCurrent(parts);
  return current && { form: 'current', ...current };
}

/** The MAC that stands for a scrypt output in the keyed legacy form (its own label, apart from `mac`). */
function keyedScrypt(scryptOutput: Buffer, key: Buffer): Buffer {
  return createHmac('sha256', key).update(`${KEYED_LEGACY}$`).update(scryptOutput).digest();
}

function mac(pin: string, salt: Buffer, key: Buffer): Buffer {
  return createHmac('sha256', key).update(salt).update(pin.normalize('NFC'), 'utf8').digest();
}

function parseCurrent(parts: readonly string[]): { keyId: string; salt: Buffer; expected: Buffer } | undefined {
  if (parts.length !== 4 || parts[0] !== MAC || !parts[1]) return undefined;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length !== SALT_LEN || expected.length !== MAC_LEN) return undefined;
  return { keyId: parts[1], salt, expected };
}

interface LegacyScrypt {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly expected: Buffer;
}

function parseLegacy(parts: readonly string[]): LegacyScrypt | undefined {
  if (parts.length !== 6 || !parts.slice(1, 4).every((x) => /^[1-9]\d{0,7}$/.test(x ?? ''))) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  // N a power of two above 1 (RFC 7914 §2), else scrypt throws; bounded (at most 256 MiB, 4
  // passes) so that a tampered row cannot ask for gigabytes of memory.
  if (!N || !r || !p || N < 2 || (N & (N - 1)) !== 0 || N * r > 1 << 21 || p > 4) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (expected.length !== MAC_LEN || salt.length < 8) return undefined;
  return { N, r, p, salt, expected };
}

function legacyScrypt(pin: string, o: LegacyScrypt): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(pin.normalize('NFC'), 'utf8'),
      o.salt,
      MAC_LEN,
      { N: o.N, r: o.r, p: o.p, maxmem: 128 * o.N * o.r * 2 + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}
