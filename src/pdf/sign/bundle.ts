import type { PdfObjectBundle, PdfValue } from '../appearance/model.js';
import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';
import type { IncrementalWriter } from '../incremental/writer.js';

/**
 * Emits an appearance bundle from src/pdf/appearance (objects with symbolic ids) as new objects
 * of an incremental update: one object number per id, refs mapped accordingly. Returns the ref
 * of the bundle's root (the form XObject used as /AP /N).
 */
export function emitBundle(w: IncrementalWriter, bundle: PdfObjectBundle): PdfRef {
  const refs = new Map<string, PdfRef>();
  for (const o of bundle.objects) {
    if (refs.has(o.id)) throw new TypeError(`appearance bundle repeats id ${o.id}`);
    refs.set(o.id, w.allocate());
  }
  const conv = (v: PdfValue): PdfObject => {
    if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
    if (Array.isArray(v)) return (v as readonly PdfValue[]).map(conv);
    const x = v as Exclude<PdfValue, null | boolean | number | readonly PdfValue[]>;
    switch (x.kind) {
      case 'name':
        return PdfName.of(byteString(x.name));
      case 'string':
        return new PdfString(x.bytes, true);
      case 'raw':
        return new PdfRaw(Buffer.from(x.text, 'latin1'));
      case 'ref': {
        const r = refs.get(x.id);
        if (!r) throw new TypeError(`appearance bundle refers to unknown id ${x.id}`);
        return r;
      }
      case 'dict': {
        const d = new PdfDict();
        for (const [k, val] of Object.entries(x.entries)) d.set(byteString(k), conv(val));
        return d;
      }
    }
  };
  for (const o of bundle.objects) {
    const d = conv(o.dict) as PdfDict;
    w.set(refs.get(o.id)!, o.stream ? new PdfStream(d, o.stream) : d);
  }
  const root = refs.get(bundle.root);
  if (!root) throw new TypeError(`appearance bundle root ${bundle.root} missing`);
  return root;
}

/**
 * A name's UTF-8 bytes as a latin1 string (one char per byte, as PdfName holds names). Bundle
 * names and keys are ASCII but for a rare font or user-given name: those are the same string,
 * without a Buffer round trip per key of every font's dictionaries.
 */
function byteString(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}
