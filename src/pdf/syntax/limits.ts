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
}

export const DEFAULT_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxObjects: 8_000_000,
  maxDepth: 200,
  maxStreamBytes: 256 * 1024 * 1024,
  maxInflateRatio: 1000,
  maxXrefSections: 10_000,
  maxTreeDepth: 64,
});

export function resolveLimits(partial?: Partial<PdfLimits>): PdfLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}
