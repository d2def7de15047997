import {
  PDFArray,
  PDFBool,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRawStream,
  type PDFContext,
  type PDFObject,
  type PDFRef,
} from 'pdf-lib';
import type { PdfObjectBundle, PdfValue } from '../pdf/appearance/index.js';

/**
 * Registers a writer-independent object bundle (src/pdf/appearance/model.ts: a form XObject with
 * its font subsets) in a pdf-lib document, one indirect object per symbolic id, and returns the
 * reference of the bundle's root. Stream bytes are taken as they are (already filtered), so no
 * stream is encoded again. `shared` maps stream bytes already registered in this document to
 * their object: the font subsets' streams come from a cache (font-subset.ts), so bundles drawn
 * with the same subset — a seam mark on every page — point to one font program, not a copy each.
 */
export function registerBundle(context: PDFContext, bundle: PdfObjectBundle, shared: Map<Buffer, PDFRef> = new Map()): PDFRef {
  const refs = new Map<string, PDFRef>();
  for (const o of bundle.objects) refs.set(o.id, (o.stream && shared.get(o.stream)) || context.nextRef());
  const convert = (v: PdfValue): PDFObject => {
    if (v === null) return PDFNull;
    if (typeof v === 'boolean') return v ? PDFBool.True : PDFBool.False;
    if (typeof v === 'number') return pdfNumber(v);
    if (Array.isArray(v)) {
      const a = PDFArray.withContext(context);
      for (const x of v as readonly PdfValue[]) a.push(convert(x));
      return a;
    }
    const o = v as Exclude<PdfValue, null | boolean | number | readonly PdfValue[]>;
    switch (o.kind) {
      case 'name':
        return PDFName.of(o.name);
      case 'string':
        return PDFHexString.of(o.bytes.toString('hex'));
      case 'ref': {
        const ref = refs.get(o.id);
        if (!ref) throw new TypeError(`bundle: unknown object ${o.id}`);
        return ref;
      }
      case 'dict': {
        const d = PDFDict.withContext(context);
        for (const [k, x] of Object.entries(o.entries)) d.set(PDFName.of(k), convert(x));
        return d;
      }
      case 'raw':
        throw new TypeError('bundle: pre-serialised values are not supported here');
    }
  };
  for (const o of bundle.objects) {
    if (o.stream && shared.has(o.stream)) continue;
    const ref = refs.get(o.id)!;
    const dict = convert(o.dict) as PDFDict;
    context.assign(ref, o.stream ? PDFRawStream.of(dict, o.stream) : dict);
    if (o.stream) shared.set(o.stream, ref);
  }
  const root = refs.get(bundle.root);
  if (!root) throw new TypeError(`bundle: root ${bundle.root} missing`);
  return root;
}

// A PDFNumber formats its value once, when made, and is never changed: the integers of the font
// subsets' width arrays (hundreds per copy, the same every time) share one object per value.
const integers = new Map<number, PDFNumber>();
function pdfNumber(v: number): PDFNumber {
  if (!Number.isInteger(v)) return PDFNumber.of(v);
  let o = integers.get(v);
  if (!o) {
    if (integers.size >= 4096) integers.clear();
    integers.set(v, (o = PDFNumber.of(v)));
  }
  return o;
}
