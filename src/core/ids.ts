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

/** URL-safe opaque id with 128 bits of randomness, prefixed for readability (e.g. `req_...`). */
export function newId(prefix: string, random: RandomSource = cryptoRandom): string {
  return `${prefix}_${random.bytes(16).toString('base64url')}`;
}
