/**
 * A PDF rendering of the verification report in Vietnamese or English (pdf-lib; the embedded
 * Liberation Serif from assets/fonts covers Vietnamese, subset on save).
 */
import { readFileSync } from 'node:fs';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import type { VerificationReport } from './report.js';
import { label, type Lang } from './i18n.js';
import { presentReport, type PresentOptions, type PresentedLine } from './present.js';

let fontCache: { regular: Buffer; bold: Buffer } | undefined;
function fonts(): { regular: Buffer; bold: Buffer } {
  fontCache ??= {
    regular: readFileSync(new URL('../../../assets/fonts/LiberationSerif-Regular.ttf', import.meta.url)),
    bold: readFileSync(new URL('../../../assets/fonts/LiberationSerif-Bold.ttf', import.meta.url)),
  };
  return fontCache;
}

/** Colour is never the only signal: each state and line also has its words and mark. */
const STATE_COLORS = { valid: rgb(0.1, 0.5, 0.23), changed: rgb(0.54, 0.35, 0), invalid: rgb(0.69, 0, 0.12) } as const;
const LINE_COLORS = {
  error: STATE_COLORS.invalid,
  warning: rgb(0.3, 0.3, 0.3),
  change: STATE_COLORS.changed,
  info: rgb(0.3, 0.3, 0.3),
} as const;
const LINE_MARK = { error: '×', warning: '!', change: '»', info: '·' } as const;

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

export async function renderReportPdf(report: VerificationReport, lang: Lang, o: PresentOptions = {}): Promise<Buffer> {
  const view = presentReport(report, lang, o);
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
  const lines = (list: readonly PresentedLine[], indent: number) => {
    for (const l of list) w.line(t(`${LINE_MARK[l.kind]} ${l.text}`), { indent, color: LINE_COLORS[l.kind] });
  };
  w.line(t(label('title', lang)), { size: 16, bold: true });
  w.gap();
  w.line(t(view.headline), { size: 13, bold: true, color: STATE_COLORS[view.state] });
  if (view.reason) w.line(t(`${label('reason', lang)}: ${view.reason}`), { color: STATE_COLORS[view.state] });
  lines(view.lines, 0);
  w.gap();
  const d = report.document;
  w.line(t(`${label('sha256', lang)}: ${d.sha256}`));
  w.line(
    t(
      `${label('size', lang)}: ${d.bytes} ${label('bytes', lang)}; ${label('revisions', lang)}: ${d.revisions}; ${label('pages', lang)}: ${d.pages ?? '—'}`,
    ),
  );
  w.line(t(`${label('validationTime', lang)}: ${view.validationTime}`));
  if (report.signatures.length === 0) w.line(t(label('noSignatures', lang)));
  for (const [i, p] of view.signatures.entries()) {
    const s = report.signatures[i]!;
    w.gap(10);
    w.line(t(`${p.title} — ${p.kind}: ${p.verdict}${p.reason ? ` — ${p.reason}` : ''}`), {
      size: 12,
      bold: true,
      color: p.indication === 'TOTAL_PASSED' ? STATE_COLORS.valid : STATE_COLORS.invalid,
    });
    const kv = (k: string, v: string) => w.line(t(`${label(k, lang)}: ${v}`), { indent: 10 });
    kv('signedBy', p.signerName ? `${p.signerName}${p.organization ? ` — ${p.organization}` : ''}` : label('unknownSigner', lang));
    kv('signedAt', p.time ? `${p.time} — ${p.timeNote}` : '—');
    kv('level', p.level);
    kv('field', s.fieldNames.join(', ') || '—');
    kv('issuer', s.signer?.issuer ?? '—');
    kv('anchor', s.trustAnchor ?? label('none', lang));
    kv('coverage', label(s.coverage, lang));
    kv('modifications', label(s.modifications.level, lang));
    lines(p.lines, 10);
    if (p.signedRevisionUrl) kv('viewSignedRevision', p.signedRevisionUrl);
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
