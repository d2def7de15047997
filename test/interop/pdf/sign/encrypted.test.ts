import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppearanceCanvas } from '../../../../src/pdf/appearance/index.js';
import { preparePdfSignature, standardSecurity } from '../../../../src/pdf/sign/index.js';
import { PdfDict, PdfDocument, PdfString, formFields } from '../../../../src/pdf/syntax/index.js';
import { makePki, opensslVerify, sh, signaturesIn, signPdf, tmpDir, type TestPki } from './tools.js';
import { corpusRoot } from '../../../fixtures/corpus.js';

/**
 * Encrypted inputs (standard security handler R2, R3, R4/AES-128, R6/AES-256) signed with the
 * user or owner password: the update is encrypted like the file, qpdf and pdfsig (given the
 * password) accept it, and permissions are enforced the way the corpus expects.
 */
const root = corpusRoot();
const py = 'pyhanko/internal/common-test-utils/src/pyhanko_testing_commons/test_data/data/pdf/';
const cases: Array<{ file: string; password: string; fieldName?: string; owner?: boolean }> = [
  { file: `${py}minimal-rc4.pdf`, password: 'usersecret' },
  { file: `${py}minimal-aes256.pdf`, password: 'ownersecret', owner: true },
  { file: `${py}minimal-with-field-aes256.pdf`, password: 'usersecret', fieldName: 'Sig1' },
  { file: 'libpdf/fixtures/encryption/PasswordSample-40bit.pdf', password: 'owner', owner: true },
  { file: 'libpdf/fixtures/encryption/issue17069.pdf', password: '' },
  { file: 'dss/dss-pades/src/test/resources/protected/open_protected.pdf', password: ' ' },
  { file: 'dss/dss-pades/src/test/resources/protected/restricted_fields.pdf', password: '', fieldName: 'Signature2' },
];

let pki: TestPki;
beforeAll(() => {
  pki = makePki('p256', undefined, 'Encrypted Signer');
});

describe('signing encrypted PDFs with a password', () => {
  for (const c of cases) {
    it(`${c.file} (${c.fieldName ? 'existing field' : 'new visible field'})`, async () => {
      const input = readFileSync(path.join(root, c.file));
      await expect(signPdf(input, pki, {})).rejects.toMatchObject({ code: 'PDF_ENCRYPTED' });
      await expect(signPdf(input, pki, { password: 'not-the-password' })).rejects.toMatchObject({ code: 'PDF_ENCRYPTED' });
      const canvas = new AppearanceCanvas(160, 40);
      canvas.text('Đã ký số', 4, 14, 'regular', 12);
      const o = c.fieldName
        ? { password: c.password, fieldName: c.fieldName, reason: 'Mã hoá' }
        : {
            password: c.password,
            rect: [40, 40, 200, 80] as [number, number, number, number],
            appearance: await canvas.finish(),
            reason: 'Mã hoá',
          };
      const out = await signPdf(input, pki, o);
      expect(out.subarray(0, input.length).equals(input)).toBe(true);
      const dir = tmpDir('kyso-pdf-enc-');
      const file = path.join(dir, 'out.pdf');
      writeFileSync(file, out);
      const q = sh('qpdf', ['--check', `--password=${c.password}`, file]);
      expect(q.code, q.out).toBe(0);
      // our strings were encrypted with the file's key: reading back through the handler gives clear text
      const doc = PdfDocument.open(out, { security: standardSecurity(c.password) });
      const field = formFields(doc).find((f) => f.name === (c.fieldName ?? 'Signature1'))!;
      const sig = doc.resolve(field.value) as PdfDict;
      expect((sig.get('Reason') as PdfString).text()).toBe('Mã hoá');
      // pdfsig, told the password, finds our signature valid and trusted
      const db = tmpDir('kyso-nss-');
      sh('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
      sh('certutil', ['-A', '-d', `sql:${db}`, '-n', 'root', '-t', 'CT,C,C', '-i', pki.rootFile]);
      const ps = sh('pdfsig', ['-nssdir', `sql:${db}`, '-no-ocsp', c.owner ? '-opw' : '-upw', c.password, file]).out; // offline: some inputs carry foreign certificates
      const verdicts = [...ps.matchAll(/- Signature Validation: (.*)/g)].map((m) => m[1]);
      expect(verdicts.at(-1), ps).toBe('Signature is Valid.');
      expect(ps).toContain('Encrypted Signer');
      const ours = signaturesIn(out).at(-1)!;
      expect(opensslVerify(out, ours, pki).code).toBe(0);
      if (!c.fieldName) {
        const text = sh('pdftotext', [c.owner ? '-opw' : '-upw', c.password, file, '-']).out;
        expect(text).toContain('Đã ký số');
      }
    });
  }

  it('permissions: without the owner password a new field is refused where the file forbids it, signing an existing field is allowed', () => {
    const restricted = readFileSync(path.join(root, 'dss/dss-pades/src/test/resources/protected/restricted_fields.pdf'));
    expect(() => preparePdfSignature(restricted, { password: '' })).toThrow(expect.objectContaining({ code: 'PDF_SIGNING_FORBIDDEN' }));
    expect(preparePdfSignature(restricted, { password: '', fieldName: 'Signature1' }).fieldName).toBe('Signature1');
    const none = readFileSync(path.join(root, 'dss/dss-pades/src/test/resources/protected/edition_protected_none.pdf'));
    expect(() => preparePdfSignature(none, { password: '' })).toThrow(expect.objectContaining({ code: 'PDF_SIGNING_FORBIDDEN' }));
    expect(preparePdfSignature(none, { password: ' ' }).byteRange[0]).toBe(0); // the owner password allows it
  });
});
