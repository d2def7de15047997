import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detachedCmsTemplate } from '../../../src/cms/detached-template.js';
import { assembleSignedData, buildSignedAttributes, signDetachedCms } from '../../../src/cms/signed-data.js';
import { signWithKey, type Signer } from '../../../src/core/signature-algorithms.js';
import { signatureLength } from '../../../src/signing/placeholder.js';
import { issueIntermediate, issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';

const ca = sharedTestCa();
const intermediate = issueIntermediate(ca);

describe('detached CMS template (one signer, key and chain per batch)', () => {
  for (const [key, algorithm, hash] of [
    ['rsa2048', 'RSA-PKCS1-SHA256', 'sha256'],
    ['rsa3072', 'RSA-PSS-SHA384', 'sha384'],
  ] as const) {
    it(`ok/${key}: byte for byte the CMS signDetachedCms builds, for any digest and signature`, async () => {
      const s = issueSigner(ca, { cn: `Template ${key}`, key, issuer: intermediate });
      const signer: Signer = {
        algorithm,
        publicKeySpki: createPublicKey(s.key).export({ format: 'der', type: 'spki' }),
        sign: async (d) => signWithKey(algorithm, s.key, d),
      };
      const length = signatureLength(signer.publicKeySpki)!;
      expect(length.fixed).toBe(true);
      const chain = s.chain.slice(1);
      const t = detachedCmsTemplate({
        signer,
        signerCertificate: s.certDer,
        certificates: chain,
        digestAlgorithm: hash,
        signatureBytes: length.max,
      });
      expect(t).toBeDefined();
      for (let i = 0; i < 5; i++) {
        const digest = createHash(hash).update(randomBytes(8)).digest();
        const attributes = buildSignedAttributes({ contentDigest: digest, digestAlgorithm: hash, signerCertificate: s.certDer });
        expect(t!.signedAttributes(digest).equals(attributes)).toBe(true);
        const signature = randomBytes(length.max);
        const full = assembleSignedData({
          signedAttributes: attributes,
          signature,
          algorithm,
          digestAlgorithm: hash,
          signerCertificate: s.certDer,
          certificates: chain,
        });
        expect(t!.assemble(digest, signature)!.equals(full)).toBe(true);
      }
      // and with a real signature (PKCS#1 v1.5 is deterministic: the whole CMS is comparable)
      if (algorithm === 'RSA-PKCS1-SHA256') {
        const digest = createHash(hash).update('document').digest();
        const reference = await signDetachedCms({
          contentDigest: digest,
          signer,
          signerCertificate: s.certDer,
          certificates: chain,
          digestAlgorithm: hash,
        });
        const attributes = t!.signedAttributes(digest);
        expect(t!.assemble(digest, await signer.sign(attributes))!.equals(reference)).toBe(true);
      }
    });
  }

  it('fail/a signature of another length is not forced into the template; a digest of another length is refused', () => {
    const s = issueSigner(ca, { cn: 'Template lengths', key: 'rsa2048', issuer: intermediate });
    const signer: Signer = {
      algorithm: 'RSA-PKCS1-SHA256',
      publicKeySpki: createPublicKey(s.key).export({ format: 'der', type: 'spki' }),
      sign: async (d) => signWithKey('RSA-PKCS1-SHA256', s.key, d),
    };
    const t = detachedCmsTemplate({
      signer,
      signerCertificate: s.certDer,
      certificates: [],
      digestAlgorithm: 'sha256',
      signatureBytes: 256,
    })!;
    const digest = Buffer.alloc(32, 7);
    expect(t.assemble(digest, Buffer.alloc(255, 1))).toBeUndefined();
    expect(() => t.signedAttributes(Buffer.alloc(48))).toThrow(/needs 32/);
  });

  it('ok/ECDSA signatures have no fixed length: the batch builds their CMS in full', () => {
    const s = issueSigner(ca, { cn: 'Template p256', key: 'p256', issuer: intermediate });
    expect(signatureLength(createPublicKey(s.key).export({ format: 'der', type: 'spki' }))).toEqual({ max: 72, fixed: false });
  });
});
