/**
 * Incremental updates (ISO 32000-1 §7.5.6) that lay things over page 1 of a signed file: new
 * annotations in the page's /Annots (§12.5.2), new fields in the form's /Fields (§12.7.2), and
 * opaque appearance streams (§12.5.5) that paint over whatever the page content drew below them.
 */
import { PdfRef, type PdfDict } from '../../../src/pdf/syntax/objects.js';
import { textOf } from '../../../src/pdf/verify/values.js';
import { appendRevision, readPdf } from '../incremental-writer.js';
import { firstPage } from '../samples.js';

/** The "<< … >>" source text of the current version of an object (not a stream). */
export function objectBody(pdf: Buffer, num: number): string {
  const d = readPdf(pdf).object(num) as unknown as { start: number; end: number };
  const src = pdf.toString('latin1', d.start, d.end);
  return src.slice(src.indexOf('<<'), src.lastIndexOf('>>') + 2);
}

/** `body` with its array entry `key` replaced by `items` (whether it was direct, indirect or absent). */
export function withArray(body: string, key: string, items: readonly string[]): string {
  const stripped = body.replace(new RegExp(`/${key}\\s*(\\[[^\\]]*\\]|\\d+\\s+\\d+\\s+R)`), '');
  return `${stripped.slice(0, stripped.lastIndexOf('>>'))} /${key} [${items.join(' ')}] >>`;
}

function refsOf(pdf: Buffer, holder: PdfDict, key: string): string[] {
  const raw = readPdf(pdf);
  const v = raw.resolve(holder.get(key));
  return Array.isArray(v) ? v.filter((x): x is PdfRef => x instanceof PdfRef).map((r) => `${r.num} ${r.gen} R`) : [];
}

/** Object updates adding annotation objects `annots` (number → body) to page 1's /Annots. */
export function page1Annots(pdf: Buffer, annots: readonly number[]): Record<number, string> {
  const page = firstPage(pdf);
  const kept = refsOf(pdf, page.dict, 'Annots');
  return { [page.num]: withArray(objectBody(pdf, page.num), 'Annots', [...kept, ...annots.map((n) => `${n} 0 R`)]) };
}

/** Object updates adding field objects to the form's /Fields (the form dictionary must be indirect, as kyso writes it). */
export function formFields(pdf: Buffer, fields: readonly number[]): Record<number, string> {
  const raw = readPdf(pdf);
  const af = raw.catalog()!.get('AcroForm');
  if (!(af instanceof PdfRef)) throw new Error('the form dictionary is not an indirect object');
  const kept = refsOf(pdf, raw.resolve(af) as PdfDict, 'Fields');
  return { [af.num]: withArray(objectBody(pdf, af.num), 'Fields', [...kept, ...fields.map((n) => `${n} 0 R`)]) };
}

/**
 * A form XObject that paints its whole box white, then `text` in black Helvetica (§8.10): laid
 * over signed text it hides it and shows `text` instead.
 */
export function opaqueAppearance(width: number, height: number, text: string): string {
  const ops = `q 1 1 1 rg 0 0 ${width} ${height} re f Q BT /Helv 14 Tf 0 0 0 rg 4 ${Math.max(2, height / 2 - 5)} Td (${text}) Tj ET`;
  return (
    `<< /Type /XObject /Subtype /Form /BBox [0 0 ${width} ${height}] ` +
    `/Resources << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Length ${ops.length} >>\n` +
    `stream\n${ops}\nendstream`
  );
}

/** Appends one revision adding annotation `num` (with its appearance object `ap`) to page 1. */
export function addAnnotation(signed: Buffer, num: number, body: string, extra: Record<number, string> = {}): Buffer {
  return appendRevision(signed, { objects: { ...extra, [num]: body, ...page1Annots(signed, [num]) } });
}

/** Appends one revision adding a new field whose single widget (merged with it, §12.7.3.1) is on page 1. */
export function addField(signed: Buffer, num: number, body: string, extra: Record<number, string> = {}): Buffer {
  return appendRevision(signed, { objects: { ...extra, [num]: body, ...page1Annots(signed, [num]), ...formFields(signed, [num]) } });
}

/** `body` with entry `key` set to `value` (an old value that is a reference, a name, a number, a string or a flat dictionary is dropped). */
export function withEntry(body: string, key: string, value: string): string {
  const old = new RegExp(`/${key}(?![A-Za-z])\\s*(\\d+\\s+\\d+\\s+R|/[^\\s/<>\\[\\]()]+|-?[\\d.]+|\\([^)]*\\)|<<[^<>]*>>)`);
  const stripped = body.replace(old, '');
  return `${stripped.slice(0, stripped.lastIndexOf('>>'))} /${key} ${value} >>`;
}

/** Object number of the terminal field `name` (a top-level field of the form). */
export function fieldNumber(pdf: Buffer, name: string): number {
  const raw = readPdf(pdf);
  const af = raw.resolve(raw.catalog()!.get('AcroForm')) as PdfDict;
  const fields = raw.resolve(af.get('Fields')) as PdfRef[];
  for (const f of fields) {
    if (textOf(raw.resolve((raw.resolve(f) as PdfDict).get('T'))) === name) return f.num;
  }
  throw new Error(`no field ${name}`);
}

/** The widget annotations of a field: its /Kids without /T, or the field itself when merged (§12.7.3.1). */
export function widgetsOf(pdf: Buffer, field: number): number[] {
  const raw = readPdf(pdf);
  const kids = raw.resolve((raw.object(field) as PdfDict).get('Kids'));
  return Array.isArray(kids) ? kids.filter((k): k is PdfRef => k instanceof PdfRef).map((k) => k.num) : [field];
}
