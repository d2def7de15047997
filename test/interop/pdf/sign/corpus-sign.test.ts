import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { PdfDocument, formFields } from '../../../../src/pdf/syntax/index.js';
import { docMdpPermission, preparePdfSignature } from '../../../../src/pdf/sign/index.js';
import { unsignedPlaceholders } from '../../../../src/pdf/sign/unsigned-placeholder.js';
import { blockOk, makePki, mutoolVerify, opensslVerify, pdfsig, qpdfCheck, signaturesIn, signPdf, tmpDir, type TestPki } from './tools.js';
import { corpusRoot } from '../../../fixtures/corpus.js';

/**
 * Signs every readable corpus input a signer must handle (xref streams, object streams, hybrid,
 * linearized, earlier signatures, certified/locked documents) and checks the result with the
 * external tools; refusals must match the corpus `expect.signer` verdicts.
 */
const root = corpusRoot();
interface Entry {
  path: string;
  category: string;
  expect: { signer?: Record<string, string> };
  observed?: { features?: string[] };
}
const files = (JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as { files: Entry[] }).files.filter((f) =>
  ['unsigned-structure', 'signed-valid', 'signed-modified-allowed', 'mdp'].includes(f.category),
);

let pki: TestPki;
beforeAll(() => {
  pki = makePki('p256', undefined, 'Corpus Signer');
});

describe('signing corpus inputs', () => {
  for (const f of files) {
    it(`${f.category}: ${f.path}`, async () => {
      const input = readFileSync(path.join(root, f.path));
      let doc: PdfDocument;
      try {
        doc = PdfDocument.open(input);
      } catch (e) {
        // only encrypted inputs may be refused at open time in these categories
        expect((e as AppError).code).toBe('PDF_ENCRYPTED');
        return;
      }
      // corpus verdicts, plus our policy: DocMDP P=1 (ISO 32000-1 §12.8.2.2) forbids new signatures
      const refuse = f.expect.signer?.newSignature === 'refuse' || docMdpPermission(doc) === 1;
      if (f.expect.signer?.newSignature === 'allow') expect(docMdpPermission(doc)).not.toBe(1);
      if (refuse) {
        await expect(signPdf(input, pki, {})).rejects.toMatchObject({ code: 'PDF_SIGNING_FORBIDDEN' });
        // a document timestamp stays possible (ETSI EN 319 142-1 §5.5: LTV material after certification)
        expect(preparePdfSignature(input, { subFilter: 'ETSI.RFC3161', placeholderSize: 4096 }).byteRange[0]).toBe(0);
        return;
      }
      expect(doc.catalog).toBeDefined();
      // An unsigned placeholder (/V with zero-filled /Contents) is signed in place; several are refused
      // (signing one would leave the others broken beside it).
      const placeholders = unsignedPlaceholders(doc, formFields(doc)).length;
      if (placeholders > 1) {
        await expect(signPdf(input, pki, {})).rejects.toMatchObject({ code: 'SIGNATURE_FIELD_PLACEHOLDER_BROKEN' });
        return;
      }
      const out = await signPdf(input, pki, { reason: 'corpus' });
      expect(out.subarray(0, input.length).equals(input)).toBe(true);
      const dir = tmpDir('kyso-pdf-corpus-');
      const inFile = path.join(dir, 'in.pdf');
      const outFile = path.join(dir, 'out.pdf');
      writeFileSync(inFile, input);
      writeFileSync(outFile, out);
      // qpdf: no new damage (0 stays 0; warnings-only stays at most warnings)
      const qi = qpdfCheck(inFile).code;
      const qo = qpdfCheck(outFile);
      if (qi === 0) expect(qo.code, qo.out).toBe(0);
      else if (qi === 3) expect([0, 3], qo.out).toContain(qo.code);
      // pdfsig (offline: these files carry foreign certificates): earlier verdicts unchanged, ours
      // valid; trust in our root is checked on files holding only our signatures (sign.test.ts)
      const before = pdfsig(inFile, pki, { offline: true });
      const after = pdfsig(outFile, pki, { offline: true });
      if (placeholders === 1) {
        // the placeholder pdfsig listed as broken is now our valid signature; no field was added
        expect(after.valid.length, after.out).toBe(before.valid.length);
        expect(after.valid.filter((x) => x).length, after.out).toBe(before.valid.filter((x) => x).length + 1);
      } else {
        expect(after.valid.length, after.out).toBe(before.valid.length + 1);
        expect(after.valid.slice(0, -1), after.out).toEqual(before.valid);
        expect(after.valid.at(-1), after.out).toBe(true);
      }
      const mu = mutoolVerify(outFile);
      expect(mu.digestOk.at(-1), mu.out).toBe(true);
      const ours = signaturesIn(out).at(-1)!;
      expect(ours.byteRange[2]! + ours.byteRange[3]!).toBe(out.length);
      const v = opensslVerify(out, ours, pki);
      expect(v.code, v.out).toBe(0);
      // re-reading the output gives an xref section of the same kind as the input's last one
      expect(PdfDocument.open(out).lastSectionKind).toBe(doc.repaired ? PdfDocument.open(out).lastSectionKind : doc.lastSectionKind);
    });
  }
});

