import {
  PDFArray,
  PDFBool,
  PDFDict,
  PDFHexString,
  PDFInvalidObject,
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
      const bytes = serialised.get(v) ?? serialiseNumbers(v as readonly PdfValue[]);
      if (bytes) return PDFInvalidObject.of(bytes);
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
    context.assign(ref, o.stream ? rawStream(dict, o.stream) : dict);
    if (o.stream) shared.set(o.stream, ref);
  }
  const root = refs.get(bundle.root);
  if (!root) throw new TypeError(`bundle: root ${bundle.root} missing`);
  return root;
}

/**
 * Large arrays of numbers only — a font subset's /W widths (ISO 32000-1 §9.7.4.3), hundreds of
 * numbers in the same array object for every copy drawn with that subset (font-subset.ts keeps
 * its objects) — are serialised once, exactly as pdf-lib writes them, and then written as those
 * bytes (pdf-lib's PDFInvalidObject writes its bytes as they are): no PDFNumber per width and no
 * formatting of hundreds of numbers, twice (size, then bytes), in every copy.
 */
const serialised = new WeakMap<readonly PdfValue[], Uint8Array>();
const SERIALISE_FROM = 32;
function serialiseNumbers(v: readonly PdfValue[]): Uint8Array | undefined {
  let count = 0;
  const numbers = (a: readonly PdfValue[]): boolean =>
    a.every((x) => (typeof x === 'number' ? ++count > 0 : Array.isArray(x) && numbers(x as readonly PdfValue[])));
  if (!numbers(v) || count < SERIALISE_FROM) return undefined;
  const toArray = (a: readonly PdfValue[]): PDFArray => {
    const out = PDFArray.withContext(undefined as unknown as PDFContext);
    for (const x of a) out.push(typeof x === 'number' ? pdfNumber(x) : toArray(x as readonly PdfValue[]));
    return out;
  };
  const array = toArray(v);
  const bytes = new Uint8Array(array.sizeInBytes());
  array.copyBytesInto(bytes, 0);
  serialised.set(v, bytes);
  return bytes;
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

const STREAM = Buffer.from('\nstream\n', 'latin1');
const ENDSTREAM = Buffer.from('\nendstream', 'latin1');

/**
 * A stream whose bytes are written in one copy: pdf-lib writes a stream's contents one byte at a
 * time, and a copy's font programs and images are over a hundred kilobytes. The same bytes as
 * pdf-lib's PDFStream.copyBytesInto: dictionary, "stream", EOL, data, EOL, "endstream" (ISO
 * 32000-1 §7.3.8.1).
 */
function rawStream(dict: PDFDict, bytes: Uint8Array): PDFRawStream {
  const stream = PDFRawStream.of(dict, bytes);
  stream.copyBytesInto = function copyBytesInto(this: PDFRawStream, buffer: Uint8Array, offset: number): number {
    this.updateDict();
    let at = offset + this.dict.copyBytesInto(buffer, offset);
    buffer.set(STREAM, at);
    at += STREAM.length;
    const contents = this.getContents();
    buffer.set(contents, at);
    at += contents.length;
    buffer.set(ENDSTREAM, at);
    return at + ENDSTREAM.length - offset;
  };
  return stream;
}
