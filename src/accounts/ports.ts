import type { ApiRole } from '../core/principal.js';

/** A person's account (docs/sign-in.md). Local accounts have a password hash; OIDC ones an issuer and subject. */
export interface AccountRecord {
  /** `acc_…`; the principal id is `account:<id>`. */
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: ApiRole;
  readonly organizationId: string | null;
  readonly authorityId: string | null;
  readonly officialId: string | null;
  /** `scrypt$N$r$p$salt$hash` (password-hash.ts); null for accounts that sign in only through OIDC. */
  readonly passwordHash: string | null;
  /** The TOTP secret sealed under the master key; null when TOTP is off. */
  readonly totpSecret: string | null;
  /** Last accepted TOTP time step (RFC 6238 §5.2: a code is accepted once). */
  readonly totpLastStep: number | null;
  readonly oidcIssuer: string | null;
  readonly oidcSubject: string | null;
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * Advanced by the store with every change of the password hash, the TOTP secret or the disabled
   * flag; a session keeps the value its sign-in read and is refused once they differ.
   */
  readonly credentialsEpoch: number;
}

export type AccountChange = Partial<
  Pick<
    AccountRecord,
    'displayName' | 'role' | 'organizationId' | 'authorityId' | 'officialId' | 'passwordHash' | 'totpSecret' | 'totpLastStep' | 'disabledAt'
  >
>;

export interface AccountRepository {
  /** STORE_CONSTRAINT when the username or the OIDC identity exists. */
  create(a: AccountRecord): Promise<void>;
  get(id: string): Promise<AccountRecord | undefined>;
  byUsername(username: string): Promise<AccountRecord | undefined>;
  byOidcIdentity(issuer: string, subject: string): Promise<AccountRecord | undefined>;
  list(): Promise<AccountRecord[]>;
  /**
   * A change that sets `passwordHash`, `totpSecret` or `disabledAt` also advances
   * `credentialsEpoch` in the same statement, so no caller can change credentials and leave
   * sessions started on the old ones usable.
   */
  update(id: string, change: AccountChange, at: Date): Promise<void>;
  /** Compare-and-set of the TOTP step: false when `step` is not after the stored one (replay or race). */
  acceptTotpStep(id: string, step: number, at: Date): Promise<boolean>;
  /**
   * Reserves one sign-in attempt (counts it as failed until given back): one conditional
   * UPDATE, so concurrent attempts never pass the limit. False when the account is at its limit
   * or locked. A lock that has run out, or failures counted more than `windowSeconds` ago,
   * start a new count.
   */
  reserveAttempt(id: string, limit: number, windowSeconds: number, at: Date): Promise<boolean>;
  /** After a failure that reached the limit: locks until `until`. */
  lockWhenExhausted(id: string, limit: number, until: Date): Promise<boolean>;
  /** After a success. */
  resetAttempts(id: string): Promise<void>;
}

/** The same counter per client IP. */
export interface LoginIpCounter {
  /** Reserves one attempt for `ip`; false when it is at its limit or locked. `windowSeconds` forgets old failures. */
  reserve(ip: string, limit: number, windowSeconds: number, at: Date): Promise<boolean>;
  lockWhenExhausted(ip: string, limit: number, until: Date): Promise<boolean>;
  /** Gives back the slot a successful attempt took. */
  release(ip: string): Promise<void>;
  /** Forgets addresses whose lock has ended or whose failures are older than the window. */
  deleteForgotten(windowSeconds: number, at: Date): Promise<number>;
}

/**
 * The account counter's twin for a username with no password to check (unknown, or an account
 * that signs in only through OpenID Connect): the same limit, lock and lock end as an account's,
 * so the answers do not tell which usernames exist.
 */
export interface LoginNameCounter {
  /** As AccountRepository.reserveAttempt: one conditional upsert; false at the limit or locked. */
  reserve(username: string, limit: number, windowSeconds: number, at: Date): Promise<boolean>;
  lockWhenExhausted(username: string, limit: number, until: Date): Promise<boolean>;
  lockedUntil(username: string): Promise<Date | null>;
  /** Forgets names whose lock has ended or whose failures are older than the window (their next attempt would count from 1 anyway). */
  deleteForgotten(windowSeconds: number, at: Date): Promise<number>;
}

export interface SessionRecord {
  /** Lowercase hex SHA-256 of the session id. */
  readonly idHash: string;
  readonly accountId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly idleTimeoutSeconds: number;
  readonly revokedAt: Date | null;
  /** The account's credentialsEpoch as read by the sign-in that started the session. */
  readonly credentialsEpoch: number;
}

export interface SessionRepository {
  create(s: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, at: Date): Promise<void>;
  /** False when there was no live session with that hash. */
  revoke(idHash: string, at: Date): Promise<boolean>;
  revokeAllOf(accountId: string, at: Date): Promise<number>;
  /**
   * Forgets sessions that can no longer be used: signed out (revoked) or past their absolute
   * lifetime at `at` (an idle one goes at that lifetime too); returns how many.
   */
  deleteEnded(at: Date): Promise<number>;
}

export interface OidcPending {
  readonly idHash: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly expiresAt: Date;
}

export interface OidcPendingRepository {
  create(p: OidcPending): Promise<void>;
  /** Returns and deletes it in one step: a pending sign-in is used once. */
  take(idHash: string): Promise<OidcPending | undefined>;
  /** Forgets sign-ins abandoned at the provider (expired); returns how many. */
  deleteExpired(at: Date): Promise<number>;
}

/** Seals small secrets (the TOTP secret) under the master key; `context` is bound as associated data. */
export interface SecretBox {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** Where account events go (the audit log, structurally). */
export interface AccountAuditSink {
  append(e: {
    actor: string;
    role: string;
    action: string;
    target: string;
    outcome: 'success' | 'failure';
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}
