import { createHash } from 'node:crypto';
import { API_ROLES, type ApiRole } from '../../core/principal.js';

/**
 * API tokens for the HTTP edge (bearer tokens). Only the SHA-256 of a token is stored, so a
 * database leak does not yield usable credentials; tokens are long random strings, so a plain
 * (unsalted) hash is enough to make them unrecoverable while still allowing lookup by hash.
 */
export { API_ROLES, type ApiRole };

export interface ApiTokenRecord {
  readonly id: string;
  /** Lowercase hex SHA-256 of the token string (UTF-8). */
  readonly tokenHash: string;
  readonly role: ApiRole;
  /** The organization the token works for; null only for admins (province-wide). */
  readonly organizationId: string | null;
  /** A certifier's certifying authority. */
  readonly authorityId: string | null;
  /** The official (signing-credential owner) a certifier or signer acts as. */
  readonly officialId: string | null;
  readonly label: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  /** When it was last used, to the minute (ApiTokenService writes it again only when a minute older). */
  readonly lastUsedAt: Date | null;
  /** The account of the person the token was handed to (present only when linked). */
  readonly accountId?: string;
}

export interface NewApiToken {
  readonly id: string;
  readonly tokenHash: string;
  readonly role: ApiRole;
  readonly organizationId?: string | null;
  readonly authorityId?: string | null;
  readonly officialId?: string | null;
  readonly label?: string | null;
  readonly accountId?: string | null;
  readonly createdAt: Date;
}

export interface ApiTokenRepository {
  /** STORE_CONSTRAINT if the id or the hash already exists. */
  create(token: NewApiToken): Promise<ApiTokenRecord>;
  /** The token with this hash, revoked or not (the caller checks `revokedAt`). */
  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  get(id: string): Promise<ApiTokenRecord | undefined>;
  list(): Promise<ApiTokenRecord[]>;
  /** Returns false if there is no such token or it was already revoked (the first revocation time stays). */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Best-effort bookkeeping; never fails the request that used the token. */
  touch(id: string, at: Date): Promise<void>;
}

/** SHA-256 hex of a bearer token as the repository stores it. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
