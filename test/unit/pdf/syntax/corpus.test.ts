import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { PdfDocument, formFields, getPage, pageCount, PdfDict, PdfRevisions } from '../../../../src/pdf/syntax/index.js';
import { corpusRoot } from '../../../fixtures/corpus.js';

const root = corpusRoot();
interface Entry {
  path: string;
  category: string;
  signatures?: number;
  docTimestamps?: number;
  expect: Record<string, unknown>;
  observed?: { features?: string[]; eofCount?: number };
}
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as { files: Entry[] };

/** Opening must succeed or fail with one of our stable PDF codes, never crash or hang. */
function tryOpen(bytes: Buffer): PdfDocument | AppError {
  try {
    return PdfDocument.open(bytes);
  } catch (e) {
    if (e instanceof AppError && e.code.startsWith('PDF_')) return e;
    throw e;
  }
}

describe('corpus: reader opens well-formed files and fails cleanly on the rest', () => {
  for (const f of manifest.files) {
    it(`${f.category}: ${f.path}`, () => {
      const bytes = readFileSync(path.join(root, f.path));
      const r = tryOpen(bytes);
      if (f.category === 'encrypted') {
        expect(r).toBeInstanceOf(AppError);
        expect((r as AppError).code).toBe('PDF_ENCRYPTED');
        // the structure stays readable for a verifier that asks for it
        const doc = PdfDocument.open(bytes, { allowEncrypted: true });
        expect(doc.trailer.has('Encrypt')).toBe(true);
        return;
      }
      const wellFormed = ['unsigned-structure', 'signed-valid', 'signed-modified-allowed', 'mdp'].includes(f.category);
      if (wellFormed) {
        expect(r).toBeInstanceOf(PdfDocument);
        const doc = r as PdfDocument;
        expect(doc.catalog).toBeInstanceOf(PdfDict);
        expect(getPage(doc, 0).dict).toBeInstanceOf(PdfDict);
        expect(pageCount(doc)).toBeGreaterThan(0);
        expect(PdfRevisions.open(bytes).revisions.length).toBeGreaterThan(0);
        if (f.category.startsWith('signed') && typeof f.signatures === 'number') {
          // signature fields with a value, plus a usage-rights signature referenced from /Perms /UR3
          const signed = formFields(doc).filter((x) => x.fieldType === 'Sig' && x.value).length;
          const ur3 = doc.getDict(doc.getDict(doc.catalog, 'Perms'), 'UR3') ? 1 : 0;
          expect(signed + ur3).toBeGreaterThanOrEqual(f.signatures);
        }
        return;
      }
      // malformed / attack / tampered: a document or a clean PDF_* error; page lookups may fail cleanly
      if (r instanceof PdfDocument) {
        try {
          getPage(r, 0);
          formFields(r);
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
        }
      }
    });
  }
});
