/**
 * The shapes the client sends and receives, written by hand to match the OpenAPI document
 * (`GET /openapi.json`, produced from the route specs in src/http/routes). The client imports
 * nothing from the server so that `kyso/client` stays a small fetch-only module.
 */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** Signing options as in `POST /api/v1/sign` and `/api/v1/sign/batch` (the `options` part). */
export interface SignOptions {
  readonly level?: PadesLevel;
  readonly algorithm?: string;
  readonly visible?: { readonly page: number; readonly rect: readonly [number, number, number, number] };
  readonly fieldName?: string;
  readonly appearance?: {
    readonly kind: 'individual' | 'organization' | 'copy';
    readonly sealOnly?: boolean;
    readonly sealDiameterMm?: number;
    readonly textSide?: 'left' | 'right';
    readonly texts?: Readonly<Record<string, string | readonly string[]>>;
  };
  readonly certify?: 1 | 2 | 3;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  readonly name?: string;
}

/** A server-held credential unlocked by its PIN (the PIN goes to the server once per call, never stored by the client). */
export interface CredentialSigner {
  readonly kind: 'credential';
  readonly credentialId: string;
  readonly pin: string;
}

export interface Pkcs12Signer {
  readonly kind: 'pkcs12';
  readonly pkcs12: Uint8Array;
  readonly password: string;
}

export type FileInput = Uint8Array | { readonly name: string; readonly data: Uint8Array };

export type JobState = 'running' | 'completed' | 'cancelled';
export type JobFileState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** `GET /api/v1/jobs/{id}`. */
export interface Job {
  readonly id: string;
  readonly kind: 'sign' | 'certify';
  readonly state: JobState;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly progress: { readonly total: number; readonly done: number; readonly failed: number; readonly cancelled: number };
  readonly files: ReadonlyArray<{
    readonly n: number;
    readonly name: string;
    readonly state: JobFileState;
    readonly sha256?: string;
    readonly bytes?: number;
    readonly url?: string;
    readonly error?: { readonly code: string; readonly message: string };
  }>;
  readonly webhook?: {
    readonly url: string;
    readonly deliveries: ReadonlyArray<{
      readonly state: 'pending' | 'delivered' | 'failed';
      readonly attempts: ReadonlyArray<{ readonly at: string; readonly status: number | null; readonly error: string | null }>;
    }>;
  };
}

/** `POST /api/v1/copies` request (the `request` JSON part). */
export interface CertifyRequest {
  readonly authorityId: string;
  readonly requesterName: string;
  readonly requesterIdDocument: string;
  readonly documentType: string;
  readonly documentTitle: string;
  readonly documentIssuer: string;
  readonly copies?: number;
  readonly level?: PadesLevel;
  readonly certifier: { readonly credentialId: string; readonly title: string; readonly pin: string };
  readonly seal: { readonly credentialId?: string; readonly pin: string };
}

export interface CertifiedCopy {
  readonly pdf: Uint8Array;
  readonly id: string;
  readonly number: number;
  readonly year: number;
  readonly lookupCode: string;
  readonly lookupUrl: string;
}

/** `POST /api/v1/verify`: the report (see docs/verification-report.md); `indication` is its verdict. */
export interface VerificationReport {
  readonly indication: 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE' | string;
  readonly reportId?: string;
  readonly [key: string]: unknown;
}

/** RFC 9457 problem document with kyso's stable `code` (docs/errors.md). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly details?: unknown;
  readonly requestId?: string;
}
