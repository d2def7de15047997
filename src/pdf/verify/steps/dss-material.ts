import { PdfStream } from '../../syntax/objects.js';
import type { PdfRevisions } from '../../syntax/revision-reader.js';
import { isVerifyLimit } from '../reader.js';
import { dictOf } from '../values.js';

/** Validation material of the document security store (ETSI EN 319 142-1 §5.4.2), final revision. */
export interface DssMaterial {
  readonly certs: Buffer[];
  readonly ocsps: Buffer[];
  readonly crls: Buffer[];
}

export function readDss(pdf: PdfRevisions): DssMaterial {
  const dss = dictOf(pdf.resolve(pdf.catalog()?.get('DSS')));
  const list = (key: string): Buffer[] => {
    const arr = pdf.resolve(dss?.get(key));
    if (!Array.isArray(arr)) return [];
    const out: Buffer[] = [];
    for (const x of arr) {
      const st = pdf.resolve(x);
      if (st instanceof PdfStream) {
        try {
          out.push(pdf.streamData(st));
        } catch (e) {
          if (isVerifyLimit(e)) throw e;
        }
      }
    }
    return out;
  };
  return { certs: list('Certs'), ocsps: list('OCSPs'), crls: list('CRLs') };
}
