/**
 * The three states a reader is told first (docs/verification-report.md):
 * - invalid: the overall ETSI EN 319 102-1 indication is not TOTAL_PASSED. INDETERMINATE is not
 *   a pass, so it is red as well, with its reason (e.g. content covered after signing);
 * - changed: every signature is valid but the document was changed after some signature by more
 *   than the updates that only extend it (DSS, document timestamps: ETSI EN 319 142-1 §5.4) and
 *   the later signatures that themselves validate;
 * - valid: otherwise.
 */
import type { ChangeReport, ReportState, SignatureReport, VerificationReport } from './report.js';

type StateInput = Pick<VerificationReport, 'indication'> & { readonly signatures: readonly SignatureReport[] };

export function reportState(r: StateInput): ReportState {
  if (r.indication !== 'TOTAL_PASSED') return 'invalid';
  const validlySigned = new Set(r.signatures.filter((s) => s.indication === 'TOTAL_PASSED').flatMap((s) => s.fieldNames));
  const counts = (c: ChangeReport) =>
    c.category !== 'extension' && !(c.key === 'MODIFICATION_SIGNATURE_ADDED' && c.detail !== undefined && validlySigned.has(c.detail));
  const changed = r.signatures.some((s) =>
    s.changes ? s.changes.some(counts) : s.modifications.annotation || s.modifications.signatureOrFormFill || s.modifications.other,
  );
  return changed ? 'changed' : 'valid';
}
