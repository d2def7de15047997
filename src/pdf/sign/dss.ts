import { IncrementalWriter } from '../incremental/writer.js';
import { PdfDocument } from '../syntax/document.js';
import type { PdfLimits } from '../syntax/limits.js';
import { PdfDict, PdfRef, PdfStream, name, type PdfObject } from '../syntax/objects.js';
import { UpdateEditor } from './form-update.js';
import { standardSecurity } from './standard-security.js';

export interface DssMaterial {
  /** DER certificates. */
  certs?: Buffer[];
  /** DER OCSPResponse structures (RFC 6960 §4.2.1). */
  ocsps?: Buffer[];
  /** DER CRLs. */
  crls?: Buffer[];
}

/**
 * Adds validation material for PAdES B-LT (ETSI EN 319 142-1 §5.4.2): a /DSS dictionary in the
 * catalog with /Certs, /OCSPs and /CRLs arrays of streams, in a new incremental update. An
 * existing DSS is merged (its entries kept; material already present is not added twice).
 * VRI dictionaries are optional and not written.
 */
export function appendDss(
  pdf: Buffer,
  material: DssMaterial,
  o: { limits?: Partial<PdfLimits>; id?: Buffer; password?: string } = {},
): Buffer {
  const doc = PdfDocument.open(pdf, {
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.password !== undefined ? { security: standardSecurity(o.password) } : {}),
  });
  const w = new IncrementalWriter(doc);
  const ed = new UpdateEditor(doc, w);
  const catalog = doc.catalog;
  const dssVal = catalog.get('DSS');
  const existing = doc.resolve(dssVal);
  const dss = existing instanceof PdfDict ? existing.clone() : new PdfDict([['Type', name('DSS')]]);
  for (const [key, items] of [
    ['Certs', material.certs],
    ['OCSPs', material.ocsps],
    ['CRLs', material.crls],
  ] as const) {
    if (!items || items.length === 0) continue;
    const cur = doc.resolve(dss.get(key));
    const arr: PdfObject[] = Array.isArray(cur) ? [...cur] : [];
    const known: Buffer[] = [];
    for (const r of arr) {
      const s = doc.resolve(r);
      if (s instanceof PdfStream) {
        try {
          known.push(doc.streamData(s));
        } catch {
          /* unreadable existing entry: keep it, cannot compare */
        }
      }
    }
    for (const item of items) {
      if (known.some((k) => k.equals(item))) continue;
      known.push(item);
      const r = w.allocate();
      w.set(r, new PdfStream(new PdfDict(), item));
      arr.push(r);
    }
    dss.set(key, arr);
  }
  if (dssVal instanceof PdfRef && existing instanceof PdfDict) w.set(dssVal, dss);
  else {
    const r = w.allocate();
    w.set(r, dss);
    ed.catalog().set('DSS', r);
  }
  const u = w.build(o.id ? { id: o.id } : {});
  return Buffer.concat([doc.bytes, u.tail]);
}
