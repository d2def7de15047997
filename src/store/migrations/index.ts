import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../config.js';
import { migration0001Core } from './0001-core.js';
import { migration0002Pki } from './0002-pki.js';
import { migration0003Signing } from './0003-signing.js';
import { migration0004Copies } from './0004-copies.js';
import { migration0005CredentialBinding } from './0005-credential-binding.js';
import { migration0006TokenScope } from './0006-token-scope.js';
import { migration0007CopyDocuments } from './0007-copy-documents.js';
import { migration0008Stamps } from './0008-stamps.js';
import { migration0009AuditMerkle } from './0009-audit-merkle.js';
import { migration0010AuditSearch } from './0010-audit-search.js';
import { migration0011Idempotency } from './0011-idempotency.js';
import { migration0013Accounts } from './0013-accounts.js';
import { migration0012Jobs } from './0012-jobs.js';
import { migration0014AuditSearchTable } from './0014-audit-search-table.js';
import { migration0015AuditHeadTrigger } from './0015-audit-head-trigger.js';
import { migration0016OpenSignSessions } from './0016-open-sign-sessions.js';
import { migration0017CredentialsEpoch } from './0017-credentials-epoch.js';
import { migration0018LoginNameAttempts } from './0018-login-name-attempts.js';
import { migration0019AccountFailureWindow } from './0019-account-failure-window.js';
import type { PortableMigration } from './types.js';

/** All migrations in order. Names sort lexically in apply order (Kysely's Migrator requires it). */
export const MIGRATIONS: readonly PortableMigration[] = [
  migration0001Core,
  migration0002Pki,
  migration0003Signing,
  migration0004Copies,
  migration0005CredentialBinding,
  migration0006TokenScope,
  migration0007CopyDocuments,
  migration0008Stamps,
  migration0009AuditMerkle,
  migration0010AuditSearch,
  migration0011Idempotency,
  migration0012Jobs,
  migration0013Accounts,
  migration0014AuditSearchTable,
  migration0015AuditHeadTrigger,
  migration0016OpenSignSessions,
  migration0017CredentialsEpoch,
  migration0018LoginNameAttempts,
  migration0019AccountFailureWindow,
];

export class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: StoreDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const m of MIGRATIONS) out[m.name] = { up: (db) => m.up(db, this.dialect) };
    return out;
  }
}