/** Inputs with empty signature fields: sign the first one by name (ISO 32000-1 §12.7.4.5). */
describe('signing an existing empty field of corpus inputs', () => {
  for (const f of files) {
    it(`${f.path}`, async () => {
      const input = readFileSync(path.join(root, f.path));
      let doc: PdfDocument;
      try {
        doc = PdfDocument.open(input);
      } catch {
        return; // encrypted: covered above
      }
      const empty = formFields(doc).filter((x) => x.fieldType === 'Sig' && !x.value && x.ref);
      if (empty.length === 0 || docMdpPermission(doc) === 1) return;
      const target = empty[0]!;
      let out: Buffer;
      try {
        out = await signPdf(input, pki, { fieldName: target.name });
      } catch (e) {
        // a lock may forbid this field; that must be our stable refusal
        expect((e as AppError).code).toBe('PDF_SIGNING_FORBIDDEN');
        return;
      }
      expect(out.subarray(0, input.length).equals(input)).toBe(true);
      const after = PdfDocument.open(out);
      const filled = formFields(after).find((x) => x.name === target.name)!;
      expect(filled.value).toBeDefined();
      const dir = tmpDir('kyso-pdf-field-');
      writeFileSync(path.join(dir, 'out.pdf'), out);
      const ps = pdfsig(path.join(dir, 'out.pdf'), pki, { offline: true });
      expect(ps.out).toContain(`Signature Field Name: ${target.name}`);
      const ours = signaturesIn(out).at(-1)!;
      expect(opensslVerify(out, ours, pki).code).toBe(0);
      // mutool lists signatures in /Fields order: find ours by its signer
      const mu = mutoolVerify(path.join(dir, 'out.pdf'));
      const mine = mu.blocks.filter((b) => b.includes('cn=Corpus Signer'));
      expect(mine.length, mu.out).toBe(1);
      expect(blockOk(mine[0]!), mu.out).toBe(true);
    });
  }
});

/**
 * Malformed and attack inputs that still open (some only after a reported repair): a new
 * signature is placed or refused with a stable code, and a repaired input's update carries a
 * complete xref section, so the result reads back without any repair.
 */
const odd = (JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as { files: Entry[] }).files.filter((f) =>
  ['malformed', 'attack', 'tampered'].includes(f.category),
);
describe('signing malformed, attacked and tampered corpus inputs', () => {
  for (const f of odd) {
    it(`${f.category}: ${f.path}`, async () => {
      const input = readFileSync(path.join(root, f.path));
      let out: Buffer;
      try {
        out = await signPdf(input, pki, {});
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).code).toMatch(/^PDF_/);
        return;
      }
      expect(out.subarray(0, input.length).equals(input)).toBe(true);
      const re = PdfDocument.open(out, { repair: false });
      expect(re.catalog).toBeDefined();
      const ours = signaturesIn(out).at(-1)!;
      expect(ours.byteRange[2]! + ours.byteRange[3]!).toBe(out.length);
      expect(opensslVerify(out, ours, pki).code).toBe(0);
      const dir = tmpDir('kyso-pdf-odd-');
      writeFileSync(path.join(dir, 'out.pdf'), out);
      const ps = pdfsig(path.join(dir, 'out.pdf'), pki, { offline: true });
      expect(ps.valid.at(-1), ps.out).toBe(true);
    });
  }
});
