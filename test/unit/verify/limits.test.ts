/**
 * Hostile-input limits (docs/signatures-and-validation.md rule 14): loops, depth, inflate bombs, revision counts and
 * the time budget end with a FORMAT_FAILURE report carrying a LIMIT_* key, never a hang.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { verifyPdf } from '../../../src/pdf/verify/verify-pdf.js';
import { EMPTY_TRUST_STORE } from '../../../src/pdf/verify/trust-store.js';
import { corpusRoot } from '../../fixtures/corpus.js';

const opts = { trust: EMPTY_TRUST_STORE, offline: true };

/** A PDF with a classic xref table whose offsets are computed here. */
function pdfWith(objects: string[], trailerExtra = '', prevSelf = false): Buffer {
  let out = '%PDF-1.7\n';
  const offs: number[] = [];
  objects.forEach((o, i) => {
    offs.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${prevSelf ? `/Prev ${xref}` : ''} ${trailerExtra} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
const PAGES = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>',
];

describe('limits', () => {
  it('a /Prev loop is detected and the file still gets a report', async () => {
    const r = await verifyPdf(pdfWith(PAGES, '', true), opts);
    expect(r.subIndication).toBe('NO_SIGNATURE_FOUND');
    expect(r.warnings).toContain('PDF_XREF_RECOVERED');
  });

  it('a page tree that points to itself ends without a hang', async () => {
    const r = await verifyPdf(
      pdfWith(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>', PAGES[2]!]),
      opts,
    );
    expect(r.document.pages).toBe(1);
  });

  it('nesting deeper than maxDepth → LIMIT_DEPTH', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const r = await verifyPdf(pdfWith([`<< /Type /Catalog /Pages 2 0 R /Deep ${deep} >>`, PAGES[1]!, PAGES[2]!]), opts);
    expect([r.indication, r.subIndication, r.errors[0]]).toEqual(['TOTAL_FAILED', 'FORMAT_FAILURE', 'LIMIT_DEPTH']);
  });

  it('an inflate bomb in an xref stream → LIMIT_INFLATE', async () => {
    const bomb = deflateSync(Buffer.alloc(30 * 1024 * 1024));
    let out = '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n';
    const xref = out.length;
    out += `2 0 obj\n<< /Type /XRef /Size 3 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`;
    const pdf = Buffer.concat([
      Buffer.from(out, 'latin1'),
      bomb,
      Buffer.from(`\nendstream\nendobj\nstartxref\n${xref}\n%%EOF\n`, 'latin1'),
    ]);
    const r = await verifyPdf(pdf, opts);
    expect([r.indication, r.errors[0]]).toEqual(['TOTAL_FAILED', 'LIMIT_INFLATE']);
  });

  it('too many revisions → LIMIT_REVISIONS; an exhausted time budget → LIMIT_TIME', async () => {
    const file = readFileSync(join(corpusRoot(), 'dss', 'dss-pades', 'src', 'test', 'resources', 'validation', 'PAdES-LT.pdf'));
    const a = await verifyPdf(file, { ...opts, limits: { maxRevisions: 2 } });
    expect(a.errors).toEqual(['LIMIT_REVISIONS']);
    const b = await verifyPdf(file, { ...opts, limits: { timeBudgetMs: -1 } });
    expect([b.subIndication, b.errors[0]]).toEqual(['FORMAT_FAILURE', 'LIMIT_TIME']);
  });
});
