import fc from 'fast-check';

/**
 * Input mutations shared by the fuzz tests (verifier, PDF reader, CSR, OCSP and TSA request
 * parsers): byte flips, truncation, duplicated tails and spliced garbage applied to a valid seed.
 * Runs scale with KYSO_FUZZ_RUNS (`npm run fuzz -- --runs N`); the seed with KYSO_FUZZ_SEED.
 */

export type Mutation =
  | { kind: 'flip'; at: number; xor: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicateTail'; at: number; times: number }
  | { kind: 'splice'; at: number; junk: Uint8Array };

export function mutate(src: Buffer, m: Mutation): Buffer {
  const pos = (f: number) => Math.floor(f * src.length);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(src);
      for (let i = 0; i < m.count; i++) {
        const p = (pos(m.at) + i * 7919) % out.length;
        out[p] = out[p]! ^ (m.xor || 1);
      }
      return out;
    }
    case 'truncate':
      return src.subarray(0, pos(m.at));
    case 'duplicateTail': {
      const tail = src.subarray(pos(m.at));
      return Buffer.concat([src, ...Array.from({ length: m.times }, () => tail)]);
    }
    case 'splice':
      return Buffer.concat([src.subarray(0, pos(m.at)), Buffer.from(m.junk), src.subarray(pos(m.at))]);
  }
}

// A position as a share of the seed's length. Not fc.double: it draws evenly over representable
// doubles, so nearly every value is a tiny number and nearly every cut or flip hit byte 0.
const fraction = fc.integer({ min: 0, max: 9999 }).map((n) => n / 10_000);
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fraction,
    xor: fc.integer({ min: 1, max: 255 }),
    // one flipped byte is what most often gets past a strict DER reader to the field checks
    count: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 16 })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({ kind: fc.constant('duplicateTail' as const), at: fraction, times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fraction, junk: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

/** None (the seed itself) up to three mutations stacked on one seed. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, { minLength: 0, maxLength: 3 });

export function mutateAll(src: Buffer, ms: readonly Mutation[]): Buffer {
  return ms.reduce((b, m) => (b.length === 0 ? b : mutate(b, m)), src);
}

/** `base` runs in CI; KYSO_FUZZ_RUNS (inputs per target) replaces it for long runs. */
export function fuzzRuns(base: number): number {
  const n = Number(process.env.KYSO_FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : base;
}

/** A fixed seed in CI (reproducible); KYSO_FUZZ_SEED for another. */
export function fuzzSeed(base: number): number {
  const n = Number(process.env.KYSO_FUZZ_SEED);
  return Number.isInteger(n) ? n : base;
}

/** Per-test timeout: bounded in CI, a day for a long `npm run fuzz -- --runs N`. */
export function fuzzTimeout(): number {
  return process.env.KYSO_FUZZ_RUNS ? 24 * 3_600_000 : 600_000;
}
