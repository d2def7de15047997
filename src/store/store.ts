import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { AuditEvent, AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { SealedKeyRepository } from '../keys/sealed-key-repository.js';
import type {
  CaRepository,
  CertificateRepository,
  CrlRepository,
  PkiStore,
  RequestRepository,
  SubscriberRepository,
} from '../pki/ports.js';
import type { CredentialRepository, SignSessionRepository, SigningAuthorizationRepository } from '../signing/ports.js';
import type { AuthorityRepository, CopyDocumentStore, RegisterRepository } from '../copies/ports.js';
import type { ApprovalRequestRepository } from '../core/approval-requests.js';
import type { StampSettingsRepository } from '../copies/stamp-settings.js';
import type { ApiTokenRepository } from './ports/api-tokens.js';
import type { IdempotencyKeyRepository } from './ports/idempotency-keys.js';
import type { AccountRepository, LoginIpCounter, LoginNameCounter, OidcPendingRepository, SessionRepository } from '../accounts/ports.js';
import type { StoreConfig, StoreDialect } from './config.js';
import { createDatabase, withSqliteMigrationLock, type DirectStatements } from './database.js';
import { migrateToLatest, pendingMigrations } from './migrator.js';
import type { Database } from './schema.js';
import { writeTransaction } from './transaction.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import { KyselyAuditLog } from './adapters/audit-log.js';
import { KyselyAuditTreeRepository } from './adapters/audit-tree.js';
import type { AuditTreeRepository } from '../audit/tree.js';
import { KyselyApiTokenRepository } from './adapters/api-tokens.js';
import { KyselyIdempotencyKeyRepository } from './adapters/idempotency-keys.js';
import { KyselySealedKeyRepository } from './adapters/sealed-keys.js';
import { KyselyCaRepository } from './adapters/cas.js';
import { KyselyCertificateRepository } from './adapters/certificates.js';
import { KyselySubscriberRepository } from './adapters/subscribers.js';
import { KyselyRequestRepository } from './adapters/requests.js';
import { KyselyCrlRepository } from './adapters/crls.js';
import { KyselySignSessionRepository } from './adapters/sign-sessions.js';
import { KyselyCredentialRepository } from './adapters/signing-credentials.js';
import { KyselySigningAuthorizationRepository } from './adapters/signing-authorizations.js';
import { KyselyAuthorityRepository } from './adapters/authorities.js';
import { KyselyStampSettingsRepository } from './adapters/stamp-settings.js';
import { KyselyRegisterRepository } from './adapters/registers.js';
import { KyselyApprovalRequestRepository } from './adapters/approval-requests.js';
import { KyselyCopyDocumentStore } from './adapters/copy-documents.js';
import { KyselyAccountRepository } from './adapters/accounts.js';
import { KyselyLoginIpCounter, KyselyLoginNameCounter } from './adapters/attempt-counters.js';
import { KyselyOidcPendingRepository, KyselySessionRepository } from './adapters/sessions.js';
import { KyselyJobRepository } from './adapters/jobs.js';
import type { JobRepository } from '../jobs/ports.js';
import { rootContext, transactionContext, type DbContext } from './adapters/tx-runner.js';

/**
 * Every repository the store offers; the same shape inside and outside a transaction. A Store is
 * structurally a `PkiStore` (src/pki/ports.ts) and its `audit` a `PkiAuditSink`.
 */
export interface StoreRepositories {
  readonly audit: AuditLog;
  /** The Merkle tree over the audit log, its checkpoints and checkpoint keys. */
  readonly auditTree: AuditTreeRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly sealedKeys: SealedKeyRepository;
  // pki (src/pki/ports.ts)
  readonly cas: CaRepository;
  readonly certificates: CertificateRepository;
  readonly subscribers: SubscriberRepository;
  readonly requests: RequestRepository;
  readonly crls: CrlRepository;
  // signing (src/signing/ports.ts)
  readonly signSessions: SignSessionRepository;
  readonly credentials: CredentialRepository;
  readonly signingAuthorizations: SigningAuthorizationRepository;
  // certified copies (src/copies/ports.ts)
  readonly authorities: AuthorityRepository;
  readonly registers: RegisterRepository;
  /** Dual-control requests (src/core/approval-requests.ts). */
  readonly approvals: ApprovalRequestRepository;
  /** Signed copies kept in the database (used on PostgreSQL unless a copy folder is configured). */
  readonly copyDocuments: CopyDocumentStore;
  readonly stampSettings: StampSettingsRepository;
  /** Idempotency keys of the HTTP edge (draft-ietf-httpapi-idempotency-key-header). */
  readonly idempotencyKeys: IdempotencyKeyRepository;
  // people's accounts and sessions (src/accounts/ports.ts)
  readonly accounts: AccountRepository;
  readonly loginIpAttempts: LoginIpCounter;
  readonly loginNameAttempts: LoginNameCounter;
  readonly sessions: SessionRepository;
  readonly oidcPending: OidcPendingRepository;
  /** Jobs and webhook deliveries (src/jobs/ports.ts). */
  readonly jobs: JobRepository;
}

export interface Store extends StoreRepositories {
  readonly dialect: StoreDialect;
  /**
   * Runs `fn` atomically: every repository call made through `repos` commits together or not at
   * all (e.g. record an issuance intent and its audit event). Use only `repos` inside `fn`.
   * A write lock is taken at the start on SQLite (BEGIN IMMEDIATE); on PostgreSQL the adapters
   * lock the rows they serialise on (FOR UPDATE).
   */
  transaction<T>(fn: (repos: StoreRepositories) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for health endpoints; throws STORE_UNAVAILABLE. */
  ping(): Promise<void>;
  /**
   * Calls `listener` for every audit event this process appends, after it has committed (events
   * of a rolled-back transaction are never heard). Returns the function that removes it.
   */
  onAuditCommitted(listener: (record: AuditRecord) => void): () => void;
  /** Migrations of this build not applied to the database (empty when the schema is current). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Time source for audit records and other store-stamped times. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * SQLite file only: checkpoint the write-ahead log on a worker thread every this many
   * milliseconds, so that no commit on this connection waits for a checkpoint's disk writes
   * (wal-checkpointer.ts). For a long-running service; a short command does not need the thread.
   */
  readonly walCheckpointIntervalMs?: number;
}

/** Opens the database, applies pending migrations, and returns the repositories. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const clock = options.clock ?? systemClock;
  // Several processes may start on one fresh database at once. PostgreSQL serialises migrations
  // with an advisory lock; on SQLite a racing process can see SQLITE_BUSY while the other one
  // migrates, so it retries after the winner is done (the retry finds nothing left to apply).
  for (let attempt = 1; ; attempt++) {
    const { db, dialect, direct } = createDatabase(config);
    try {
      if (config.dialect === 'sqlite') await withSqliteMigrationLock(config.filename, () => migrateToLatest(db, dialect));
      else await migrateToLatest(db, dialect);
      const checkpointer =
        config.dialect === 'sqlite' && config.filename !== ':memory:' && options.walCheckpointIntervalMs !== undefined
          ? startWalCheckpointer(config.filename, options.walCheckpointIntervalMs)
          : undefined;
      return kyselyStore(db, dialect, clock, direct, checkpointer);
    } catch (err) {
      await db.destroy().catch(() => undefined);
      if (dialect === 'sqlite' && attempt < 5 && isBusy(err)) {
        await new Promise((r) => setTimeout(r, 50 * attempt));
        continue;
      }
      if (err instanceof AppError) throw err;
      throw new AppError('STORE_UNAVAILABLE', `cannot open the ${dialect} store`, { cause: err });
    }
  }
}

function isBusy(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED')) return true;
  }
  return false;
}

function repositories(ctx: DbContext, clock: Clock, root: boolean): StoreRepositories {
  return {
    // group commit only outside a caller's transaction (see KyselyAuditLog)
    audit: new KyselyAuditLog(ctx, clock, root),
    auditTree: new KyselyAuditTreeRepository(ctx),
    apiTokens: new KyselyApiTokenRepository(ctx),
    sealedKeys: new KyselySealedKeyRepository(ctx),
    cas: new KyselyCaRepository(ctx),
    certificates: new KyselyCertificateRepository(ctx),
    subscribers: new KyselySubscriberRepository(ctx),
    requests: new KyselyRequestRepository(ctx),
    crls: new KyselyCrlRepository(ctx),
    signSessions: new KyselySignSessionRepository(ctx),
    credentials: new KyselyCredentialRepository(ctx),
    signingAuthorizations: new KyselySigningAuthorizationRepository(ctx),
    authorities: new KyselyAuthorityRepository(ctx),
    registers: new KyselyRegisterRepository(ctx),
    approvals: new KyselyApprovalRequestRepository(ctx),
    copyDocuments: new KyselyCopyDocumentStore(ctx, () => clock.now()),
    stampSettings: new KyselyStampSettingsRepository(ctx),
    idempotencyKeys: new KyselyIdempotencyKeyRepository(ctx),
    accounts: new KyselyAccountRepository(ctx),
    loginIpAttempts: new KyselyLoginIpCounter(ctx),
    loginNameAttempts: new KyselyLoginNameCounter(ctx),
    sessions: new KyselySessionRepository(ctx),
    oidcPending: new KyselyOidcPendingRepository(ctx),
    jobs: new KyselyJobRepository(ctx),
  };
}

/** The store over one connection pool: the root repositories plus transactions, ping and close. */
function kyselyStore(
  db: Kysely<Database>,
  dialect: StoreDialect,
  clock: Clock,
  direct: DirectStatements | undefined,
  checkpointer: WalCheckpointer | undefined,
): Store {
  const repos = repositories(rootContext(db, dialect, direct), clock, true);
  const committed = new AuditListeners();
  let closed = false;
  return {
    ...repos,
    audit: recordingAudit(repos.audit, (r) => committed.notify(r)),
    dialect,
    async transaction<T>(fn: (repos: StoreRepositories) => Promise<T>): Promise<T> {
      const appended: AuditRecord[] = [];
      const result = await writeTransaction(
        db,
        dialect,
        (trx) => {
          const inner = repositories(transactionContext(trx, dialect, direct), clock, false);
          return fn({ ...inner, audit: recordingAudit(inner.audit, (r) => appended.push(r)) });
        },
        direct,
      );
      // Listeners hear of an event only once its transaction has committed.
      for (const r of appended) committed.notify(r);
      return result;
    },
    onAuditCommitted: (listener) => committed.add(listener),
    pendingMigrations: () => pendingMigrations(db, dialect),
    async ping(): Promise<void> {
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw new AppError('STORE_UNAVAILABLE', 'store unreachable', { cause: err });
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (repos.audit instanceof KyselyAuditLog) await repos.audit.idle();
      await db.destroy();
      // after the service's connection: the thread's is then the last, whose close checkpoints
      // what is left and removes the log, as the service's own close would have
      await checkpointer?.stop();
    },
  };
}

/** Listeners of committed audit events; a throwing listener never fails the change it hears of. */
class AuditListeners {
  readonly #set = new Set<(record: AuditRecord) => void>();
  add(listener: (record: AuditRecord) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }
  notify(record: AuditRecord): void {
    for (const l of this.#set) {
      try {
        l(record);
      } catch {
        // a metrics or log listener must not turn a committed change into an error
      }
    }
  }
}

/** The same log (every method of the adapter kept), telling `seen` of each record it appended. */
function recordingAudit<L extends AuditLog>(log: L, seen: (record: AuditRecord) => void): L {
  const append = (event: AuditEvent): Promise<AuditRecord> =>
    log.append(event).then((record) => {
      seen(record);
      return record;
    });
  return new Proxy(log, {
    get(target, prop) {
      if (prop === 'append') return append;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Compile-time proof that a Store satisfies the PKI unit-of-work port (src/pki/ports.ts). */
export const asPkiStore = (store: Store): PkiStore => store;
