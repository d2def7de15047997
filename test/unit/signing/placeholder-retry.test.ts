import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { AppError } from '../../../src/core/errors.js';
import { signWithKey, type Signer } from '../../../src/core/signature-algorithms.js';
import { exactBbPlaceholder, retryPlaceholder, withPlaceholderRetry } from '../../../src/signing/placeholder.js';
import { issueIntermediate, issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { errorCode } from './helpers.js';

const overflow = (needed: number) => new AppError('PLACEHOLDER_OVERFLOW', 'too small', { details: { needed, capacity: 0 } });

describe('withPlaceholderRetry', () => {
  it('ok/an overflow is tried once more with room for what the CMS needed', async () => {
    const sizes: number[] = [];
    const out = await withPlaceholderRetry(8192, async (size) => {
      sizes.push(size);
      if (sizes.length === 1) throw overflow(30_000);
      return 'signed';
    });
    expect(out).toBe('signed');
    expect(sizes).toEqual([8192, retryPlaceholder(8192, 30_000)]);
    expect(sizes[1]).toBeGreaterThanOrEqual(30_000);
  });

  it('fail/a second overflow, or any other error, is not retried', async () => {
    let calls = 0;
    expect(
      await errorCode(() =>
        withPlaceholderRetry(8192, async () => {
          calls++;
          throw overflow(90_000);
        }),
      ),
    ).toBe('PLACEHOLDER_OVERFLOW');
    expect(calls).toBe(2);
    calls = 0;
    expect(
      await errorCode(() =>
        withPlaceholderRetry(8192, async () => {
          calls++;
          throw new AppError('PDF_MALFORMED', 'bad');
        }),
      ),
    ).toBe('PDF_MALFORMED');
    expect(calls).toBe(1);
  });
});

describe('exactBbPlaceholder', () => {
  // The bound must hold for every signature the key can make: RSA's length is fixed, ECDSA's DER
  // varies, so many are made; a bound one byte short fails this test on some of them.
  const ca = sharedTestCa();
  const intermediate = issueIntermediate(ca);
  for (const [key, algorithm, hash, exact] of [
    ['rsa2048', 'RSA-PKCS1-SHA256', 'sha256', true],
    ['rsa3072', 'RSA-PSS-SHA384', 'sha384', true],
    ['p256', 'ECDSA-SHA256', 'sha256', false],
    ['p384', 'ECDSA-SHA384', 'sha384', false],
  ] as const) {
    it(`ok/${key}: every B-B CMS fits${exact ? ' exactly' : ''}`, async () => {
      const s = issueSigner(ca, { cn: `Bound ${key}`, key, issuer: intermediate });
      const signer: Signer = {
        algorithm,
        publicKeySpki: createPublicKey(s.key).export({ format: 'der', type: 'spki' }),
        sign: async (d) => signWithKey(algorithm, s.key, d),
      };
      const chain = s.chain.slice(1);
      const size = exactBbPlaceholder({ signer, signerCertificate: s.certDer, chain, hash });
      expect(size).toBeDefined();
      const lengths = new Set<number>();
      for (let i = 0; i < (exact ? 3 : 200); i++) {
        const cms = await signDetachedCms({
          contentDigest: createHash(hash).update(String(i)).digest(),
          signer,
          signerCertificate: s.certDer,
          certificates: chain,
          digestAlgorithm: hash,
        });
        lengths.add(cms.length);
      }
      expect(Math.max(...lengths)).toBeLessThanOrEqual(size!);
      if (exact) expect([...lengths]).toEqual([size]);
      else expect(size! - Math.min(...lengths)).toBeLessThan(8);
    });
  }

  it('ok/a key without a known bound (Ed25519) leaves the estimate to the caller', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const signer = {
      algorithm: 'ECDSA-SHA256',
      publicKeySpki: publicKey.export({ format: 'der', type: 'spki' }),
      sign: async () => Buffer.alloc(0),
    } as Signer;
    expect(exactBbPlaceholder({ signer, signerCertificate: ca.certDer, chain: [], hash: 'sha256' })).toBeUndefined();
  });
});
