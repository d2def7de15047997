/**
 * Family 3b: the signed revision keeps its pages in an object stream (ISO 32000-1 §7.5.7), and a
 * later update writes a new object with the same number as that stream, holding the same
 * objects except two: the page tree root, whose /Kids now name the document information
 * dictionary's number, and that slot, which now holds a page with other content. No compressed
 * xref entry changes (same stream, same index), so a diff of entries sees only the stream object;
 * a reader that resolves old revisions through the newest stream sees the same pages before and
 * after.
 */
import { appendObjectStreamRevision, readPdf } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';
import { parseObjectStreamHeader } from '../../../src/pdf/syntax/object-stream.js';
import { resolveLimits } from '../../../src/pdf/syntax/limits.js';
import type { PdfRef, PdfStream } from '../../../src/pdf/syntax/objects.js';

export const objstmRewritten: AttackFamily = {
  name: 'object stream of the signed revision rewritten under the same number',
  expectedKey: 'MODIFICATION_OTHER',
  shows: 'text',
  build(signed) {
    const raw = readPdf(signed);
    const page = firstPage(signed);
    const pagesRef = raw.catalog()!.get('Pages') as PdfRef;
    const e = raw.entryAt(pagesRef.num, raw.revisions.length - 1);
    if (e?.kind !== 'compressed') throw new Error('the page tree root is not in an object stream');
    const st = raw.object(e.stream) as PdfStream;
    const data = raw.streamData(st);
    const first = st.dict.getNumber('First')!;
    const h = parseObjectStreamHeader(data, st.dict.getNumber('N')!, resolveLimits());
    const info = raw.trailerValue('Info') as PdfRef;
    const ie = raw.entryAt(info.num, raw.revisions.length - 1);
    if (ie?.kind !== 'compressed' || ie.stream !== e.stream) throw new Error('the info dictionary is not in the same object stream');
    const n = 9200;
    const newPage = `<< /Type /Page /Parent ${pagesRef.num} 0 R /MediaBox [0 0 595 842] /Resources ${page.resources} /Contents ${n} 0 R >>`;
    const members = h.pairs.map((p, i) => {
      const end = i + 1 < h.pairs.length ? first + h.pairs[i + 1]!.offset : data.length;
      let body = data.toString('latin1', first + p.offset, end).trim();
      if (p.num === pagesRef.num) body = body.replace(/\/Kids\s*\[[^\]]*\]/, `/Kids [${info.num} 0 R]`);
      if (p.num === info.num) body = newPage;
      return { num: p.num, body };
    });
    return appendObjectStreamRevision(signed, {
      stream: e.stream,
      members,
      indexOf: {},
      objects: { [n]: attackedContent(signed) },
    });
  },
};
