/** Public API of the PDF signature validator (docs/signatures-and-validation.md). */
export { verifyPdf, signedRevisionBytes, DEFAULT_POLICY, type VerifyOptions, type VerifyPolicy } from './verify-pdf.js';
export { createTrustStore, loadTrustStore, EMPTY_TRUST_STORE, type TrustStore } from '../../pki/path/index.js';
export { createHttpRevocationFetcher, type RevocationFetcher } from '../../pki/path/index.js';
export { DEFAULT_LIMITS, type VerifyLimits } from './limits.js';
export { renderReportHtml } from './render-html.js';
import type { renderReportPdf as RenderReportPdf } from './render-pdf.js';

/** The report as a PDF; its layer (pdf-lib, fonts) is loaded on the first report asked for, not with the verifier. */
export const renderReportPdf: typeof RenderReportPdf = async (...a) => (await import('./render-pdf.js')).renderReportPdf(...a);
export { label, type Lang } from './i18n.js';
export { presentReport, type Presentation, type PresentedLine, type PresentedSignature } from './present.js';
export * from './report.js';
