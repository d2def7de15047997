/** Public API of the PDF signature validator (docs/signatures-and-validation.md). */
export { verifyPdf, signedRevisionBytes, DEFAULT_POLICY, type VerifyOptions, type VerifyPolicy } from './verify-pdf.js';
export { createTrustStore, loadTrustStore, EMPTY_TRUST_STORE, type TrustStore } from './trust-store.js';
export { createHttpRevocationFetcher, type RevocationFetcher } from './revocation.js';
export { DEFAULT_LIMITS, type VerifyLimits } from './limits.js';
export { renderReportHtml } from './render-html.js';
export { renderReportPdf } from './render-pdf.js';
export type { Lang } from './i18n.js';
export * from './report.js';
