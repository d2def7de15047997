/** Staged PAdES signing (ETSI EN 319 142-1) on top of the reader and the append-only writer. */
export { preparePdfSignature, prepareOpenedSignature, Prepared, type PrepareOptions } from './prepare.js';
export { appendDss, type DssMaterial } from './dss.js';
export { prepareExistingPlaceholder } from './existing-placeholder.js';
export { openedSignatureContents, signatureContents } from './signature-contents.js';
export { digestByteRange, embedCms, hashByteRange, type ByteRange } from './placeholder.js';
export { docMdpPermission, fieldLocks, assertSigningAllowed, type FieldLockRule } from './permissions.js';
export { pdfDate } from './pdf-date.js';
export { placeholderSizeFor } from './placeholder-size.js';
export { standardSecurity } from './standard-security.js';
