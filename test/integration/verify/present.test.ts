/**
 * The presenter (src/pdf/verify/present.ts) on real reports of our own signatures: the three
 * states, the located changes after signing (page numbers, rectangles), Vietnam time, and the
 * message texts (every key in both languages; no English words in the Vietnamese texts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendDss } from '../../../src/pdf/sign/index.js';
import {
  createTrustStore,
  MESSAGE_KEYS,
  renderReportHtml,
  renderReportPdf,
  verifyPdf,
  type TrustStore,
  type VerificationReport,
} from '../../../src/pdf/verify/index.js';
import { presentReport, vietnamClock } from '../../../src/pdf/verify/present.js';
import { MESSAGE_TEXTS, SUB_INDICATION_TEXTS } from '../../../src/pdf/verify/message-texts.js';
import { LABEL_TEXTS } from '../../../src/pdf/verify/i18n.js';
import { openForVerification } from '../../../src/pdf/verify/reader.js';
import { revisionView } from '../../../src/pdf/verify/structure.js';
import { Budget, DEFAULT_LIMITS } from '../../../src/pdf/verify/limits.js';
import { issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { appendUpdate, basePdf, dictText, makeCrl, pageInfo, signPdf } from './helpers.js';

const DAY = 86_400_000;
let ca: TestCa;
let alice: TestSigner;
let bob: TestSigner;
let trust: TrustStore;
let crl: Buffer;

beforeAll(() => {
  ca = sharedTestCa();
  alice = issueSigner(ca, { cn: 'Nguyễn Văn An', o: 'Sở Tư pháp tỉnh Quảng Ninh' });
  bob = issueSigner(ca, { cn: 'Trần Thị Bình' });
  trust = createTrustStore([ca.certPem]);
  crl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * DAY) });
});

/** A sticky note (ISO 32000-1 §12.5.6.4 Text annotation) added on page `index` in an incremental update. */
function addStickyNote(pdf: Buffer, index: number, rect: [number, number, number, number]): Buffer {
  const { num } = pageInfo(pdf, index);
  const page = dictText(pdf, num);
  const withAnnot = page.includes('/Annots')
    ? page.replace(/\/Annots\s*\[/, '/Annots [997 0 R ')
    : page.replace(/>>\s*$/, ' /Annots [997 0 R] >>');
  return appendUpdate(pdf, {
    997: `<< /Type /Annot /Subtype /Text /Rect [${rect.join(' ')}] /Contents (sua so tien) /P ${num} 0 R >>`,
    [num]: withAnnot,
  });
}

async function verify(pdf: Buffer): Promise<VerificationReport> {
  return verifyPdf(pdf, { trust, offline: true });
}

describe('three states', () => {
  it('valid: signed, then only long-term validation data added', async () => {
    const pdf = appendDss(await signPdf(await basePdf(), alice, { newFieldName: 'Sig1' }), { crls: [crl] });
    const r = await verify(pdf);
    expect(r.state).toBe('valid');
    expect(r.signatures[0]!.changes!.map((c) => c.category)).toEqual(['extension']);
    const p = presentReport(r, 'vi');
    expect(p.state).toBe('valid');
    expect(p.headline).toMatch(/^HỢP LỆ — /);
    expect(p.signatures[0]!.signerName).toBe('Nguyễn Văn An');
    expect(p.signatures[0]!.organization).toBe('Sở Tư pháp tỉnh Quảng Ninh');
    expect(p.signatures[0]!.time).toMatch(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(UTC\+7\)$/);
    expect(p.signatures[0]!.timeProven).toBe(false);
    expect(p.signatures[0]!.hasVisibleChanges).toBe(false);
    // the DSS update is told, but as information, not as a change to look at
    expect(p.signatures[0]!.lines.map((l) => [l.kind, l.key])).toEqual([['info', 'MODIFICATION_EXTENSION']]);
  });

  it('valid: a later signature that itself validates is not a change to show in amber', async () => {
    const one = await signPdf(await basePdf(), alice, { newFieldName: 'Sig1' });
    const two = appendDss(await signPdf(one, bob, { newFieldName: 'Sig2' }), { crls: [crl] });
    const r = await verify(two);
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.signatures[0]!.changes!.some((c) => c.key === 'MODIFICATION_SIGNATURE_ADDED' && c.detail === 'Sig2')).toBe(true);
    expect(r.state).toBe('valid');
  });

  it('changed (amber): a sticky note after signing, with its page number and rectangle', async () => {
    const signed = appendDss(await signPdf(await basePdf({ pages: 2 }), alice, { newFieldName: 'Sig1' }), { crls: [crl] });
    const r = await verify(addStickyNote(signed, 1, [400, 700, 420, 720]));
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.state).toBe('changed');
    const note = r.signatures[0]!.changes!.find((c) => c.category === 'annotation');
    expect(note).toEqual({ category: 'annotation', key: 'MODIFICATION_ANNOTATION', page: 2, rect: [400, 700, 420, 720], detail: 'Text' });
    const vi = presentReport(r, 'vi');
    expect(vi.state).toBe('changed');
    expect(vi.headline).toContain('THAY ĐỔI SAU KHI KÝ');
    const line = vi.signatures[0]!.lines.find((l) => l.kind === 'change' && l.category === 'annotation')!;
    expect(line.text).toBe('Có ghi chú/chú thích được thêm sau khi ký. (trang 2)');
    expect(line.page).toBe(2);
    const en = presentReport(r, 'en');
    expect(en.signatures[0]!.lines.find((l) => l.category === 'annotation')!.text).toContain('(page 2)');
  });

  it('changed (amber): a form field filled after signing, located at its widget; its name printed safely', async () => {
    const { PDFDocument } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]);
    const page = doc.addPage([595, 842]);
    doc.getForm().createTextField('Ghi chú\u001b[31m').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
    const form = Buffer.from(await doc.save({ useObjectStreams: false }));
    const signed = appendDss(await signPdf(form, alice, { newFieldName: 'Sig1' }), { crls: [crl] });
    const raw = openForVerification(signed, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
    const num = revisionView(raw, raw.revisions.length - 1, new Budget(DEFAULT_LIMITS)).fields.find((f) => f.ft === 'Tx')!.num!;
    const r = await verify(appendUpdate(signed, { [num]: dictText(signed, num).replace(/>>\s*$/, ' /V (500000) >>') }));
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.state, JSON.stringify(r.signatures[0]!.modifications)).toBe('changed');
    const fill = r.signatures[0]!.changes!.find((c) => c.key === 'MODIFICATION_FORM_FILL')!;
    // pdf-lib draws the widget with a 1 pt border: its /Rect grows by half a point on each side
    expect(fill).toMatchObject({ category: 'signatureOrFormFill', page: 2, rect: [49.5, 699.5, 250.5, 720.5] });
    const line = presentReport(r, 'vi').signatures[0]!.lines.find((l) => l.key === 'MODIFICATION_FORM_FILL')!;
    expect(line.text).toContain('(trang 2)');
    expect(line.text).not.toContain('\u001b');
  });

  it('invalid (red): one byte of the signed content changed', async () => {
    const signed = await signPdf(await basePdf(), alice, { newFieldName: 'Sig1' });
    const at = signed.indexOf('/Producer');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(signed);
    tampered[at + 1] = 'Q'.charCodeAt(0);
    const r = await verify(tampered);
    expect(r.state).toBe('invalid');
    const p = presentReport(r, 'vi');
    expect(p.headline).toMatch(/^KHÔNG HỢP LỆ/);
    expect(p.reason).toBeTruthy();
    expect(
      p.signatures[0]!.lines.map((l) => l.key),
      JSON.stringify(r.signatures[0]!.errors),
    ).toContain('DIGEST_MISMATCH');
  });

  it('invalid (red): page content replaced after signing, located on its page', async () => {
    const signed = await signPdf(await basePdf({ pages: 2 }), alice, { newFieldName: 'Sig1' });
    const { contents } = pageInfo(signed, 1);
    const stream = 'BT /F1 14 Tf 50 780 Td (Result page 2: rejected) Tj ET';
    const r = await verify(appendUpdate(signed, { [contents]: `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream` }));
    expect(r.state).toBe('invalid');
    expect(r.signatures[0]!.changes).toContainEqual({ category: 'other', key: 'MODIFICATION_PAGE_CONTENT', page: 2, rect: null });
    expect(presentReport(r, 'vi').signatures[0]!.lines.some((l) => l.text.includes('(trang 2)'))).toBe(true);
  });
});

