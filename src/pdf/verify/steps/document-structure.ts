/**
 * Structure of the file itself, before any signature is judged: everything the reader had to
 * recover (revision-reader `recoveries`) and every object defined outside the cross-reference
 * data. Each of these means some viewer may show bytes that no signed revision vouches for
 * (ISO 32000-1 §7.5.6 incremental updates; the incremental saving attacks of "1 Trillion
 * Dollar Refund", Mladenov et al. 2019), so none may end in TOTAL_PASSED: a finding makes every
 * signature at best INDETERMINATE, and an object stream that lists a number twice is a
 * FORMAT_FAILURE (two readers, two documents). Each finding says which bytes.
 */
import type { PdfRevisions, ReadRecovery } from '../../syntax/revision-reader.js';
import { unlistedObjects } from '../../syntax/unlisted-objects.js';
import type { StructureFinding } from '../report.js';
import type { Verdict } from './verdict.js';

export function checkDocumentStructure(pdf: PdfRevisions, firstSignedRevision: number | undefined): StructureFinding[] {
  if (firstSignedRevision !== undefined) pdf.checkObjectStreams(firstSignedRevision + 1);
  const out: StructureFinding[] = [];
  for (const u of unlistedObjects(pdf, 0)) {
    out.push(
      u.afterFinalEof
        ? {
            key: 'PDF_OBJECTS_AFTER_EOF',
            offset: u.offset,
            object: u.num,
            fatal: false,
            detail: `object ${u.num} at byte ${u.offset}, after the final %%EOF`,
          }
        : {
            key: 'PDF_OBJECTS_OUTSIDE_XREF',
            offset: u.offset,
            object: u.num,
            fatal: false,
            detail: `object ${u.num} at byte ${u.offset} is listed in no cross-reference section`,
          },
    );
  }
  return [...recoveryFindings(pdf.recoveries), ...out];
}

/** Findings of the reader's recoveries (deduplicated: a recovery may be met more than once). */
export function recoveryFindings(recoveries: readonly ReadRecovery[]): StructureFinding[] {
  const seen = new Set<string>();
  const out: StructureFinding[] = [];
  for (const r of recoveries) {
    const id = `${r.kind}:${r.offset}:${r.object ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(finding(r));
  }
  return out;
}

function finding(r: ReadRecovery): StructureFinding {
  const object = r.object ?? null;
  switch (r.kind) {
    case 'xref-chain':
      return {
        key: 'PDF_XREF_RECOVERED',
        offset: r.offset,
        object,
        fatal: false,
        detail: `the last startxref (${r.offset}) leads to no readable cross-reference section; objects recovered by scanning`,
      };
    case 'prev':
      return {
        key: 'PDF_XREF_PREV_BROKEN',
        offset: r.offset,
        object,
        fatal: false,
        detail: `a /Prev points to byte ${r.offset}, where there is no cross-reference section; revisions rebuilt from the startxref markers`,
      };
    case 'object-offset':
      return {
        key: 'PDF_XREF_OFFSET_WRONG',
        offset: r.offset,
        object,
        fatal: false,
        detail: `the xref entry of object ${object} points to byte ${r.offset}, where that object is not`,
      };
    case 'objstm-duplicate':
      return {
        key: 'PDF_OBJSTM_DUPLICATE_OBJECT',
        offset: r.offset,
        object,
        fatal: true,
        detail: `the object stream at byte ${r.offset} lists object ${object} more than once`,
      };
  }
}

/** Every signature inherits the file's structure findings: fatal ones fail it, the others cap it at INDETERMINATE. */
export function applyStructureFindings(findings: readonly StructureFinding[], errors: string[], verdict: Verdict): void {
  for (const f of findings) {
    errors.push(f.key);
    verdict.worse(f.fatal ? 'TOTAL_FAILED' : 'INDETERMINATE', 'FORMAT_FAILURE');
  }
}
