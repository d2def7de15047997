import { sql } from 'kysely';
import type { PortableMigration } from './types.js';

/**
 * Accounts for people and their server sessions (docs/sign-in.md).
 *
 * - `accounts`: local (password hash, optional sealed TOTP secret) or linked to an OpenID
 *   provider by `(oidc_issuer, oidc_subject)` (OpenID Connect Core 1.0 §2: `sub` is unique only
 *   within its issuer). Role and scope mirror an API token's. `failed_attempts`/`locked_until`
 *   are the per-account sign-in counter, updated atomically like a credential's PIN counter.
 * - `login_ip_attempts`: the same counter per client IP (one NAT, many guesses).
 * - `sessions`: only the SHA-256 of the session id is stored; absolute expiry and idle timeout.
 * - `oidc_pending`: state, nonce and PKCE verifier of a sign-in in progress (RFC 7636 §4.1),
 *   keyed by the hash of a one-time cookie value, deleted when used.
 * - `api_tokens.account_id`: a token handed to a person, so dual control compares people.
 */
export const migration0013Accounts: PortableMigration = {
  name: '0013-accounts',
  async up(db) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('authority_id', 'text')
      .addColumn('official_id', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('totp_secret', 'text')
      .addColumn('totp_last_step', 'integer')
      .addColumn('oidc_issuer', 'text')
      .addColumn('oidc_subject', 'text')
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('disabled_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await sql`CREATE UNIQUE INDEX accounts_oidc_identity ON accounts (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL`.execute(
      db,
    );

    await db.schema
      .createTable('login_ip_attempts')
      .addColumn('ip', 'text', (c) => c.primaryKey())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('idle_timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

    await db.schema
      .createTable('oidc_pending')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('return_to', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('api_tokens').addColumn('account_id', 'text').execute();
  },
};
