/**
 * The validator's view of pdf/syntax's revision reader: the verifier's limits (docs/signatures-and-validation.md
 * rule 14) mapped onto the syntax limits, the time budget as the reader's deadline, and every
 * limit error — the reader's PDF_LIMIT_EXCEEDED or the validator's own VerifyLimitError — turned
 * into one report key, so verifyPdf can end any hostile input with a FORMAT_FAILURE report.
 */
import { PdfRevisions, isLimitError } from '../syntax/revision-reader.js';
import { VerifyLimitError, type Budget, type LimitName, type VerifyLimits } from './limits.js';

export const LIMIT_KEYS = {
  size: 'LIMIT_SIZE',
  revisions: 'LIMIT_REVISIONS',
  objects: 'LIMIT_OBJECTS',
  inflate: 'LIMIT_INFLATE',
  depth: 'LIMIT_DEPTH',
  time: 'LIMIT_TIME',
  signatures: 'LIMIT_SIGNATURES',
} as const;

/** Opens `bytes` for validation; throws AppError (PDF_NOT_PDF …) or a limit error. */
export function openForVerification(bytes: Buffer, limits: VerifyLimits, budget: Budget): PdfRevisions {
  return PdfRevisions.open(bytes, {
    maxRevisions: limits.maxRevisions,
    limits: {
      maxObjects: limits.maxObjects,
      maxDepth: limits.maxDepth,
      maxStreamBytes: limits.maxDecodedBytes,
      maxInflateRatio: limits.maxInflateRatio,
      minInflateBytes: 64 * 1024,
      maxXrefSections: limits.maxRevisions * 2,
      maxTreeDepth: limits.maxDepth,
      deadline: budget.deadline,
    },
  });
}

/** True for any limit error (reader or validator); such errors must never be swallowed. */
export function isVerifyLimit(e: unknown): boolean {
  return e instanceof VerifyLimitError || isLimitError(e);
}

/** The report key of a limit error, or undefined when `e` is not one. */
export function limitKey(e: unknown): (typeof LIMIT_KEYS)[LimitName] | undefined {
  if (e instanceof VerifyLimitError) return LIMIT_KEYS[e.limit];
  if (!isLimitError(e)) return undefined;
  const l = (e.details as { limit?: string } | undefined)?.limit;
  if (l === 'tree') return LIMIT_KEYS.depth;
  return l && l in LIMIT_KEYS ? LIMIT_KEYS[l as LimitName] : LIMIT_KEYS.objects;
}
