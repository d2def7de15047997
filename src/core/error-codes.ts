/**
 * The one catalogue of stable error codes (docs/architecture.md, conventions 2 and 4).
 * Each code is a stable string other systems script against; `docs/errors.md`,
 * the HTTP status map (src/http/problem.ts) and the CLI exit map (src/cli/exit-codes.ts)
 * must each list every code here — a test enforces it.
 *
 * Add new codes inside the group of their area, keep one code per line.
 */
export const ERROR_CODES = [
  // generic request problems
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'TEXT_UNSAFE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  // idempotent retries (draft-ietf-httpapi-idempotency-key-header)
  'IDEMPOTENCY_KEY_INVALID',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  'IDEMPOTENCY_SECRET_NOT_REPLAYED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'FORBIDDEN_SCOPE',
  // sign-in for people (docs/sign-in.md)
  'LOGIN_FAILED',
  'TOTP_REQUIRED',
  'LOGIN_LOCKED',
  'CSRF_INVALID',
  'OIDC_FAILED',
  'ACCOUNT_NOT_FOUND',
  'INTERNAL',
  'CONFIG_INVALID',
  'CLOCK_INVALID',
  // storage
  'STORE_UNAVAILABLE',
  'STORE_CONSTRAINT',
  // keys
  'KEY_NOT_FOUND',
  'KEY_URI_UNSUPPORTED',
  'KEY_DECRYPT_FAILED',
  'KEY_ALGORITHM_UNSUPPORTED',
  'KEY_LOCKED',
  'PIN_INVALID',
  // the local signing agent (kyso agent)
  'AGENT_ORIGIN_NOT_ALLOWED',
  'AGENT_REFUSED',
  'AGENT_PAIRING_PENDING',
  // pki
  'PROFILE_UNKNOWN',
  'SUBJECT_INVALID',
  'UID_INVALID',
  'CSR_MALFORMED',
  'CSR_SIGNATURE_INVALID',
  'VALIDITY_INVALID',
  'LINT_FAILED',
  'CA_UNKNOWN',
  'CERT_NOT_FOUND',
  'CERT_ALREADY_REVOKED',
  'CERT_NOT_ON_HOLD',
  'CERT_NOT_ACTIVE',
  'REVOCATION_REASON_INVALID',
  'SUBSCRIBER_NOT_FOUND',
  'REQUEST_NOT_FOUND',
  'REQUEST_STATE_INVALID',
  'APPROVER_NOT_ALLOWED',
  'CA_CERT_PROTECTED',
  'OCSP_MALFORMED_REQUEST',
  'PKCS12_FAILED',
  // pdf
  'PDF_MALFORMED',
  'PDF_ENCRYPTED',
  'PDF_NOT_PDF',
  'PDF_LIMIT_EXCEEDED',
  'PDF_FIELD_NOT_FOUND',
  'PDF_FIELD_ALREADY_SIGNED',
  'SIGNATURE_FIELD_PLACEHOLDER_BROKEN',
  'PDF_PAGE_OUT_OF_RANGE',
  'PDF_SIGNING_FORBIDDEN',
  'IMAGE_INVALID',
  // signing
  'SIGNER_CERT_INVALID',
  'SIGNER_KEY_USAGE',
  'SIGNER_REVOKED',
  'SIGNER_EXPIRED',
  'SIGNATURE_MISMATCH',
  'SESSION_NOT_FOUND',
  'SESSION_EXPIRED',
  'CREDENTIAL_NOT_FOUND',
  'CREDENTIAL_LOCKED',
  'CREDENTIAL_KEY_BOUND',
  'CREDENTIAL_HOLDER_INVALID',
  'CREDENTIAL_NOT_ACTIVATED',
  'ACTIVATION_CODE_INVALID',
  'PLACEHOLDER_OVERFLOW',
  // cms / timestamps
  'CMS_MALFORMED',
  'TSA_UNAVAILABLE',
  'TSA_RESPONSE_INVALID',
  'TSA_REQUEST_REJECTED',
  'REVOCATION_UNAVAILABLE',
  // verification
  'VERIFY_UNREADABLE',
  'REPORT_NOT_FOUND',
  // certified copies
  'AUTHORITY_UNKNOWN',
  'CERTIFIER_NOT_ALLOWED',
  'REGISTER_CLOSED',
  'REGISTER_NOT_FOUND',
  'COPY_NOT_FOUND',
  'COPY_STATE_INVALID',
  'COPY_DOCUMENT_MISSING',
  'COPY_DOCUMENT_CORRUPT',
  'COPY_STAMP_IMAGES_MISSING',
  'LOOKUP_CODE_INVALID',
  'DELETE_FORBIDDEN',
  // jobs and webhooks
  'JOB_NOT_FOUND',
  'JOB_FILE_NOT_READY',
  'JOB_ITEM_INTERRUPTED',
  'WEBHOOK_URL_NOT_ALLOWED',
  'WEBHOOK_SECRET_MISSING',
  // audit
  'AUDIT_CHAIN_BROKEN',
  // operations: backup and restore
  'BACKUP_INVALID',
  'BACKUP_MASTER_KEY_MISMATCH',
  'RESTORE_TARGET_NOT_EMPTY',
  'AUDIT_TREE_SIZE_INVALID',
  'AUDIT_CHECKPOINT_NOT_FOUND',
  'AUDIT_CHECKPOINT_INVALID',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
