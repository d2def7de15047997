/**
 * Changes after the signed revision (docs/signatures-and-validation.md rules B and C): the object diff (diff.ts)
 * judged against the signature's DocMDP / FieldMDP permissions (ISO 32000-1 §12.8.2.2-§12.8.2.4).
 */
import type { DiffResult } from '../diff.js';
import { viewOf } from '../diff.js';
import { checkMdp } from '../mdp.js';
import type { MdpResult, ModificationSummary } from '../report.js';
import { dictOf } from '../values.js';
import type { SignatureWork, VerifyContext } from './context.js';
import type { Verdict } from './verdict.js';
import { judgeOverlay } from './overlay.js';

export interface ModificationsOutcome {
  readonly modifications: ModificationSummary;
  readonly mdp: MdpResult;
}

const NO_MODIFICATIONS: ModificationSummary = {
  extension: false,
  signatureOrFormFill: false,
  annotation: false,
  other: false,
  pageCountChanged: false,
  level: 'NONE',
  details: [],
};

export async function checkModifications(
  ctx: VerifyContext,
  w: SignatureWork,
  all: readonly SignatureWork[],
  verdict: Verdict,
): Promise<ModificationsOutcome> {
  const { pdf, budget } = ctx;
  const last = pdf.revisions.length - 1;
  const field = viewOf(pdf, last, budget).fields.find((x) => x.name === w.found.fieldNames[0]);
  const lock = dictOf(pdf.resolve(field?.dict.get('Lock')));
  // --- overlay hook: field rules and what later annotations and widgets cover (steps/overlay.ts)
  const permissions = checkMdp(pdf, w.found.dict, w.kind, w.diff, budget, lock);
  const overlay = await judgeOverlay(ctx, w, all, permissions.docMdpP);
  const d = overlay?.diff ?? w.diff;
  const judged = overlay ? checkMdp(pdf, w.found.dict, w.kind, d, budget, lock) : permissions;
  const mdp = overlay ? { ...judged, violations: [...new Set([...judged.violations, ...overlay.violations])] } : judged;
  if (overlay) {
    w.errors.push(...overlay.errors);
    w.coverings = overlay.located;
  }
  if (overlay?.coversContent) verdict.worse('INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE');
  // --- end of overlay hook
  if (d) {
    if (d.pageCountChanged) {
      w.errors.push('MODIFICATION_PAGE_COUNT');
      verdict.worse('TOTAL_FAILED', 'FORMAT_FAILURE');
    }
    if (d.rootReplaced) w.errors.push('MODIFICATION_ROOT_REPLACED');
    if (d.actionsAdded.length) w.errors.push('MODIFICATION_ACTION_ADDED');
    if (d.other) {
      w.errors.push('MODIFICATION_OTHER');
      if (ctx.policy.undefinedChanges === 'fail') verdict.worse('TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE');
    }
    if (d.annotation) w.warnings.push('MODIFICATION_ANNOTATION');
    if (d.signatureOrFormFill) w.warnings.push('MODIFICATION_FORM_FILL');
  }
  if (mdp.violations.length) {
    w.errors.push(...mdp.violations);
    verdict.worse('TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE');
  }
  return { modifications: d ? summarize(d) : NO_MODIFICATIONS, mdp };
}

function summarize(d: DiffResult): ModificationSummary {
  return {
    extension: d.extension,
    signatureOrFormFill: d.signatureOrFormFill,
    annotation: d.annotation,
    other: d.other,
    pageCountChanged: d.pageCountChanged,
    level: d.level,
    details: d.details,
  };
}
