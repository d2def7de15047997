/**
 * Family 2: the page's content stream is replaced by one whose dictionary says /Type /XRef or
 * /Type /ObjStm. Viewers ignore /Type on a content stream and draw it; a diff that skips
 * everything typed as cross-reference machinery would not look at it.
 */
import { appendRevision } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

const typed = (type: 'XRef' | 'ObjStm'): AttackFamily => ({
  name: `changed content stream typed /${type}`,
  expectedKey: 'MODIFICATION_OTHER',
  shows: 'text',
  build(signed) {
    const { contents } = firstPage(signed);
    return appendRevision(signed, { objects: { [contents]: attackedContent(signed, `/Type /${type}`) } });
  },
});

export const contentTypedXref = typed('XRef');
export const contentTypedObjStm = typed('ObjStm');
