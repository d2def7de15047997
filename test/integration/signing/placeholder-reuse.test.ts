import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { PdfDocument } from '../../../src/pdf/syntax/document.js';
import { formFields } from '../../../src/pdf/syntax/acroform.js';
import { errorCode } from '../../unit/signing/helpers.js';
import { makeService } from './harness.js';
import { withPlaceholders } from '../../fixtures/placeholder-pdf.js';
import { nssDbTrusting, pdfsig, qpdfCheck, tmp } from './tools.js';

/**
 * A document whose signature field holds an unsigned placeholder (/V → a signature dictionary
 * with zero-filled /Contents, what a tool leaves when it reserves a signature and never embeds
 * the CMS). The new signature goes into that field; it never sits beside the broken one.
 */
const ca = sharedTestCa();
const signer = issueSigner(ca, { cn: 'Nguyễn Thị Ký' });
const p12 = { kind: 'pkcs12' as const, pkcs12: signer.p12('pw'), password: 'pw' };
const db = nssDbTrusting(ca.certPem);

function sigFieldNames(pdf: Buffer): string[] {
  return formFields(PdfDocument.open(pdf))
    .filter((f) => f.fieldType === 'Sig')
    .map((f) => f.name);
}

function check(pdf: Buffer, label: string) {
  const file = join(tmp(), `${label}.pdf`);
  writeFileSync(file, pdf);
  return { sig: pdfsig(file, db), qpdf: qpdfCheck(file) };
}

describe('signing a document with an unsigned placeholder', () => {
  it('ok/signs the placeholder in place: same field, one valid signature, no field added', async () => {
    const input = await withPlaceholders(['ChuKy_LanhDao']);
    const before = check(input, 'placeholder-input');
    expect(before.sig.valid, before.sig.text).toBe(0); // the placeholder is a broken signature
    const { service } = makeService();
    const out = await service.sign(input, { signer: p12, reason: 'Phê duyệt' });
    expect(out.subarray(0, input.length).equals(input)).toBe(true);
    expect(sigFieldNames(out)).toEqual(['ChuKy_LanhDao']);
    const after = check(out, 'placeholder-signed');
    expect(after.sig.count, after.sig.text).toBe(1);
    expect(after.sig.valid, after.sig.text).toBe(1);
    expect(after.sig.text).not.toMatch(/Signature is Invalid|Digest Mismatch|not signed/);
    expect(after.qpdf.ok, after.qpdf.text).toBe(true);
  });

  it('ok/signs it by name with a visible stamp; a second signature then adds its own field and both stay valid', async () => {
    const input = await withPlaceholders(['ChuKy_LanhDao']);
    const { service } = makeService();
    const first = await service.sign(input, {
      signer: p12,
      fieldName: 'ChuKy_LanhDao',
      appearance: { kind: 'individual', texts: { title: 'GIÁM ĐỐC' } },
    });
    expect(sigFieldNames(first)).toEqual(['ChuKy_LanhDao']);
    const second = await service.sign(first, { signer: p12, reason: 'Đóng dấu' });
    expect(sigFieldNames(second)).toHaveLength(2);
    const r = check(second, 'placeholder-then-second');
    expect([r.sig.count, r.sig.valid], r.sig.text).toEqual([2, 2]);
  });

  it('fail/two placeholders: neither a new field nor one of them → SIGNATURE_FIELD_PLACEHOLDER_BROKEN, nothing produced', async () => {
    const input = await withPlaceholders(['A', 'B']);
    const { service, audit } = makeService();
    expect(await errorCode(service.sign(input, { signer: p12 }))).toBe('SIGNATURE_FIELD_PLACEHOLDER_BROKEN');
    expect(await errorCode(service.sign(input, { signer: p12, fieldName: 'A' }))).toBe('SIGNATURE_FIELD_PLACEHOLDER_BROKEN');
    expect(audit.events.filter((e) => e.outcome === 'success')).toHaveLength(0);
  });

  it('fail/a new field name beside a placeholder → SIGNATURE_FIELD_PLACEHOLDER_BROKEN naming it', async () => {
    const input = await withPlaceholders(['ChuKy_LanhDao']);
    const { service } = makeService();
    const err = await service.sign(input, { signer: p12, newFieldName: 'Khac' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SIGNATURE_FIELD_PLACEHOLDER_BROKEN', message: expect.stringContaining('"ChuKy_LanhDao"') });
  });

  it('fail/the placeholder is the certification signature (/Perms /DocMDP names it) → SIGNATURE_FIELD_PLACEHOLDER_BROKEN', async () => {
    const input = await withPlaceholders(['Certify'], { certification: true });
    const { service } = makeService();
    const err = await service.sign(input, { signer: p12 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SIGNATURE_FIELD_PLACEHOLDER_BROKEN', message: expect.stringContaining('/DocMDP') });
  });
});
