import { malformed } from '../syntax/parser.js';
import type { PdfDocument } from '../syntax/document.js';
import { PdfDict, PdfRef, type PdfObject } from '../syntax/objects.js';
import type { IncrementalWriter } from '../incremental/writer.js';

/**
 * Edits of existing objects inside one incremental update: each changed object is copied once
 * (a new version with the same number), so several edits of e.g. the catalog land in one object.
 */
export class UpdateEditor {
  private directAcroForm: PdfDict | undefined;
  private af: PdfDict | undefined;
  constructor(
    readonly doc: PdfDocument,
    readonly w: IncrementalWriter,
  ) {}

  /** A writable new version of dictionary `ref` (the pending one when already changed). */
  dict(ref: PdfRef): PdfDict {
    const pending = this.w.pending(ref.num);
    if (pending instanceof PdfDict) return pending;
    const cur = this.doc.resolve(ref);
    if (!(cur instanceof PdfDict)) throw malformed(`object ${ref.num} is not a dictionary`);
    const copy = cur.clone();
    this.w.set(ref, copy);
    return copy;
  }

  catalog(): PdfDict {
    const r = this.doc.catalogRef;
    if (!r) throw malformed('trailer /Root is not an indirect reference');
    return this.dict(r);
  }

  /** Appends `item` to the array at `holder[key]`, rewriting the array object when it is indirect. */
  appendToArray(holder: () => PdfDict, current: PdfDict, key: string, item: PdfObject): void {
    const v = current.get(key);
    if (v instanceof PdfRef) {
      const pending = this.w.pending(v.num);
      const arr = Array.isArray(pending) ? pending : this.doc.resolve(v);
      if (Array.isArray(arr)) {
        const copy = pending === arr ? arr : [...arr];
        copy.push(item);
        this.w.set(v, copy);
        return;
      }
      // an indirect /Annots or /Fields that is not an array: replace it by a direct array
    }
    const h = holder();
    const hv = h.get(key);
    const resolved = hv instanceof PdfRef ? this.doc.resolve(hv) : hv;
    h.set(key, Array.isArray(resolved) ? [...resolved, item] : [item]);
  }

  /**
   * The AcroForm dictionary to write (§12.7.2): the indirect one's new version, a copy of a
   * direct one placed in the new catalog, or a fresh indirect one linked from the catalog.
   */
  acroForm(): PdfDict {
    this.af ??= this.findOrCreateAcroForm();
    return this.af;
  }

  private findOrCreateAcroForm(): PdfDict {
    const cat = this.doc.catalog;
    const v = cat.get('AcroForm');
    if (v instanceof PdfRef && this.doc.resolve(v) instanceof PdfDict) return this.dict(v);
    if (this.directAcroForm) return this.directAcroForm;
    if (v instanceof PdfDict) {
      this.directAcroForm = v.clone();
      this.catalog().set('AcroForm', this.directAcroForm);
      return this.directAcroForm;
    }
    const r = this.w.allocate();
    const af = new PdfDict([['Fields', []]]);
    this.w.set(r, af);
    this.catalog().set('AcroForm', r);
    return af;
  }
}
