import { PDF_INPUT_BUDGET, type PdfInputBudget } from '../syntax/limits.js';

/**
 * Hard limits for untrusted input (docs/signatures-and-validation.md rule 14): every loop that a hostile file can
 * drive is bounded by one of these, and the time budget is checked in the hot loops, so a
 * malicious PDF ends with a FORMAT_FAILURE report instead of a hang or memory exhaustion.
 * They are the shared input budget (src/pdf/syntax/limits.ts) plus what only a validator counts.
 */
export interface VerifyLimits extends PdfInputBudget {
  /** Maximum number of signatures processed. */
  maxSignatures: number;
}

export const DEFAULT_LIMITS: Readonly<VerifyLimits> = Object.freeze({ ...PDF_INPUT_BUDGET, maxSignatures: 200 });

export type LimitName = 'size' | 'revisions' | 'objects' | 'inflate' | 'depth' | 'time' | 'signatures';

/** Thrown internally when a limit is hit; the validator turns it into a FORMAT_FAILURE report. */
export class VerifyLimitError extends Error {
  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super(message);
    this.name = 'VerifyLimitError';
  }
}

/** A deadline checked cooperatively from loops (the validator is synchronous between awaits). */
export class Budget {
  readonly deadline: number;
  constructor(readonly limits: VerifyLimits) {
    this.deadline = Date.now() + limits.timeBudgetMs;
  }
  check(): void {
    if (Date.now() > this.deadline) throw new VerifyLimitError('time', `time budget of ${this.limits.timeBudgetMs} ms exceeded`);
  }
}
