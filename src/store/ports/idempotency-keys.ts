/**
 * Storage of idempotency keys (draft-ietf-httpapi-idempotency-key-header) for the HTTP edge.
 * A key belongs to one caller: (caller, key) is the identity, so the same key string sent by
 * another caller is another key. Only a keyed fingerprint of the request is kept, and a response
 * that carried a secret is never kept (only the id of what it created).
 */
export type IdempotencyState = 'pending' | 'done' | 'secret';

export interface StoredResponse {
  readonly status: number;
  /** Header name (lower case) → value, as sent the first time. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface IdempotencyRecord {
  readonly caller: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly method: string;
  readonly path: string;
  readonly state: IdempotencyState;
  /** Names the claim that runs (or ran) the request; completion and release must present it. */
  readonly claimId: string;
  /** state `done`. */
  readonly response: StoredResponse | null;
  /** state `secret`: the status of the first answer and what it created. */
  readonly status: number | null;
  readonly resourceId: string | null;
  readonly resourceLocation: string | null;
  readonly createdAt: Date;
  /** A `pending` claim lapses at this time (its instance is presumed gone). */
  readonly lockedUntil: Date;
  readonly expiresAt: Date;
}

export interface NewClaim {
  readonly caller: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly method: string;
  readonly path: string;
  readonly claimId: string;
  readonly now: Date;
  readonly lockedUntil: Date;
  readonly expiresAt: Date;
}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly existing: IdempotencyRecord };

export type Outcome =
  | { readonly state: 'done'; readonly response: StoredResponse }
  | { readonly state: 'secret'; readonly status: number; readonly resourceId: string; readonly resourceLocation: string | null };

export interface IdempotencyKeyRepository {
  /**
   * Insert first: the row is created `pending` unless (caller, key) exists. An existing row is
   * taken over only when it has expired, or when it is a lapsed `pending` claim of the same
   * fingerprint; otherwise it is returned for the caller to answer from.
   */
  claim(c: NewClaim): Promise<ClaimResult>;
  /** Records the outcome of the claim `claimId`; false when the claim was lost meanwhile. */
  complete(caller: string, key: string, claimId: string, outcome: Outcome): Promise<boolean>;
  /** Deletes the claim `claimId` (a failed request leaves the key free for a retry). */
  release(caller: string, key: string, claimId: string): Promise<void>;
  /** Deletes expired rows; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  get(caller: string, key: string): Promise<IdempotencyRecord | undefined>;
}
