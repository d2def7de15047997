import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { certificateHoldersFromPki, requireHolder } from '../../../src/signing/certificate-holders.js';
import type { CertificateRecord } from '../../../src/pki/ports.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { errorCode } from './helpers.js';

describe('the holders of a certificate of our CA', () => {
  const ca = sharedTestCa();
  const s = issueSigner(ca, { cn: 'Chủ sở hữu' });
  const serial = new X509Certificate(s.certPem).serialNumber.toLowerCase().replace(/^0+/, '');
  const stored = (r: Partial<CertificateRecord>) => ({ ...r, der: s.certDer }) as CertificateRecord;
  const port = (rows: CertificateRecord[], custodians: string[] = []) =>
    certificateHoldersFromPki({ findBySerialAnyCa: async (q) => (q.replace(/^0+/, '') === serial ? rows : []) }, async () => custodians);

  it('an official’s certificate: that official; a seal: its custodians; another profile: nobody; no subscriber or not ours: no holder on record', async () => {
    expect(await port([stored({ profile: 'individual', subscriberId: 'off_a' })]).holders(s.certDer)).toEqual(['off_a']);
    expect(await port([stored({ profile: 'organization', subscriberId: 'org_a' })], ['off_vt']).holders(s.certDer)).toEqual(['off_vt']);
    expect(await port([stored({ profile: 'tsa', subscriberId: 'org_a' })]).holders(s.certDer)).toEqual([]);
    expect(await port([stored({ profile: 'individual', subscriberId: null })]).holders(s.certDer)).toBeUndefined();
    expect(await port([]).holders(s.certDer)).toBeUndefined();
  });

  it('fail/another encoding of one of our certificates (same serial, other bytes) is nobody’s: refused even to its holder', async () => {
    // the outer SEQUENCE length in the long form: the same certificate to a lenient reader
    const reencoded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), s.certDer.subarray(2)]);
    expect(new X509Certificate(reencoded).raw.equals(s.certDer)).toBe(true);
    const p = port([stored({ profile: 'individual', subscriberId: 'off_a' })]);
    expect(await p.holders(reencoded)).toEqual([]);
    expect(await errorCode(requireHolder(p, 'off_a', reencoded))).toBe('FORBIDDEN_SCOPE');
    await expect(requireHolder(p, 'off_a', s.certDer)).resolves.toBeUndefined();
  });
});
