import { randomBytes, randomUUID } from 'node:crypto';

/** Random identifiers. Randomness is a port so tests may make it deterministic. */
export interface RandomSource {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const cryptoRandom: RandomSource = Object.freeze({
  bytes: (n: number) => randomBytes(n),
  uuid: () => randomUUID(),
});

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let pooled = 0;

/**
 * `n` (≤ 4096) fresh bytes from the system CSPRNG for public identifiers (a PDF's trailer /ID,
 * ISO 32000-1 §14.4), drawn from a pool filled 4 KiB at a time as node's randomUUID caches its
 * entropy: one generator call per many identifiers instead of one each. Never for key material.
 */
export function identifierBytes(n: number): Buffer {
  if (pooled + n > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, n));
    pooled = 0;
  }
  const out = Buffer.from(pool.subarray(pooled, pooled + n));
  pooled += n;
  return out;
}

/**
 * `source` drawing `poolBytes` at a time: one generator call for many identifiers (node's
 * synchronous randomBytes costs some microseconds per call whatever the size). For identifiers
 * made in bulk (a batch's sessions); never for key material.
 */
export function pooledRandom(source: RandomSource, poolBytes = 512): RandomSource {
  let pool: Buffer = Buffer.alloc(0);
  let used = 0;
  return {
    bytes(n) {
      if (n > poolBytes) return source.bytes(n);
      if (used + n > pool.length) {
        pool = source.bytes(poolBytes);
        used = 0;
      }
      const out = Buffer.from(pool.subarray(used, used + n));
      pool.fill(0, used, used + n);
      used += n;
      return out;
    },
    uuid: () => source.uuid(),
  };
}

/** URL-safe opaque id with 128 bits of randomness, prefixed for readability (e.g. `req_...`). */
export function newId(prefix: string, random: RandomSource = cryptoRandom): string {
  return `${prefix}_${random.bytes(16).toString('base64url')}`;
}
