import type { Request, Response } from 'express';
import { AppError, isAppError } from '../core/errors.js';
import { maskUrlCredentials } from '../core/url-credentials.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { Logger } from './log.js';

/**
 * AppError.code → HTTP status. HTTP statuses exist only in src/http (docs/architecture.md
 * convention 3). A total record over the catalogue: a code missing here does not compile;
 * test/unit/docs keeps it in step with docs/errors.md and the CLI exit map.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  TEXT_UNSAFE: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  IDEMPOTENCY_KEY_INVALID: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_SECRET_NOT_REPLAYED: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FORBIDDEN_SCOPE: 403,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  CLOCK_INVALID: 503,
  STORE_UNAVAILABLE: 503,
  STORE_CONSTRAINT: 409,
  KEY_NOT_FOUND: 404,
  KEY_URI_UNSUPPORTED: 400,
  KEY_DECRYPT_FAILED: 500,
  KEY_ALGORITHM_UNSUPPORTED: 400,
  KEY_LOCKED: 423,
  PIN_INVALID: 403,
  LOGIN_FAILED: 401,
  TOTP_REQUIRED: 401,
  LOGIN_LOCKED: 429,
  CSRF_INVALID: 403,
  OIDC_FAILED: 401,
  ACCOUNT_NOT_FOUND: 404,
  AGENT_ORIGIN_NOT_ALLOWED: 403,
  AGENT_REFUSED: 403,
  AGENT_PAIRING_PENDING: 429,
  PROFILE_UNKNOWN: 400,
  SUBJECT_INVALID: 400,
  UID_INVALID: 400,
  CSR_MALFORMED: 400,
  CSR_SIGNATURE_INVALID: 400,
  VALIDITY_INVALID: 400,
  LINT_FAILED: 422,
  CA_UNKNOWN: 404,
  CERT_NOT_FOUND: 404,
  CERT_ALREADY_REVOKED: 409,
  CERT_NOT_ON_HOLD: 409,
  CERT_NOT_ACTIVE: 409,
  REVOCATION_REASON_INVALID: 400,
  SUBSCRIBER_NOT_FOUND: 404,
  REQUEST_NOT_FOUND: 404,
  REQUEST_STATE_INVALID: 409,
  APPROVER_NOT_ALLOWED: 403,
  CA_CERT_PROTECTED: 403,
  OCSP_MALFORMED_REQUEST: 400,
  PKCS12_FAILED: 500,
  PDF_MALFORMED: 400,
  PDF_ENCRYPTED: 422,
  PDF_NOT_PDF: 415,
  PDF_LIMIT_EXCEEDED: 422,
  PDF_FIELD_NOT_FOUND: 422,
  PDF_FIELD_ALREADY_SIGNED: 409,
  SIGNATURE_FIELD_PLACEHOLDER_BROKEN: 409,
  PDF_PAGE_OUT_OF_RANGE: 422,
  PDF_SIGNING_FORBIDDEN: 409,
  IMAGE_INVALID: 422,
  SIGNER_CERT_INVALID: 422,
  SIGNER_KEY_USAGE: 422,
  SIGNER_REVOKED: 422,
  SIGNER_EXPIRED: 422,
  SIGNATURE_MISMATCH: 422,
  SESSION_NOT_FOUND: 404,
  SESSION_EXPIRED: 410,
  CREDENTIAL_NOT_FOUND: 404,
  CREDENTIAL_LOCKED: 423,
  CREDENTIAL_KEY_BOUND: 409,
  CREDENTIAL_HOLDER_INVALID: 403,
  CREDENTIAL_NOT_ACTIVATED: 409,
  ACTIVATION_CODE_INVALID: 403,
  PLACEHOLDER_OVERFLOW: 500,
  CMS_MALFORMED: 400,
  TSA_UNAVAILABLE: 503,
  TSA_RESPONSE_INVALID: 502,
  TSA_REQUEST_REJECTED: 502,
  REVOCATION_UNAVAILABLE: 503,
  VERIFY_UNREADABLE: 422,
  REPORT_NOT_FOUND: 404,
  AUTHORITY_UNKNOWN: 404,
  CERTIFIER_NOT_ALLOWED: 403,
  REGISTER_CLOSED: 409,
  REGISTER_NOT_FOUND: 404,
  COPY_NOT_FOUND: 404,
  COPY_STATE_INVALID: 409,
  COPY_DOCUMENT_MISSING: 404,
  COPY_DOCUMENT_CORRUPT: 500,
  COPY_STAMP_IMAGES_MISSING: 422,
  LOOKUP_CODE_INVALID: 400,
  DELETE_FORBIDDEN: 403,
  JOB_NOT_FOUND: 404,
  JOB_FILE_NOT_READY: 409,
  JOB_ITEM_INTERRUPTED: 409,
  WEBHOOK_URL_NOT_ALLOWED: 422,
  WEBHOOK_SECRET_MISSING: 409,
  AUDIT_CHAIN_BROKEN: 500,
  BACKUP_INVALID: 422,
  BACKUP_MASTER_KEY_MISMATCH: 500,
  RESTORE_TARGET_NOT_EMPTY: 409,
  AUDIT_TREE_SIZE_INVALID: 400,
  AUDIT_CHECKPOINT_NOT_FOUND: 404,
  AUDIT_CHECKPOINT_INVALID: 422,
});

export function httpStatusOf(code: ErrorCode): number {
  // A code from outside the catalogue can only arrive through an unchecked cast: answer 500.
  return HTTP_STATUS[code] ?? 500;
}

/** RFC 9457 problem details document, extended with our stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly instance: string;
  readonly requestId?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** `type` URI: a stable, dereferenceable-in-principle name per code (RFC 9457 §3.1.1). */
export function problemType(code: ErrorCode): string {
  return `https://kyso.invalid/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

/**
 * Turns any thrown value into a problem document. AppErrors keep their message (messages are
 * written without secrets); everything else — and every 500 — says only "internal error" so no
 * stack, SQL or path leaks to the caller (docs/architecture.md convention 3).
 */
export function toProblem(err: unknown, instance: string, requestId?: string): Problem {
  const app = isAppError(err) ? err : new AppError('INTERNAL', 'internal error');
  const status = httpStatusOf(app.code);
  const hide = status === 500;
  return {
    type: problemType(app.code),
    title: TITLES[status] ?? 'Error',
    status,
    code: app.code,
    detail: hide ? 'internal error' : maskUrlCredentials(app.message),
    instance,
    ...(requestId ? { requestId } : {}),
    ...(!hide && app.details ? { details: app.details } : {}),
  };
}

export function sendProblem(req: Request, res: Response, err: unknown, log?: Logger): void {
  const requestId = res.locals.requestId as string | undefined;
  const problem = toProblem(err, req.originalUrl.split('?')[0] ?? '/', requestId);
  if (problem.status >= 500 && log) {
    log.error('request failed', { requestId, code: problem.code, error: describeError(err) });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="kyso"');
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** For logs only: name, code and message; never request bodies. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      ...(isAppError(err) ? { code: err.code } : {}),
      stack: err.stack?.split('\n').slice(0, 6).join('\n'),
    };
  }
  return { value: String(err) };
}
