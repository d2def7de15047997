import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pemEncode } from '../../../src/core/bytes.js';
import { systemClock } from '../../../src/core/clock.js';
import { SignService, MemorySignSessionRepository, createPdfSignatureEngine } from '../../../src/signing/index.js';
import { ADMIN, makePki } from '../../unit/pki/support/pki-fixture.js';

/**
 * End to end with poppler/NSS (docs/interop.md: pdfsig rejects a signer without emailProtection):
 * a certificate from our CA, delivered as PKCS#12, signs a PDF (the SignService) and
 * pdfsig, trusting only our root, reports the signature valid and the certificate trusted.
 */
const dir = mkdtempSync(join(tmpdir(), 'kyso-pki-pdfsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pdfsig accepts signatures by certificates of our CA', () => {
  it.each(['individual', 'organization'] as const)('ok/%s profile', async (profile) => {
    const pki = await makePki({ config: { caKeySpec: { type: 'rsa', bits: 2048 } } });
    const subject =
      profile === 'individual'
        ? { commonName: 'Nguyễn Văn An', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001234567890'], email: 'an@quangninh.gov.vn' }
        : { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', organization: 'UBND tỉnh Quảng Ninh', uids: ['MST:5700100256'] };
    // FakeClock in the fixture is 2026-03-01; pdfsig checks validity at "now", so issue for long enough.
    const res = await pki.issuance.issue(ADMIN, {
      profile,
      subject,
      validityDays: 5 * 365,
      key: { generate: { type: 'rsa', bits: 2048 }, pkcs12Password: 'pw-12345' },
    });
    const service = new SignService({
      engine: createPdfSignatureEngine(),
      clock: systemClock,
      audit: { append: async () => ({}) },
      sessions: new MemorySignSessionRepository(),
    } as never);
    const pdf = readFileSync(join(__dirname, '../../../examples/quyet-dinh.pdf'));
    const signed: Buffer = await (service as unknown as { sign(p: Buffer, o: unknown): Promise<Buffer> }).sign(pdf, {
      signer: { kind: 'pkcs12', pkcs12: res.pkcs12, password: 'pw-12345' },
      reason: 'Phê duyệt',
    });
    const file = join(dir, `${profile}.pdf`);
    writeFileSync(file, signed);
    const db = join(dir, `nss-${profile}`);
    execFileSync('mkdir', ['-p', db]);
    execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    writeFileSync(join(dir, 'root.pem'), pemEncode('CERTIFICATE', (await pki.store.cas.get('root'))!.certificateDer));
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'root', '-t', 'CT,C,C', '-i', join(dir, 'root.pem')]);
    const out = spawnSync('pdfsig', ['-nssdir', `sql:${db}`, '-no-ocsp', file], { encoding: 'utf8' });
    expect(out.stdout).toContain('Signature Validation: Signature is Valid.');
    expect(out.stdout).toContain('Certificate Validation: Certificate is Trusted.');
  });
});
