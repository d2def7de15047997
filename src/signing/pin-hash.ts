import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { timed } from '../core/timing.js';

/**
 * PIN storage for server-held credentials: only a slow, salted hash (scrypt, RFC 7914) with a
 * per-credential random salt is kept, and comparison is constant-time. Format:
 * `scrypt$N$r$p$<salt b64>$<hash b64>` so the cost can be raised later without breaking old rows.
 */
export interface PinHashParams {
  /** CPU/memory cost (power of two). 2^15 with r=8 takes ~50–100 ms and 32 MiB. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_PIN_HASH_PARAMS: PinHashParams = Object.freeze({ N: 1 << 15, r: 8, p: 1 });

const KEY_LEN = 32;

function scryptAsync(pin: string, salt: Buffer, params: PinHashParams): Promise<Buffer> {
  return timed('pin-hash', () => scryptOnce(pin, salt, params));
}

function scryptOnce(pin: string, salt: Buffer, params: PinHashParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(pin.normalize('NFC'), 'utf8'),
      salt,
      KEY_LEN,
      { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPin(pin: string, params: PinHashParams = DEFAULT_PIN_HASH_PARAMS): Promise<string> {
  if (typeof pin !== 'string' || pin.length === 0) throw new TypeError('hashPin: empty PIN');
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** True when `pin` matches `stored`. A malformed stored value never matches. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map((x) => Number.parseInt(x ?? '', 10));
  if (!N || !r || !p || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (expected.length !== KEY_LEN || salt.length < 8) return false;
  const actual = await scryptAsync(typeof pin === 'string' ? pin : '', salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}
