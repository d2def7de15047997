import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { preparePdfSignature, appendDss, placeholderSizeFor, prepareExistingPlaceholder } from '../../../../src/pdf/sign/index.js';
import { PdfDocument, formFields, PdfStream, PdfDict, PdfString } from '../../../../src/pdf/syntax/index.js';
import { AppearanceCanvas } from '../../../../src/pdf/appearance/index.js';
import { makePki, mutoolVerify, opensslVerify, pdfsig, qpdfCheck, signaturesIn, signPdf, tmpDir, type TestPki } from './tools.js';
import { corpusPath } from '../../../fixtures/corpus.js';

/** A small multi-page PDF made by pdf-lib (classic xref, or xref + object streams). */
async function samplePdf(pages = 3, objectStreams = false): Promise<Buffer> {
  const d = await PDFDocument.create();
  const font = await d.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) d.addPage([595, 842]).drawText(`Page ${i + 1}`, { x: 50, y: 780, size: 14, font });
  return Buffer.from(await d.save({ useObjectStreams: objectStreams }));
}

/** Every independent check on a signed output; `ours` = how many trailing signatures are ours. */
function checkAll(out: Buffer, input: Buffer, pki: TestPki, ours: number, label = 'out', o: { mutool?: boolean } = {}): void {
  expect(out.subarray(0, input.length).equals(input)).toBe(true); // append-only
  const dir = tmpDir('kyso-pdf-sign-');
  const file = path.join(dir, `${label}.pdf`);
  writeFileSync(file, out);
  const q = qpdfCheck(file);
  expect(q.code, q.out).toBe(0);
  const ps = pdfsig(file, pki);
  expect(ps.valid.length, ps.out).toBeGreaterThanOrEqual(ours);
  expect(ps.valid.slice(-ours), ps.out).toEqual(Array(ours).fill(true));
  expect(ps.trusted.slice(-ours), ps.out).toEqual(Array(ours).fill(true));
  if (o.mutool !== false) {
    const mu = mutoolVerify(file);
    expect(mu.digestOk.slice(-ours), mu.out).toEqual(Array(ours).fill(true));
  }
  const sigs = signaturesIn(out).slice(-ours);
  expect(sigs.length).toBe(ours);
  for (const s of sigs) {
    const v = opensslVerify(out, s, pki);
    expect(v.code, v.out).toBe(0);
  }
}

/*
 * Sequential signatures use different signers: pdfsig 22.12 reports "Unknown issue with
 * Certificate" for a second signature by the very same certificate (its NSS state is reused),
 * while `openssl cms -verify` and the first verdict show the chain is fine.
 */
let pki: TestPki;
let pkiB: TestPki;
let pkiC: TestPki;
beforeAll(() => {
  pki = makePki('rsa2048');
  pkiB = makePki('p256', undefined, 'Trần Thị Duyệt');
  pkiC = makePki('p384', undefined, 'Lê Văn Đóng Dấu');
});

