import type { AuditLog } from '../audit/audit-log.js';
import type { SigningAuthorizationRepository } from '../signing/ports.js';

/**
 * Jobs: long work (many PDFs to sign, several originals to certify) submitted in one request and
 * done by a worker in every instance (docs/jobs.md). The records hold no PIN and no password:
 * a sign job runs on a batch authorization created at submission and keeps only its id.
 */
export type JobKind = 'sign' | 'certify';
export type JobState = 'running' | 'completed' | 'cancelled';
export type JobItemState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  /** The caller who submitted it (principal.id); only it, an admin or an auditor of its organization reads it. */
  readonly ownerId: string;
  readonly organizationId: string | null;
  /** Whom the work acts as (a credential's owner for signing). */
  readonly actorId: string;
  readonly state: JobState;
  /** The work's options as JSON text, without secrets. */
  readonly options: string;
  /** The batch authorization the items sign under (never the PIN). */
  readonly authorizationId: string | null;
  /** Fixed at submission: every item is signed at this time, so a re-sign yields the same bytes. */
  readonly signingTime: Date;
  /** True when the signature algorithm is deterministic (RSA PKCS#1 v1.5): an interrupted item may be signed again. */
  readonly deterministic: boolean;
  readonly webhookUrl: string | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

export interface JobItemRecord {
  readonly jobId: string;
  /** 1-based position in the submission. */
  readonly n: number;
  readonly name: string;
  readonly inputSha256: string;
  readonly inputBytes: number;
  readonly state: JobItemState;
  /** How many times a worker claimed it (a second claim means the first worker died). */
  readonly attempts: number;
  readonly claimToken: string | null;
  readonly leaseUntil: Date | null;
  readonly outputSha256: string | null;
  readonly outputBytes: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly updatedAt: Date;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly jobId: string;
  readonly ownerId: string;
  readonly url: string;
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly claimToken: string | null;
  readonly createdAt: Date;
}

export interface WebhookAttempt {
  readonly deliveryId: string;
  readonly n: number;
  readonly at: Date;
  /** HTTP status, or null when no answer came (network error, time-out). */
  readonly status: number | null;
  readonly error: string | null;
}

export interface JobRepository {
  createJob(job: JobRecord, items: readonly JobItemRecord[]): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  listItems(jobId: string): Promise<JobItemRecord[]>;
  getItem(jobId: string, n: number): Promise<JobItemRecord | undefined>;
  /**
   * Atomically claims one item to work on: a pending item, or a running one whose lease ended
   * (its worker died). One statement (PostgreSQL: FOR UPDATE SKIP LOCKED), so two workers never
   * hold the same item at once. Sets the claim token and lease, adds one to `attempts`.
   */
  claimItem(claimToken: string, now: Date, leaseUntil: Date): Promise<JobItemRecord | undefined>;
  /**
   * Ends an item this worker still holds (state running, same claim token): done with its output,
   * or failed with its error. False when the claim was lost (lease expired and reclaimed).
   */
  finishItem(
    jobId: string,
    n: number,
    claimToken: string,
    result: { state: 'done'; outputSha256: string; outputBytes: number } | { state: 'failed'; errorCode: string; errorMessage: string },
    now: Date,
  ): Promise<boolean>;
  /** Marks the job completed when no item is pending or running; true for the one caller that did it. */
  completeJobIfFinished(jobId: string, now: Date): Promise<boolean>;
  /** Cancels a running job: pending items become cancelled (running ones finish). True when it was running. */
  cancelJob(jobId: string, now: Date): Promise<boolean>;

  getWebhookSecret(ownerId: string): Promise<string | undefined>;
  setWebhookSecret(ownerId: string, secret: string, now: Date): Promise<void>;
  createDelivery(d: WebhookDelivery): Promise<void>;
  /** Claims one pending delivery due at `now` (same atomic-claim rule as items). */
  claimDelivery(claimToken: string, now: Date, leaseUntil: Date): Promise<WebhookDelivery | undefined>;
  /** Records one attempt and the delivery's new state (pending with the next time, delivered or failed). */
  recordAttempt(attempt: WebhookAttempt, next: { state: WebhookDelivery['state']; nextAttemptAt: Date }, claimToken: string): Promise<void>;
  listDeliveries(jobId: string): Promise<Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }>>;
}

/** Repositories used together in one transaction (the store satisfies this structurally). */
export interface JobRepos {
  readonly jobs: JobRepository;
  readonly audit: AuditLog;
  readonly signingAuthorizations: SigningAuthorizationRepository;
}

export interface JobStore extends JobRepos {
  transaction<T>(fn: (repos: JobRepos) => Promise<T>): Promise<T>;
}

/** Content-addressed private file storage for inputs and outputs (the same port as signed copies). */
export interface JobFileStore {
  put(sha256: string, bytes: Buffer): Promise<void>;
  get(sha256: string): Promise<Buffer | undefined>;
}
