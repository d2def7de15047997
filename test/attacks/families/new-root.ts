/**
 * Family 1: the last trailer's /Root names a brand-new catalog → new page tree → a new page
 * that draws other text with the signed revision's resources. No object of the signed revision
 * changes, so an object diff alone sees nothing (ISO 32000-1 §7.5.5 trailer /Root).
 */
import { appendRevision } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

export const newRoot: AttackFamily = {
  name: 'new /Root with a new page tree',
  expectedKey: 'MODIFICATION_ROOT_REPLACED',
  shows: 'text',
  build(signed) {
    const page = firstPage(signed);
    const n = 9000;
    return appendRevision(signed, {
      root: n,
      objects: {
        [n]: `<< /Type /Catalog /Pages ${n + 1} 0 R >>`,
        [n + 1]: `<< /Type /Pages /Kids [${n + 2} 0 R] /Count 1 >>`,
        [n + 2]: `<< /Type /Page /Parent ${n + 1} 0 R /MediaBox [0 0 595 842] /Resources ${page.resources} /Contents ${n + 3} 0 R >>`,
        [n + 3]: attackedContent(signed),
      },
    });
  },
};