describe('HTML and PDF reports (amber case)', () => {
  let amber: VerificationReport;
  beforeAll(async () => {
    const signed = appendDss(await signPdf(await basePdf({ pages: 2 }), alice, { newFieldName: 'Sig1' }), { crls: [crl] });
    amber = await verify(addStickyNote(signed, 1, [400, 700, 420, 720]));
  });

  it('HTML: the state in words and colour, the change with its page, times in Vietnam time', () => {
    const html = renderReportHtml(amber, 'vi');
    expect(html).toContain('data-state="changed"');
    expect(html).toContain('HỢP LỆ NHƯNG ĐÃ CÓ THAY ĐỔI SAU KHI KÝ');
    expect(html).toContain('Có ghi chú/chú thích được thêm sau khi ký. (trang 2)');
    expect(html).toMatch(/\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(UTC\+7\)/);
    expect(html).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/); // no ISO times for people
    expect(html).toContain('Sở Tư pháp tỉnh Quảng Ninh');
    const linked = renderReportHtml(amber, 'vi', {
      signedRevisionUrl: (n) => `https://kyso.example.vn/api/v1/verify/rep_x/signed-revision/${n}`,
    });
    expect(linked).toContain('<a href="https://kyso.example.vn/api/v1/verify/rep_x/signed-revision/0">Xem phiên bản đã ký</a>');
    expect(html).not.toContain('Xem phiên bản đã ký'); // no link where the caller has no place to serve it
    const en = renderReportHtml(amber, 'en');
    expect(en).toContain('VALID BUT CHANGED AFTER SIGNING');
    expect(en).toContain('(page 2)');
  });

  it('PDF: pdftotext reads the state and the located change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-present-'));
    writeFileSync(join(dir, 'r.pdf'), await renderReportPdf(amber, 'vi'));
    const text = execFileSync('pdftotext', [join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('HỢP LỆ NHƯNG ĐÃ CÓ THAY ĐỔI SAU KHI KÝ');
    expect(text).toContain('(trang 2)');
    expect(text).toContain('(UTC+7)');
  });
});

