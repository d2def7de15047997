/**
 * Family 4: broken or bogus cross-reference data after signing. Each variant replaces page 1's
 * content in bytes after the signed revision and breaks the xref so that a reader must recover
 * (ISO 32000-1 §7.5.5 startxref, §7.5.6 /Prev); viewers that rebuild by scanning show the new
 * object.
 */
import { appendRevision } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

export const prevNowhere: AttackFamily = {
  name: 'a /Prev that points nowhere',
  expectedKey: 'PDF_XREF_PREV_BROKEN',
  shows: 'text',
  build: (signed) => appendRevision(signed, { objects: { [firstPage(signed).contents]: attackedContent(signed) }, prev: 3 }),
};

export const startxrefNowhere: AttackFamily = {
  name: 'a last startxref that points nowhere',
  expectedKey: 'PDF_XREF_RECOVERED',
  shows: 'text',
  build: (signed) => appendRevision(signed, { objects: { [firstPage(signed).contents]: attackedContent(signed) }, startxref: 5 }),
};

export const unlistedObject: AttackFamily = {
  name: 'a new object listed in no xref (the entry of the old one points into garbage)',
  expectedKey: 'PDF_OBJECTS_OUTSIDE_XREF',
  shows: 'text',
  build(signed) {
    const { contents } = firstPage(signed);
    // the update's own bytes start just after the signed file: +2 lands inside "N 0 obj"
    return appendRevision(signed, { unlisted: { [contents]: attackedContent(signed) }, listedAt: { [contents]: signed.length + 2 } });
  },
};
