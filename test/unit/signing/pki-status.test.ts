import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { certificateStatusFromPki } from '../../../src/signing/pki-status.js';
import type { CaRecord, CertificateRecord, StoredCertificateStatus } from '../../../src/pki/ports.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';

describe('certificate status from our CA store', () => {
  const ca = sharedTestCa();
  const s = issueSigner(ca, { cn: 'Trạng thái' });
  const serial = new X509Certificate(s.certPem).serialNumber.toLowerCase();
  const row = (status: CertificateRecord['status']): StoredCertificateStatus => ({
    status,
    revocationReason: status === 'revoked' ? 'keyCompromise' : null,
    revokedAt: status === 'active' ? null : new Date(0),
  });
  // the store answers for this certificate's serial and exact DER only
  const port = (status: CertificateRecord['status'] | undefined, ourCas: Buffer[] = []) =>
    certificateStatusFromPki(
      {
        findStatusByDer: async (q, der) =>
          status && q === serial.replace(/^0+/, '').padStart(2, '0') && der.equals(s.certDer) ? row(status) : undefined,
      },
      { list: async () => ourCas.map((certificateDer) => ({ certificateDer }) as CaRecord) },
    );

  it('active → good, revoked → revoked with reason, on-hold → revoked (certificateHold), not ours → unknown', async () => {
    expect((await port('active').status(s.certDer, undefined, new Date())).status).toBe('good');
    expect(await port('revoked').status(s.certDer, undefined, new Date())).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(await port('on-hold').status(s.certDer, undefined, new Date())).toMatchObject({ status: 'revoked', reason: 'certificateHold' });
    expect((await port(undefined).status(s.certDer, undefined, new Date())).status).toBe('unknown');
    // another certificate with no stored row of its own is not ours, whatever is stored for this one
    const other = issueSigner(ca, { cn: 'Khác' });
    expect((await port('revoked').status(other.certDer, undefined, new Date())).status).toBe('unknown');
  });

  it("fail/a certificate naming one of our CAs as issuer that is not byte for byte one it issued → SIGNER_CERT_INVALID; another CA's → unknown", async () => {
    // the suspended certificate with its outer SEQUENCE length in the long form: same TBS, same CA signature
    const len = s.certDer.readUInt16BE(2);
    expect(s.certDer.subarray(0, 2).toString('hex')).toBe('3082');
    const reencoded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), s.certDer.subarray(2)]);
    expect(reencoded.length).toBe(len + 5);
    expect(await port('on-hold', [ca.certDer]).status(s.certDer, undefined, new Date())).toMatchObject({ status: 'revoked' });
    await expect(port('on-hold', [ca.certDer]).status(reencoded, undefined, new Date())).rejects.toMatchObject({
      code: 'SIGNER_CERT_INVALID',
    });
    // where that CA is not one of ours, the same bytes are another CA's certificate: unknown (the verifier judges it)
    expect((await port('on-hold', []).status(reencoded, undefined, new Date())).status).toBe('unknown');
  });
});
