/**
 * Hard limits for untrusted input (docs/signatures-and-validation.md rule 14): every loop that a hostile file can
 * drive is bounded by one of these, and the time budget is checked in the hot loops, so a
 * malicious PDF ends with a FORMAT_FAILURE report instead of a hang or memory exhaustion.
 */
export interface VerifyLimits {
  /** Maximum input size in bytes. */
  maxFileBytes: number;
  /** Maximum number of revisions (xref sections in the /Prev chain). */
  maxRevisions: number;
  /** Maximum number of xref entries / objects considered. */
  maxObjects: number;
  /** Maximum inflate ratio (decoded / encoded) for a stream. */
  maxInflateRatio: number;
  /** Maximum decoded size of one stream. */
  maxDecodedBytes: number;
  /** Maximum nesting depth of arrays/dictionaries and of graph walks. */
  maxDepth: number;
  /** Maximum number of signatures processed. */
  maxSignatures: number;
  /** Time budget for the whole validation, in ms. */
  timeBudgetMs: number;
}

export const DEFAULT_LIMITS: Readonly<VerifyLimits> = Object.freeze({
  maxFileBytes: 200 * 1024 * 1024,
  maxRevisions: 500,
  maxObjects: 2_000_000,
  maxInflateRatio: 200,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxDepth: 100,
  maxSignatures: 200,
  timeBudgetMs: 20_000,
});

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
