import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { newId, pooledRandom, type RandomSource } from '../../../src/core/ids.js';

describe('pooledRandom', () => {
  const counting = () => {
    const calls: number[] = [];
    const source: RandomSource = {
      bytes: (n) => {
        calls.push(n);
        return randomBytes(n);
      },
      uuid: () => 'uuid',
    };
    return { source, calls };
  };

  it('draws the pool once for many ids, hands out every byte once, and passes larger requests through', () => {
    const { source, calls } = counting();
    const pooled = pooledRandom(source, 512);
    const ids = Array.from({ length: 32 }, () => newId('ss', pooled));
    expect(calls).toEqual([512]);
    expect(new Set(ids).size).toBe(32);
    for (const id of ids) expect(id).toMatch(/^ss_[A-Za-z0-9_-]{22}$/);
    newId('ss', pooled);
    expect(calls).toEqual([512, 512]);
    expect(pooled.bytes(600)).toHaveLength(600);
    expect(calls).toEqual([512, 512, 600]);
  });

  it('the bytes handed out are the source’s, in order, each a copy (writing into one changes no later one)', () => {
    const pool = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
    const source: RandomSource = { bytes: () => Buffer.from(pool), uuid: () => 'u' };
    const pooled = pooledRandom(source, 64);
    const a = pooled.bytes(16);
    const b = pooled.bytes(16);
    expect([...a]).toEqual([...pool.subarray(0, 16)]);
    expect([...b]).toEqual([...pool.subarray(16, 32)]);
    a.fill(0xff);
    expect([...pooled.bytes(16)]).toEqual([...pool.subarray(32, 48)]);
  });
});
