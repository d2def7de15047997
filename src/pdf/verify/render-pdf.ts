/**
 * A PDF rendering of the verification report in Vietnamese or English (pdf-lib; the embedded
 * Liberation Serif from assets/fonts covers Vietnamese, subset on save).
 */
import { readFileSync } from 'node:fs';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import type { VerificationReport } from './report.js';
import { indicationText, label, messageText, type Lang } from './i18n.js';

let fontCache: { regular: Buffer; bold: Buffer } | undefined;
function fonts(): { regular: Buffer; bold: Buffer } {
  fontCache ??= {
    regular: readFileSync(new URL('../../../assets/fonts/LiberationSerif-Regular.ttf', import.meta.url)),
    bold: readFileSync(new URL('../../../assets/fonts/LiberationSerif-Bold.ttf', import.meta.url)),
  };
  return fontCache;
}

const COLORS = { TOTAL_PASSED: rgb(0.1, 0.5, 0.23), TOTAL_FAILED: rgb(0.69, 0, 0.12), INDETERMINATE: rgb(0.66, 0.42, 0) } as const;

class Writer {
  page: PDFPage;
  y = 800;
  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = doc.addPage([595, 842]);
  }
  line(text: string, o: { size?: number; bold?: boolean; indent?: number; color?: ReturnType<typeof rgb> } = {}): void {
    const size = o.size ?? 10;
    const f = o.bold ? this.bold : this.font;
    const x = 50 + (o.indent ?? 0);
    const max = 545 - x;
    const words = text.replace(/[\r\n\t]+/g, ' ').split(' ');
    let cur = '';
    const flush = () => {
      if (this.y < 50) {
        this.page = this.doc.addPage([595, 842]);
        this.y = 800;
      }
      this.page.drawText(cur, { x, y: this.y, size, font: f, color: o.color ?? rgb(0.1, 0.1, 0.1) });
      this.y -= size * 1.35;
      cur = '';
    };
    for (const w of words) {
      // break overlong words (hashes, DNs) character by character
      let word = w;
      while (f.widthOfTextAtSize(word, size) > max) {
        let n = word.length;
        while (n > 1 && f.widthOfTextAtSize(word.slice(0, n), size) > max) n--;
        if (cur) flush();
        cur = word.slice(0, n);
        flush();
        word = word.slice(n);
      }
      const next = cur ? `${cur} ${word}` : word;
      if (f.widthOfTextAtSize(next, size) > max && cur) {
        flush();
        cur = word;
      } else cur = next;
    }
    if (cur) flush();
  }
  gap(h = 6): void {
    this.y -= h;
  }
}

/** Characters the font cannot draw are replaced, so rendering never throws on odd DNs. */
function safe(font: PDFFont, s: string): string {
  const set = new Set(font.getCharacterSet());
  return [...s].map((c) => (set.has(c.codePointAt(0)!) ? c : '?')).join('');
}

export async function renderReportPdf(report: VerificationReport, lang: Lang): Promise<Buffer> {
  if (lang !== 'vi' && lang !== 'en') throw new TypeError('renderReportPdf: lang must be "vi" or "en"');
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = fonts();
  const font = await doc.embedFont(f.regular, { subset: true });
  const bold = await doc.embedFont(f.bold, { subset: true });
  doc.setTitle(label('title', lang));
  doc.setCreationDate(new Date(report.validationTime));
  doc.setModificationDate(new Date(report.validationTime));
  const w = new Writer(doc, font, bold);
  const t = (s: string) => safe(font, s);
  w.line(t(label('title', lang)), { size: 16, bold: true });
  w.gap();
  w.line(
    t(
      `${label('overall', lang)}: ${indicationText(report.indication, lang)}${report.subIndication ? ` — ${indicationText(report.subIndication, lang)}` : ''}`,
    ),
    { size: 13, bold: true, color: COLORS[report.indication] },
  );
  w.gap();
  const d = report.document;
  w.line(t(`${label('sha256', lang)}: ${d.sha256}`));
  w.line(
    t(
      `${label('size', lang)}: ${d.bytes} ${label('bytes', lang)}; ${label('revisions', lang)}: ${d.revisions}; ${label('pages', lang)}: ${d.pages ?? '—'}`,
    ),
  );
  w.line(t(`${label('validationTime', lang)}: ${report.validationTime}`));
  if (report.signatures.length === 0) w.line(t(label('noSignatures', lang)));
  for (const s of report.signatures) {
    w.gap(10);
    w.line(
      t(
        `${label('signature', lang)} ${s.index + 1} — ${label(s.kind, lang)}: ${indicationText(s.indication, lang)}${s.subIndication ? ` — ${indicationText(s.subIndication, lang)}` : ''}`,
      ),
      { size: 12, bold: true, color: COLORS[s.indication] },
    );
    const kv = (k: string, v: string) => w.line(t(`${label(k, lang)}: ${v}`), { indent: 10 });
    kv('field', s.fieldNames.join(', ') || '—');
    kv('level', s.level);
    kv('signer', s.signer?.subject ?? '—');
    kv('issuer', s.signer?.issuer ?? '—');
    kv('anchor', s.trustAnchor ?? label('none', lang));
    kv('claimedTime', s.claimedSigningTime ?? '—');
    kv('bestTime', s.provenSigningTime ?? '—');
    for (const ts of s.timestamps) kv('timestamps', `${ts.type} ${ts.genTime ?? '?'} ${ts.valid ? '+' : '×'}`);
    const yn = (b: boolean) => label(b ? 'yes' : 'no', lang);
    kv('byteRange', `${yn(s.integrity.byteRangeValid)} ${JSON.stringify(s.integrity.byteRange)}`);
    kv('digest', yn(s.integrity.digestMatch));
    kv('crypto', `${yn(s.integrity.cryptoValid)} (${s.integrity.signatureAlgorithm ?? '?'})`);
    kv('coverage', label(s.coverage, lang));
    kv('signedRevision', `${s.signedRevision.index ?? '—'} (${s.signedRevision.length} ${label('bytes', lang)})`);
    kv('modifications', label(s.modifications.level, lang));
    for (const r of s.revocation) kv('revocation', `${r.certificate}: ${r.status} (${r.source})`);
    for (const k of s.errors) w.line(t(`× ${messageText(k, lang)} [${k}]`), { indent: 10, color: COLORS.TOTAL_FAILED });
    for (const k of s.warnings) w.line(t(`! ${messageText(k, lang)} [${k}]`), { indent: 10, color: COLORS.INDETERMINATE });
  }
  for (const k of [...report.errors, ...report.warnings]) w.line(t(`${messageText(k, lang)} [${k}]`));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
