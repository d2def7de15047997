/** PDF syntax layer (ISO 32000-1 §7): object model, parser, lazy reader. No cryptography here. */
export * from './objects.js';
export { Parser, malformed, looksLikeObjectHeader, type IndirectObject, type LengthResolver } from './parser.js';
export {
  DEFAULT_LIMITS,
  PDF_INPUT_BUDGET,
  limitsFromBudget,
  resolveLimits,
  checkDeadline,
  checkFileSize,
  limitExceeded,
  type PdfInputBudget,
  type PdfLimits,
  type PdfLimitKind,
} from './limits.js';
export { decodeStreamData } from './filters.js';
export { findStartxref, parseXrefSection, type XrefEntry, type XrefSection } from './xref.js';
export { PdfDocument, type OpenOptions } from './document.js';
export { pageCount, getPage, inheritedAttribute, type PageInfo } from './page-tree.js';
export { acroForm, formFields, type FormField } from './acroform.js';
export { preflightPdf, type PreflightResult } from './preflight.js';
export { scanObjects, scanObjectHeaders, type ScanResult } from './repair.js';
export { mapStrings, streamIsEncrypted, type SecurityHandler, type SecurityHandlerFactory } from './security.js';
export {
  PdfRevisions,
  entryKey,
  isLimitError,
  openRevision,
  type RevisionRecord,
  type RevisionSection,
  type RevisionReaderOptions,
} from './revision-reader.js';
