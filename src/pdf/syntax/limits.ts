import { AppError } from '../../core/errors.js';

/**
 * Resource limits for untrusted input. Every reader path checks them so a hostile file yields a
 * PDF_LIMIT_EXCEEDED / PDF_MALFORMED error instead of exhausting memory or the stack.
 */
export interface PdfLimits {
  /** Largest file accepted at all (checked when the file is opened). */
  maxFileBytes?: number;
  /** Largest object number accepted from an xref (`/Size`, `/Index`, table subsections). */
  maxObjects: number;
  /** Deepest nesting of arrays/dictionaries in one object. */
  maxDepth: number;
  /** Largest decoded size of one stream, in bytes. */
  maxStreamBytes: number;
  /** Largest decoded/encoded ratio of one stream (checked once the output passes 1 MiB). */
  maxInflateRatio: number;
  /** Longest `/Prev` chain of xref sections. */
  maxXrefSections: number;
  /** Deepest page tree / field tree walked. */
  maxTreeDepth: number;
  /** Smallest inflate output always allowed, whatever the ratio (tiny streams may compress very well). */
  minInflateBytes: number;
  /**
   * Optional deadline (epoch ms) checked in the xref, scan, object-load and inflate loops: a
   * hostile file then ends with PDF_LIMIT_EXCEEDED (details.limit 'time') instead of a hang.
   */
  deadline?: number;
}

/** Which limit a PDF_LIMIT_EXCEEDED error hit (its `details.limit`), so callers can report it. */
export type PdfLimitKind = 'size' | 'depth' | 'objects' | 'inflate' | 'revisions' | 'time' | 'tree';

export function limitExceeded(limit: PdfLimitKind, message: string, cause?: unknown): AppError {
  return new AppError('PDF_LIMIT_EXCEEDED', message, cause === undefined ? { details: { limit } } : { cause, details: { limit } });
}

/** Throws PDF_LIMIT_EXCEEDED (time) once `limits.deadline` has passed. */
export function checkDeadline(limits: PdfLimits): void {
  if (limits.deadline !== undefined && Date.now() > limits.deadline) throw limitExceeded('time', 'time budget exceeded');
}

/**
 * The one budget for every parse of a PDF that came from outside: verification, signing,
 * two-phase prepare, extension and certified-copy intake all read uploads under it, so a file
 * one path refuses is refused by all (same size, revisions, objects, inflate ratio and size,
 * depth and time). The verifier adds its own signature count (src/pdf/verify/limits.ts).
 */
export interface PdfInputBudget {
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
  /** Time budget for reading one file, in ms. */
  timeBudgetMs: number;
}

export const PDF_INPUT_BUDGET: Readonly<PdfInputBudget> = Object.freeze({
  maxFileBytes: 200 * 1024 * 1024,
  maxRevisions: 500,
  maxObjects: 2_000_000,
  maxInflateRatio: 200,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxDepth: 100,
  timeBudgetMs: 20_000,
});

/** The reader limits that enforce `budget`; `deadline` (epoch ms) bounds the time. */
export function limitsFromBudget(budget: PdfInputBudget, deadline?: number): PdfLimits {
  return {
    maxFileBytes: budget.maxFileBytes,
    maxObjects: budget.maxObjects,
    maxDepth: budget.maxDepth,
    maxStreamBytes: budget.maxDecodedBytes,
    maxInflateRatio: budget.maxInflateRatio,
    // incremental updates may carry an xref table and an xref stream each (hybrid files, §7.5.8.4)
    maxXrefSections: budget.maxRevisions * 2,
    maxTreeDepth: budget.maxDepth,
    // small streams may compress very well (a page of one repeated glyph): the ratio applies beyond this
    minInflateBytes: 64 * 1024,
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

export const DEFAULT_LIMITS: Readonly<PdfLimits> = Object.freeze(limitsFromBudget(PDF_INPUT_BUDGET));

/**
 * Limits for one read: the input budget unless overridden, and a deadline `timeBudgetMs` from
 * now when the caller gives none, so no caller can parse an upload without a time bound.
 */
export function resolveLimits(partial?: Partial<PdfLimits>): PdfLimits {
  return { ...DEFAULT_LIMITS, deadline: Date.now() + PDF_INPUT_BUDGET.timeBudgetMs, ...(partial ?? {}) };
}

/** Throws PDF_LIMIT_EXCEEDED (size) when `bytes` is over `limits.maxFileBytes`. */
export function checkFileSize(bytes: Buffer, limits: PdfLimits): void {
  if (limits.maxFileBytes !== undefined && bytes.length > limits.maxFileBytes)
    throw limitExceeded('size', `the PDF is ${bytes.length} bytes; the limit is ${limits.maxFileBytes}`);
}
