import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySignerFromSigning } from '../../../src/signing/copy-signer-adapter.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { errorCode } from '../../unit/signing/helpers.js';
import { assertSignedOk, corpus, makeService } from './harness.js';
import { nssDbTrusting, pdfsig, tmp } from './tools.js';
import { writeFileSync } from 'node:fs';

const root = join(import.meta.dirname, '..', '..', '..');
const seal = readFileSync(join(root, 'examples', 'seal.png'));
const ca = sharedTestCa();

/** A server-held credential of officer-1 over `signer`'s key and chain. */
function officerCredential(keyStore: ReturnType<typeof makeService>['keyStore'], signer: ReturnType<typeof issueSigner>, pin: string) {
  return { ownerId: 'officer-1', keyUri: keyStore.add(signer.key), certificates: signer.chain, pin };
}

describe('CopySigner adapter (certified copies → signing service)', () => {
  it('ok/certifier signs the pre-created field with certification P=2, the seal signs the second pre-created field; without certification a missing field becomes a new invisible one', async () => {
    const certifier = issueSigner(ca, { cn: 'Phan Văn Chứng Thực' });
    const authority = issueSigner(ca, { cn: 'UBND xã Đông Xá' });
    const { service, credentials, keyStore } = makeService();
    const c1 = await credentials.register(officerCredential(keyStore, certifier, '111222'));
    const c2 = await credentials.register(officerCredential(keyStore, authority, '333444'));
    const copySigner = copySignerFromSigning(service, credentials);
    expect(await copySigner.preflight(c1.id, 'officer-1')).toEqual({ signerName: 'Phan Văn Chứng Thực' });
    expect(await errorCode(copySigner.preflight(c1.id, 'officer-2'))).toBe('FORBIDDEN');
    const input = corpus('dss/dss-pades/src/test/resources/pdf-two-fields.pdf');
    const signed1 = await copySigner.sign({
      pdf: input,
      field: 'signature-test',
      credentialId: c1.id,
      pin: '111222',
      actorId: 'officer-1',
      appearance: 'individual',
      displayName: 'Phan Văn Chứng Thực',
      certify: 2,
      reason: 'Chứng thực bản sao đúng với bản chính',
      location: 'Đông Xá',
      level: 'B-B',
    });
    // The authority seal, applied the same way over the certified copy and over a plain PDF.
    const sealWith = (pdf: Buffer, field: string) =>
      copySigner.sign({
        pdf,
        field,
        credentialId: c2.id,
        pin: '333444',
        actorId: 'officer-1',
        appearance: 'organization',
        image: seal,
        // The corpus form's field is 50 pt square: a seal drawn at its real size must fit it.
        sealDiameterMm: 17,
        sealOnly: true,
        displayName: 'UBND xã Đông Xá',
        reason: 'Đóng dấu',
        location: 'Đông Xá',
        level: 'B-B',
      });
    const signed2 = await sealWith(signed1, 'signature-test2');
    assertSignedOk(input, signed2, 2, ca, 'copy-signer');
    const f = join(tmp(), 'c.pdf');
    writeFileSync(f, signed2);
    const text = pdfsig(f, nssDbTrusting(ca.certPem)).text;
    expect(text).toContain('Signature Field Name: signature-test\n');
    expect(text).toContain('Signature Field Name: signature-test2');
    // Under P=2 no new field may be added (ISO 32000-1 §12.8.2.2): the new-field case is uncertified.
    const plain = readFileSync(join(root, 'examples', 'quyet-dinh.pdf'));
    const s3 = await sealWith(plain, 'DauCoQuan');
    assertSignedOk(plain, s3, 1, ca, 'copy-signer-new-field');
    const f3 = join(tmp(), 'c3.pdf');
    writeFileSync(f3, s3);
    expect(pdfsig(f3, nssDbTrusting(ca.certPem)).text).toContain('Signature Field Name: DauCoQuan');
  });

  it('ok/a PIN given to preflight is checked there (a wrong one counted) and unlocks one signature, audited; a second is refused', async () => {
    const certifier = issueSigner(ca, { cn: 'Phan Văn Chứng Thực' });
    const { service, credentials, keyStore, audit } = makeService();
    const c1 = await credentials.register(officerCredential(keyStore, certifier, '111222'));
    const copySigner = copySignerFromSigning(service, credentials);
    expect(await errorCode(copySigner.preflight(c1.id, 'officer-1', '000000'))).toBe('PIN_INVALID');
    expect((await credentials.get(c1.id, 'officer-1')).failedAttempts).toBe(1);
    const ready = await copySigner.preflight(c1.id, 'officer-1', '111222');
    expect(ready.signerName).toBe('Phan Văn Chứng Thực');
    expect((await credentials.get(c1.id, 'officer-1')).failedAttempts).toBe(0);
    const input = corpus('dss/dss-pades/src/test/resources/pdf-two-fields.pdf');
    const request = {
      pdf: input,
      field: 'signature-test',
      credentialId: c1.id,
      actorId: 'officer-1',
      appearance: 'individual' as const,
      displayName: 'Phan Văn Chứng Thực',
      certify: 2 as const,
      reason: 'Chứng thực bản sao đúng với bản chính',
      location: 'Đông Xá',
      level: 'B-B' as const,
    };
    const signed = await ready.signOnce!(request);
    assertSignedOk(input, signed, 1, ca, 'copy-signer-unlocked');
    expect(audit.events.filter((e) => e.action === 'signing.sign').map((e) => [e.actor, e.outcome])).toEqual([['officer-1', 'success']]);
    expect(await errorCode(ready.signOnce!(request))).toBe('FORBIDDEN');
  });
});