describe('texts', () => {
  it('formats Vietnam time as dd/mm/yyyy hh:mm:ss (UTC+7)', () => {
    expect(vietnamClock('2026-12-31T17:30:05Z')).toBe('01/01/2027 00:30:05 (UTC+7)');
    expect(vietnamClock(null)).toBeNull();
  });

  it('every message key has a Vietnamese and an English text', () => {
    for (const k of MESSAGE_KEYS) {
      const t = MESSAGE_TEXTS[k];
      expect(t, k).toBeDefined();
      expect(t[0].trim().length, k).toBeGreaterThan(5);
      expect(t[1].trim().length, k).toBeGreaterThan(5);
      expect(t[0], k).not.toBe(t[1]);
    }
  });

  it('no Vietnamese text contains an English word of the message and label tables', () => {
    // Technical names a Vietnamese reader also sees in their software stay as they are.
    const allowed = new Set([
      'pdf',
      'ocsp',
      'crl',
      'cms',
      'der',
      'dss',
      'tsa',
      'docmdp',
      'fieldmdp',
      'pades',
      'sha',
      'rsa',
      'ecdsa',
      'signing',
      'certificate',
      'http',
      'url',
      'byte',
      'sha',
    ]);
    const words = (s: string) => s.toLowerCase().match(/[a-z]+/g) ?? [];
    const tables = [...Object.values(MESSAGE_TEXTS), ...Object.values(SUB_INDICATION_TEXTS), ...Object.values(LABEL_TEXTS)];
    const vietnameseWords = new Set(
      tables.flatMap(([vi]) =>
        vi
          .toLowerCase()
          .split(/[^\p{L}]+/u)
          .filter(Boolean),
      ),
    );
    const english = new Set(tables.flatMap(([, en]) => words(en)).filter((w) => w.length >= 3 && !allowed.has(w)));
    const found = [...vietnameseWords].filter((w) => english.has(w));
    expect(found).toEqual([]);
  });
});