describe('PAdES placement on simple PDFs', () => {
  it('one invisible signature on a classic-xref PDF: qpdf, pdfsig, mutool, openssl agree; bytes appended only', async () => {
    const input = await samplePdf(1);
    const out = await signPdf(input, pki, {
      reason: 'Phê duyệt kết quả',
      location: 'Quảng Ninh',
      name: 'Nguyễn Văn Test',
      contactInfo: 'test@example.vn',
    });
    checkAll(out, input, pki, 1);
    const doc = PdfDocument.open(out);
    const f = formFields(doc).find((x) => x.name === 'Signature1')!;
    const sig = doc.resolve(f.value) as import('../../../../src/pdf/syntax/index.js').PdfDict;
    expect(sig.getName('SubFilter')).toBe('ETSI.CAdES.detached');
    expect(doc.getDict(doc.catalog, 'AcroForm')!.getNumber('SigFlags')).toBe(3);
    expect(doc.lastSectionKind).toBe('table');
  });

  it('three signatures in sequence (RSA-2048, ECDSA P-256, ECDSA P-384), visible on different pages: all stay valid', async () => {
    const input = await samplePdf(3);
    const one = await signPdf(input, pki, { rect: [50, 50, 200, 120], page: 1 });
    checkAll(one, input, pki, 1, 'one');
    const two = await signPdf(one, pkiB, { rect: [220, 50, 370, 120], page: 2 });
    checkAll(two, one, pkiB, 1, 'two');
    const three = await signPdf(two, pkiC, { rect: [390, 50, 540, 120], page: 3, timeZoneOffsetMinutes: 420 });
    checkAll(three, two, pkiC, 1, 'three');
    const dir = tmpDir('kyso-pdf-3sig-');
    writeFileSync(path.join(dir, 'three.pdf'), three);
    expect(pdfsig(path.join(dir, 'three.pdf'), pki).valid).toEqual([true, true, true]);
    expect(mutoolVerify(path.join(dir, 'three.pdf')).digestOk).toEqual([true, true, true]);
    expect(formFields(PdfDocument.open(three)).map((f) => f.name)).toEqual(['Signature1', 'Signature2', 'Signature3']);
  });

  it('RSA-PSS and RSA-3072 signatures (mutool 1.21 cannot check PSS digests: pdfsig, openssl, qpdf only)', async () => {
    const input = await samplePdf(1);
    const pss = makePki('rsa2048', 'RSA-PSS-SHA256', 'Phạm PSS');
    const one = await signPdf(input, pss, {});
    checkAll(one, input, pss, 1, 'pss', { mutool: false });
    const r3072 = makePki('rsa3072', 'RSA-PKCS1-SHA384', 'Võ RSA 3072');
    const two = await signPdf(one, r3072, {});
    checkAll(two, one, r3072, 1, 'rsa3072');
  });

  it('xref-stream + object-stream input gets an xref stream update and verifies', async () => {
    const input = await samplePdf(2, true);
    expect(PdfDocument.open(input).lastSectionKind).toBe('stream');
    const out = await signPdf(input, pki, { rect: [10, 10, 100, 50], page: 2 });
    expect(PdfDocument.open(out).lastSectionKind).toBe('stream');
    checkAll(out, input, pki, 1);
    const out2 = await signPdf(out, pkiB, {});
    checkAll(out2, out, pkiB, 1, 'two');
  });

  it('input without a final end-of-line', async () => {
    const full = await samplePdf(1);
    let end = full.length;
    while (full[end - 1] === 0x0a || full[end - 1] === 0x0d) end--;
    const input = full.subarray(0, end);
    const out = await signPdf(input, pki, {});
    checkAll(out, input, pki, 1);
  });

  it('visible signature with an appearance bundle from src/pdf/appearance (Vietnamese text survives)', async () => {
    const input = await samplePdf(1);
    const canvas = new AppearanceCanvas(180, 60);
    canvas.text('Đã ký: Nguyễn Văn Test', 4, 24, 'regular', 10);
    const out = await signPdf(input, pki, { rect: [300, 100, 480, 160], appearance: await canvas.finish() });
    checkAll(out, input, pki, 1);
    const dir = tmpDir('kyso-pdf-vis-');
    writeFileSync(path.join(dir, 'v.pdf'), out);
    const { sh } = await import('./tools.js');
    expect(sh('pdftotext', [path.join(dir, 'v.pdf'), '-']).out).toContain('Nguyễn Văn Test');
    // render at 72 dpi (1 px = 1 pt): the widget's rectangle has dark pixels, the area left of it none
    expect(sh('pdftoppm', ['-r', '72', '-png', '-singlefile', path.join(dir, 'v.pdf'), path.join(dir, 'page')]).code).toBe(0);
    const { PNG } = await import('pngjs');
    const png = PNG.sync.read(readFileSync(path.join(dir, 'page.png')));
    const dark = (x0: number, y0: number, x1: number, y1: number): number => {
      let n = 0;
      for (let y = png.height - y1; y < png.height - y0; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * png.width + x) * 4;
          if (png.data[i]! < 128 && png.data[i + 1]! < 128 && png.data[i + 2]! < 128) n++;
        }
      return n;
    };
    expect(dark(300, 100, 480, 160)).toBeGreaterThan(50);
    expect(dark(100, 100, 280, 160)).toBe(0);
  });

  it('certification P=2 into an existing empty field, then the second existing field: both valid', async () => {
    const input = readFileSync(corpusPath('dss/dss-pades/src/test/resources/pdf-two-fields.pdf'));
    const empty = formFields(PdfDocument.open(input))
      .filter((f) => f.fieldType === 'Sig' && !f.value)
      .map((f) => f.name);
    expect(empty.length).toBe(2);
    const one = await signPdf(input, pki, { fieldName: empty[0]!, certify: 2 });
    checkAll(one, input, pki, 1, 'cert');
    const doc = PdfDocument.open(one);
    expect(doc.getDict(doc.getDict(doc.catalog, 'Perms'), 'DocMDP')).toBeDefined();
    await expect(signPdf(one, pki, { fieldName: empty[0]! })).rejects.toMatchObject({ code: 'PDF_FIELD_ALREADY_SIGNED' });
    await expect(signPdf(one, pki, { rect: [10, 10, 60, 60] })).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
    await expect(signPdf(one, pki, { certify: 1 })).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
    const two = await signPdf(one, pkiB, { fieldName: empty[1]! });
    checkAll(two, one, pkiB, 1, 'approve');
  });

  it('certification P=1 forbids any later signature; a missing field name is PDF_FIELD_NOT_FOUND', async () => {
    const input = await samplePdf(1);
    const cert = await signPdf(input, pki, { certify: 1 });
    checkAll(cert, input, pki, 1);
    await expect(signPdf(cert, pki, {})).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
    await expect(signPdf(input, pki, { fieldName: 'Nope' })).rejects.toMatchObject({ code: 'PDF_FIELD_NOT_FOUND' });
  });

  it('field lock (FieldMDP Include) on a new field: later signatures still valid, locked field refused', async () => {
    const input = readFileSync(corpusPath('dss/dss-pades/src/test/resources/pdf-two-fields.pdf'));
    const [a, b] = formFields(PdfDocument.open(input))
      .filter((f) => f.fieldType === 'Sig')
      .map((f) => f.name);
    const one = await signPdf(input, pki, { newFieldName: 'Approver', lock: { action: 'Include', fields: [a!] } });
    checkAll(one, input, pki, 1, 'lock');
    await expect(signPdf(one, pki, { fieldName: a! })).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
    const two = await signPdf(one, pkiB, { fieldName: b! });
    checkAll(two, one, pkiB, 1, 'after-lock');
  });

  it('placeholder overflow is reported (never truncated) and a larger placeholder succeeds', async () => {
    const input = await samplePdf(1);
    const small = preparePdfSignature(input, { placeholderSize: 256 });
    const big = Buffer.alloc(300, 1);
    expect(() => small.embed(big)).toThrow(AppError);
    try {
      small.embed(big);
    } catch (e) {
      expect((e as AppError).code).toBe('PLACEHOLDER_OVERFLOW');
    }
    const out = await signPdf(input, pki, { placeholderSize: 4096 });
    checkAll(out, input, pki, 1);
    // a size computed from the chain fits the CMS our signer builds
    const sized = await signPdf(input, pki, { placeholderSize: placeholderSizeFor({ certificates: [pki.leafDer, pki.rootDer] }) });
    checkAll(sized, input, pki, 1, 'sized');
  });

  it('appendDss adds /DSS in a new revision, keeps signatures valid, and merges without duplicates', async () => {
    const input = await samplePdf(1);
    const signed = await signPdf(input, pki, {});
    const withDss = appendDss(signed, { certs: [pki.leafDer, pki.rootDer], crls: [], ocsps: [] });
    expect(withDss.subarray(0, signed.length).equals(signed)).toBe(true);
    const again = appendDss(withDss, { certs: [pki.rootDer, Buffer.from('extra-cert-bytes')] });
    const doc = PdfDocument.open(again);
    const dss = doc.getDict(doc.catalog, 'DSS')!;
    const certs = (doc.get(dss, 'Certs') as unknown[]).map((r) => doc.streamData(doc.resolve(r as never) as PdfStream));
    expect(certs.length).toBe(3);
    expect(certs[0]!.equals(pki.leafDer)).toBe(true);
    const dir = tmpDir('kyso-pdf-dss-');
    writeFileSync(path.join(dir, 'd.pdf'), again);
    expect(qpdfCheck(path.join(dir, 'd.pdf')).code).toBe(0);
    expect(pdfsig(path.join(dir, 'd.pdf'), pki).valid).toEqual([true]);
  });

  it('document timestamp (B-LTA shape): /DocTimeStamp with an RFC 3161 token from the in-process TSA verifies with openssl ts', async () => {
    const { issueSigner, sharedTestCa } = await import('../../../fixtures/pki-fixture.js');
    const { createTimestampAuthority } = await import('../../../../src/cms/timestamp-authority.js');
    const { signWithKey } = await import('../../../../src/core/signature-algorithms.js');
    const { systemClock } = await import('../../../../src/core/clock.js');
    const { createPublicKey } = await import('node:crypto');
    const ca = sharedTestCa();
    const t = issueSigner(ca, {
      cn: 'Kyso Test TSA',
      key: 'p256',
      keyUsage: 'critical,digitalSignature',
      extendedKeyUsage: 'critical,timeStamping',
    });
    const tsa = createTimestampAuthority({
      signer: {
        algorithm: 'ECDSA-SHA256',
        publicKeySpki: createPublicKey(t.key).export({ type: 'spki', format: 'der' }),
        sign: async (d) => signWithKey('ECDSA-SHA256', t.key, d),
      },
      certificate: t.certDer,
      chain: [ca.certDer],
      policyOid: '1.3.6.1.4.1.99999.1',
      clock: systemClock,
    });
    const input = await samplePdf(1);
    const signed = await signPdf(input, pki, {});
    const withDss = appendDss(signed, { certs: [pki.leafDer, pki.rootDer] });
    const p = preparePdfSignature(withDss, { subFilter: 'ETSI.RFC3161', placeholderSize: 8192 });
    const { token } = await tsa.issue({ hash: 'sha256', digest: p.digest('sha256'), certReq: true });
    const out = p.embed(token);
    expect(out.subarray(0, withDss.length).equals(withDss)).toBe(true);
    const dir = tmpDir('kyso-pdf-dts-');
    writeFileSync(path.join(dir, 'ts.pdf'), out);
    expect(qpdfCheck(path.join(dir, 'ts.pdf')).code).toBe(0);
    expect(pdfsig(path.join(dir, 'ts.pdf'), pki).valid[0]).toBe(true); // the earlier signature is untouched
    const [, tsSig] = signaturesIn(out);
    const [a, b, c, d] = tsSig!.byteRange as [number, number, number, number];
    writeFileSync(path.join(dir, 'signed.bin'), Buffer.concat([out.subarray(a, a + b), out.subarray(c, c + d)]));
    writeFileSync(path.join(dir, 'token.der'), tsSig!.cms);
    const { sh } = await import('./tools.js');
    const v = sh(
      'openssl',
      ['ts', '-verify', '-data', 'signed.bin', '-in', 'token.der', '-token_in', '-CAfile', ca.certPath, '-untrusted', t.certPath],
      dir,
    );
    expect(v.out).toContain('Verification: OK');
    const doc = PdfDocument.open(out);
    expect(formFields(doc).filter((f) => f.fieldType === 'Sig' && f.value)).toHaveLength(2);
  });

  it('certify P=2 while creating empty fields for the approvers; they then sign those fields with visible stamps', async () => {
    const input = await samplePdf(1);
    const cert = await signPdf(input, pkiC, {
      certify: 2,
      rect: [50, 700, 250, 780],
      newFieldName: 'Co quan',
      emptyFields: [
        { name: 'Tham dinh', rect: [50, 50, 200, 120] },
        { name: 'Phe duyet', rect: [300, 50, 450, 120] },
      ],
    });
    checkAll(cert, input, pkiC, 1, 'certify');
    const names = formFields(PdfDocument.open(cert)).map((f) => [f.name, !!f.value]);
    expect(names).toEqual([
      ['Co quan', true],
      ['Tham dinh', false],
      ['Phe duyet', false],
    ]);
    const canvas = new AppearanceCanvas(150, 70);
    canvas.text('Thẩm định', 4, 30, 'regular', 10);
    const one = await signPdf(cert, pki, { fieldName: 'Tham dinh', appearance: await canvas.finish() });
    checkAll(one, cert, pki, 1, 'appraise');
    const two = await signPdf(one, pkiB, { fieldName: 'Phe duyet' });
    checkAll(two, one, pkiB, 1, 'approve');
    const dir = tmpDir('kyso-pdf-cert3-');
    writeFileSync(path.join(dir, 'all.pdf'), two);
    expect(pdfsig(path.join(dir, 'all.pdf'), pkiC).valid).toEqual([true, true, true]);
    expect(mutoolVerify(path.join(dir, 'all.pdf')).digestOk).toEqual([true, true, true]);
  });

  it('signing a field that carries /Lock mirrors the lock as the signature FieldMDP transform (corpus fieldmdp-exclude.pdf)', async () => {
    const input = readFileSync(corpusPath('dss/dss-pades/src/test/resources/validation/dss-2554/fieldmdp-exclude.pdf'));
    const field = formFields(PdfDocument.open(input)).find((f) => f.name === 'Handtekening houder')!;
    expect(field.lock?.getName('Action')).toBe('Exclude');
    const out = await signPdf(input, pki, { fieldName: field.name });
    checkAll(out, input, pki, 1, 'locked-field');
    const doc = PdfDocument.open(out);
    const signed = formFields(doc).find((f) => f.name === field.name)!;
    const sig = doc.resolve(signed.value) as PdfDict;
    const refs = doc.resolve(sig.get('Reference')) as PdfDict[];
    const fieldMdp = refs.map((r) => doc.resolve(r) as PdfDict).find((r) => r.getName('TransformMethod') === 'FieldMDP')!;
    const params = doc.getDict(fieldMdp, 'TransformParams')!;
    expect(params.getName('Action')).toBe('Exclude');
    const names = (x: unknown): string[] => (doc.resolve(x as never) as PdfString[]).map((s) => s.text());
    expect(names(params.get('Fields'))).toEqual(names(field.lock!.get('Fields')));
    // fields the lock excludes may still be signed; once a field locking /All is signed, nothing else may be
    const two = await signPdf(out, pkiB, { fieldName: 'Handtekening QuoVadis' });
    checkAll(two, out, pkiB, 1, 'excluded-field');
    await expect(signPdf(two, pkiC, { fieldName: 'Handtekening vertegenwoordiger' })).rejects.toMatchObject({
      code: 'PDF_SIGNING_FORBIDDEN',
    });
    await expect(signPdf(two, pkiC, {})).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
  });

  it('fills a placeholder another tool prepared (corpus pdf-with-empty-sig.pdf); two placeholders are refused', async () => {
    const input = readFileSync(corpusPath('dss/dss-pades/src/test/resources/validation/pdf-with-empty-sig.pdf'));
    const p = prepareExistingPlaceholder(input);
    expect(p.byteRange[2] + p.byteRange[3]).toBe(input.length);
    const { signDetachedCms } = await import('../../../../src/cms/signed-data.js');
    const cms = await signDetachedCms({
      contentDigest: p.digest('sha256'),
      signer: pki.signer,
      signerCertificate: pki.leafDer,
      certificates: [pki.leafDer, pki.rootDer],
    });
    const out = p.embed(cms);
    expect(out.length).toBe(input.length);
    const dir = tmpDir('kyso-pdf-fill-');
    writeFileSync(path.join(dir, 'f.pdf'), out);
    expect(pdfsig(path.join(dir, 'f.pdf'), pki).valid).toEqual([true]);
    expect(opensslVerify(out, signaturesIn(out)[0]!, pki).code).toBe(0);
    const two = readFileSync(corpusPath('dss/dss-pades/src/test/resources/validation/pdf-with-two-empty-sigs.pdf'));
    expect(() => prepareExistingPlaceholder(two)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    const plain = await samplePdf(1);
    expect(() => prepareExistingPlaceholder(plain)).toThrow(expect.objectContaining({ code: 'PDF_FIELD_NOT_FOUND' }));
  });
});
