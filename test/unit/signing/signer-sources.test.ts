import { describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { readPkcs12, keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { checkSignerCertificate, keyUsageBits, type CertificateStatusPort } from '../../../src/signing/certificate-checks.js';
import { createTestCa, issueIntermediate, issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { isAppError } from '../../../src/core/errors.js';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isAppError(e) ? e.code : `not AppError: ${String(e)}`;
  }
}

describe('PKCS#12 input', () => {
  it('ok/rsa: extracts a native key and the chain in order, signs natively', async () => {
    const ca = sharedTestCa();
    const s = issueSigner(ca, { cn: 'Nguyễn Văn Thẩm Định' });
    const { privateKey, certificates } = readPkcs12(s.p12('secret-1'), 'secret-1');
    expect(readPkcs12(s.p12('mật khẩu ằẵệ'), 'mật khẩu ằẵệ').certificates[0]!.equals(s.certDer)).toBe(true);
    expect(() => readPkcs12(s.p12('mật khẩu ằẵệ'), 'mật khẩu ăằẵệ')).toThrow(expect.objectContaining({ code: 'PKCS12_FAILED' }));
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(certificates[0]!.equals(s.certDer)).toBe(true);
    expect(certificates[1]!.equals(ca.certDer)).toBe(true);
    const signer = keyObjectSigner(privateKey);
    const sig = await signer.sign(Buffer.from('abc'));
    expect(verify('sha256', Buffer.from('abc'), createPublicKey(s.certPem), sig)).toBe(true);
  });

  it('ok/ec: P-256 key and an intermediate', async () => {
    const root = createTestCa('Root for EC');
    const ica = issueIntermediate(root);
    const s = issueSigner(root, { cn: 'EC signer', key: 'p256', issuer: ica });
    const { privateKey, certificates } = readPkcs12(s.p12('pw'), 'pw');
    expect(privateKey.asymmetricKeyType).toBe('ec');
    expect(certificates.map((c) => c.toString('hex'))).toEqual(s.chain.map((c) => c.toString('hex')));
    expect(keyObjectSigner(privateKey).algorithm).toBe('ECDSA-SHA256');
  });

  it('ok/legacy PBE-SHA1-3DES files (node-forge fallback) and the native path agree', () => {
    const s = issueSigner(sharedTestCa(), { cn: 'Tệp cũ' });
    const legacy = readPkcs12(s.p12('old-pw', true), 'old-pw');
    const modern = readPkcs12(s.p12('new-pw'), 'new-pw');
    expect(legacy.certificates[0]!.equals(s.certDer)).toBe(true);
    expect(modern.certificates.map((c) => c.toString('hex'))).toEqual(legacy.certificates.map((c) => c.toString('hex')));
    expect(() => readPkcs12(s.p12('old-pw', true), 'wrong')).toThrow(expect.objectContaining({ code: 'PKCS12_FAILED' }));
  });

  it('native reader: opens OpenSSL 3 files (UTF-8 passwords too), says Unsupported for legacy PBES1, BadPassword for a wrong one', async () => {
    const { readPkcs12Native, Pkcs12Unsupported, Pkcs12BadPassword } = await import('../../../src/signing/pkcs12-native.js');
    const s = issueSigner(sharedTestCa(), { cn: 'Gốc' });
    const n = readPkcs12Native(s.p12('mật khẩu ằẵệ'), 'mật khẩu ằẵệ');
    expect(n.keys).toHaveLength(1);
    expect(n.certificates.some((c) => c.equals(s.certDer))).toBe(true);
    expect(() => readPkcs12Native(s.p12('pw', true), 'pw')).toThrow(Pkcs12Unsupported);
    expect(() => readPkcs12Native(s.p12('pw'), 'nope')).toThrow(Pkcs12BadPassword);
  });

  it('fail/wrong password → PKCS12_FAILED', () => {
    const s = issueSigner(sharedTestCa(), { cn: 'P12 pw' });
    const p12 = s.p12('right');
    expect(() => readPkcs12(p12, 'wrong')).toThrow(expect.objectContaining({ code: 'PKCS12_FAILED' }));
    expect(() => readPkcs12(Buffer.from('not a p12'), 'x')).toThrow(expect.objectContaining({ code: 'PKCS12_FAILED' }));
  });
});

describe('signer certificate checks', () => {
  const ca = sharedTestCa();
  const good = issueSigner(ca, { cn: 'Good signer', days: 30 });
  const noSign = issueSigner(ca, { cn: 'Encipher only', keyUsage: 'critical,keyEncipherment' });
  const spki = createPublicKey(good.certPem).export({ format: 'der', type: 'spki' });

  it('reads key usage bits', () => {
    expect(keyUsageBits(good.certDer)).toEqual({ digitalSignature: true, nonRepudiation: true });
    expect(keyUsageBits(noSign.certDer)).toEqual({ digitalSignature: false, nonRepudiation: false });
  });

  it('ok/valid signer passes', async () => {
    expect(await code(checkSignerCertificate({ certificates: good.chain, publicKeySpki: spki, at: new Date() }))).toBeUndefined();
  });
  it('fail/a certificate of the chain not in DER (BER outer length) or with bytes after it → SIGNER_CERT_INVALID, before any status is asked', async () => {
    const leaf = good.chain[0]!;
    const ber = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), leaf.subarray(2)]);
    const trailing = Buffer.concat([leaf, Buffer.from([0])]);
    let asked = 0;
    const status: CertificateStatusPort = { status: async () => (asked++, { status: 'good' }) };
    for (const x of [ber, trailing]) {
      expect(await code(checkSignerCertificate({ certificates: [x, ...good.chain.slice(1)], at: new Date(), status }))).toBe(
        'SIGNER_CERT_INVALID',
      );
    }
    // the issuer's certificate too
    const issuerTrailing = Buffer.concat([good.chain[1]!, Buffer.from([0])]);
    expect(await code(checkSignerCertificate({ certificates: [leaf, issuerTrailing], at: new Date(), status }))).toBe(
      'SIGNER_CERT_INVALID',
    );
    expect(asked).toBe(0);
    expect(await code(checkSignerCertificate({ certificates: good.chain, at: new Date(), status }))).toBeUndefined();
  });
  it('fail/key usage → SIGNER_KEY_USAGE', async () => {
    expect(await code(checkSignerCertificate({ certificates: noSign.chain, at: new Date() }))).toBe('SIGNER_KEY_USAGE');
  });
  it('fail/expired and not yet valid → SIGNER_EXPIRED', async () => {
    expect(await code(checkSignerCertificate({ certificates: good.chain, at: new Date(Date.now() + 40 * 86_400_000) }))).toBe(
      'SIGNER_EXPIRED',
    );
    expect(await code(checkSignerCertificate({ certificates: good.chain, at: new Date(Date.now() - 86_400_000) }))).toBe('SIGNER_EXPIRED');
  });
  it('fail/revoked via status port → SIGNER_REVOKED, with the issuer passed', async () => {
    let seenIssuer: Buffer | undefined;
    const status: CertificateStatusPort = {
      status: async (_c, issuer) => {
        seenIssuer = issuer;
        return { status: 'revoked', reason: 'keyCompromise' };
      },
    };
    expect(await code(checkSignerCertificate({ certificates: good.chain, at: new Date(), status }))).toBe('SIGNER_REVOKED');
    expect(seenIssuer?.equals(ca.certDer)).toBe(true);
  });
  it('fail/key does not match certificate → SIGNER_CERT_INVALID', async () => {
    const other = createPublicKey(noSign.certPem).export({ format: 'der', type: 'spki' });
    expect(await code(checkSignerCertificate({ certificates: good.chain, publicKeySpki: other, at: new Date() }))).toBe(
      'SIGNER_CERT_INVALID',
    );
  });
});
