import { AppError } from '../../core/errors.js';

/**
 * Resource limits for untrusted input. Every reader path checks them so a hostile file yields a
 * PDF_LIMIT_EXCEEDED / PDF_MALFORMED error instead of exhausting memory or the stack.
 */
export interface PdfLimits {
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
export type PdfLimitKind = 'depth' | 'objects' | 'inflate' | 'revisions' | 'time' | 'tree';

export function limitExceeded(limit: PdfLimitKind, message: string, cause?: unknown): AppError {
  return new AppError('PDF_LIMIT_EXCEEDED', message, cause === undefined ? { details: { limit } } : { cause, details: { limit } });
}

/** Throws PDF_LIMIT_EXCEEDED (time) once `limits.deadline` has passed. */
export function checkDeadline(limits: PdfLimits): void {
  if (limits.deadline !== undefined && Date.now() > limits.deadline) throw limitExceeded('time', 'time budget exceeded');
}

export const DEFAULT_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxObjects: 8_000_000,
  maxDepth: 200,
  maxStreamBytes: 256 * 1024 * 1024,
  maxInflateRatio: 1000,
  maxXrefSections: 10_000,
  maxTreeDepth: 64,
  minInflateBytes: 1 << 20,
});

export function resolveLimits(partial?: Partial<PdfLimits>): PdfLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}
