import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importSpki } from '../../../src/pki/public-key.js';

describe('importSpki (component import fast path)', () => {
  it.each([
    ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['RSA-3072 e=3', () => generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 3 })],
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['Ed25519 (fallback)', () => generateKeyPairSync('ed25519')],
    ['P-521 (fallback)', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
  ])('ok/%s round-trips to the same SPKI', (_n, gen) => {
    const spki = gen().publicKey.export({ format: 'der', type: 'spki' });
    expect(importSpki(spki).export({ format: 'der', type: 'spki' })).toEqual(spki);
  });
  it('fail/an EC point not on the curve is refused', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
    spki[spki.length - 1] = (spki[spki.length - 1] ?? 0) ^ 0x01;
    expect(() => importSpki(spki)).toThrow();
  });
  it('fail/garbage is refused', () => {
    expect(() => importSpki(Buffer.from('30030201ff', 'hex'))).toThrow();
  });
});
