import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { KysoConfig } from '../config/load-config.js';
import { openStore, type Store } from '../store/index.js';
import { EncryptedKeyStore } from '../keys/adapters/encrypted-key-store.js';
import { loadMasterKey, type MasterKey } from '../keys/adapters/master-key.js';
import { KeyStoreRouter } from '../keys/key-store-router.js';
import { Pkcs11TokenPool } from '../keys/adapters/pkcs11-token-pool.js';
import type { KeyStore } from '../keys/key-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { ApiTokenService } from '../http/auth/api-tokens.js';
import { organizationOf } from '../pki/subscriber-scope.js';
import { createJsonLogger, type Logger } from '../http/log.js';
import { IdempotencyService } from '../http/idempotency/idempotency-service.js';
import { SecretBox } from '../keys/adapters/secret-box.js';
import { AccountService } from '../accounts/account-service.js';
import { SessionService } from '../accounts/sessions.js';
import { SignInService } from '../accounts/sign-in-service.js';
import type { PinVerifierKey } from '../signing/pin-hash.js';

/**
 * The wiring (docs/architecture.md: app/ is the only place that constructs concrete adapters). One `KysoContext` per process, shared by `kyso serve` and the CLI commands.
 */
export interface KysoContext {
  readonly config: KysoConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  /** Every key by URI scheme: `kyso-key:` sealed in the database, `pkcs11:` on a token. New keys (subscribers') are sealed. */
  readonly keys: KeyStore;
  /** Where new CA keys are generated (KYSO_KEY_STORE): the same router, or a PKCS#11 token. */
  readonly caKeys: KeyStore;
  readonly audit: AuditLog;
  readonly tokens: ApiTokenService;
  /** Idempotency-Key handling of the HTTP edge, over the shared database. */
  readonly idempotency: IdempotencyService;
  /** People's accounts, sessions and sign-in (docs/sign-in.md). */
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly signIn: SignInService;
  /** The key of server-held credentials' PIN verifiers, from the master secret (read on first use). */
  pinVerifierKey(): PinVerifierKey;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Create the data directory and master key file when missing (init, serve). */
  readonly create?: boolean;
  /** A long-running service's SQLite checkpoints on a worker thread (OpenStoreOptions). */
  readonly walCheckpointIntervalMs?: number;
}

export async function openContext(config: KysoConfig, o: OpenContextOptions = {}): Promise<KysoContext> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? createJsonLogger(config.logLevel);
  if (o.create) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // the data dir holds the database and the master key file: private to the service account
  if (o.create) chmodSync(config.dataDir, 0o700);
  // Read (and, for init/serve, created and announced) up front only when asked to create; other
  // commands read it on their first key operation, so those that never open a key neither need
  // it nor warn about a file-held one.
  const loadKey = () => loadMasterKey({ env: config.masterKey, dataDir: config.dataDir, logger: log, create: o.create ?? false });
  // A data directory never initialised is still refused at once (CONFIG_INVALID, "run init").
  const eager = o.create || (!config.masterKey && !existsSync(config.masterKeyFile)) ? loadKey() : undefined;
  let lazyKey: MasterKey | undefined = eager;
  const masterKey = (): MasterKey => (lazyKey ??= loadKey());
  const store = await openStore(
    config.database.kind === 'sqlite'
      ? { dialect: 'sqlite', filename: config.database.file }
      : { dialect: 'postgres', url: config.database.url },
    { clock, ...(o.walCheckpointIntervalMs !== undefined ? { walCheckpointIntervalMs: o.walCheckpointIntervalMs } : {}) },
  );
  const tokens11 = new Pkcs11TokenPool({
    module: config.pkcs11,
    generateOn: config.keyStore.kind === 'pkcs11' ? config.keyStore.token : undefined,
  });
  const keys = new KeyStoreRouter([new EncryptedKeyStore({ repository: store.sealedKeys, masterKey, clock }), tokens11]);
  // CA keys generated on the token are non-extractable there; the database keeps only their URIs
  const caKeys = config.keyStore.kind === 'pkcs11' ? tokens11 : keys;
  const scopeRecords = {
    organizationOfOfficial: async (id: string) => {
      const s = await store.subscribers.get(id);
      return s ? organizationOf(s) : undefined;
    },
    organizationOfAuthority: async (id: string) => (await store.authorities.get(id))?.organizationId,
  };
  const tokens = new ApiTokenService(store.apiTokens, clock, store.audit, scopeRecords);
  const idempotency = new IdempotencyService({
    repository: store.idempotencyKeys,
    clock,
    log,
    audit: store.audit,
    ttlSeconds: config.idempotency.ttlSeconds,
    leaseSeconds: config.idempotency.leaseSeconds,
    fingerprintKey: () => masterKey().requestFingerprintKey,
  });
  const secrets = new SecretBox(masterKey);
  const si = config.signIn;
  const accounts = new AccountService({
    accounts: store.accounts,
    sessions: store.sessions,
    secrets,
    clock,
    audit: store.audit,
    records: scopeRecords,
  });
  const sessions = new SessionService({
    sessions: store.sessions,
    accounts: store.accounts,
    clock,
    policy: { absoluteSeconds: si.sessionMaxAgeSeconds, idleSeconds: si.sessionIdleSeconds },
  });
  const signIn = new SignInService({
    accounts: store.accounts,
    accountService: accounts,
    ipCounter: store.loginIpAttempts,
    nameCounter: store.loginNameAttempts,
    sessions,
    secrets,
    clock,
    audit: store.audit,
    limits: {
      perAccount: si.loginMaxFailures,
      perIp: si.loginMaxFailuresPerIp,
      windowSeconds: si.loginLockSeconds,
      lockSeconds: si.loginLockSeconds,
    },
  });
  let closed = false;
  return {
    accounts,
    sessions,
    signIn,
    config,
    clock,
    log,
    store,
    keys,
    caKeys,
    audit: store.audit,
    tokens,
    idempotency,
    pinVerifierKey: () => {
      const m = masterKey();
      return { key: m.pinVerifierKey, id: m.kekId };
    },
    async close() {
      if (closed) return;
      closed = true;
      await tokens11.close();
      await store.close();
    },
  };
}
