import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { standardSecurity } from '../../../../src/pdf/sign/index.js';
import { PdfDocument, formFields, getPage, pageCount, PdfStream } from '../../../../src/pdf/syntax/index.js';
import { corpusRoot } from '../../../fixtures/corpus.js';

const root = corpusRoot();
const py = 'pyhanko/internal/common-test-utils/src/pyhanko_testing_commons/test_data/data/pdf/';

/** Standard security handler (ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4) on the corpus' encrypted files. */
describe('standard security handler', () => {
  const cases: Array<[string, string, boolean, string[]]> = [
    ['libpdf/fixtures/encryption/PasswordSample-40bit.pdf', 'user', false, []], // R2 RC4-40
    ['libpdf/fixtures/encryption/PasswordSample-40bit.pdf', 'owner', true, []],
    [`${py}minimal-rc4.pdf`, 'usersecret', false, []], // R3 RC4-128
    [`${py}minimal-rc4.pdf`, 'ownersecret', true, []],
    ['dss/dss-pades/src/test/resources/protected/open_protected.pdf', ' ', true, []], // R4 AES-128
    ['libpdf/fixtures/encryption/issue17069.pdf', '', false, ['SBKrAnB9R3g9']],
    [`${py}minimal-aes256.pdf`, 'usersecret', false, []], // R6 AES-256
    [`${py}minimal-aes256.pdf`, 'ownersecret', true, []],
    ['libpdf/fixtures/encryption/PasswordSample-256bit.pdf', 'owner', true, []],
    [`${py}minimal-with-field-aes256.pdf`, 'usersecret', false, ['Sig1']],
    [
      'dss/dss-pades/src/test/resources/protected/restricted_fields.pdf',
      '',
      false,
      ['Signature1', 'Signature2', 'Signature3', 'Signature4'],
    ],
  ];
  for (const [file, pw, owner, fields] of cases) {
    it(`${path.basename(file)} opens with ${JSON.stringify(pw)} (${owner ? 'owner' : 'user'})`, () => {
      const doc = PdfDocument.open(readFileSync(path.join(root, file)), { security: standardSecurity(pw) });
      expect(doc.security!.owner).toBe(owner);
      expect(pageCount(doc)).toBeGreaterThan(0);
      const page = getPage(doc, 0);
      // decrypted content streams inflate (a wrong key would make FlateDecode fail)
      const contents = doc.resolve(page.dict.get('Contents'));
      const first = Array.isArray(contents) ? doc.resolve(contents[0]) : contents;
      if (first instanceof PdfStream) expect(doc.streamData(first).length).toBeGreaterThan(0);
      expect(formFields(doc).map((f) => f.name)).toEqual(expect.arrayContaining(fields));
    });
  }

  it('a wrong password and public-key handlers are PDF_ENCRYPTED', () => {
    expect(() =>
      PdfDocument.open(readFileSync(path.join(root, `${py}minimal-aes256.pdf`)), { security: standardSecurity('nope') }),
    ).toThrow(expect.objectContaining({ code: 'PDF_ENCRYPTED' }));
    expect(() => PdfDocument.open(readFileSync(path.join(root, `${py}minimal-rc4.pdf`)), { security: standardSecurity('nope') })).toThrow(
      expect.objectContaining({ code: 'PDF_ENCRYPTED' }),
    );
    expect(() =>
      PdfDocument.open(readFileSync(path.join(root, `${py}minimal-pubkey-aes256.pdf`)), { security: standardSecurity('') }),
    ).toThrow(expect.objectContaining({ code: 'PDF_ENCRYPTED' }));
  });
});
