import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { KysoConfig } from '../config/load-config.js';
import { openStore, type Store } from '../store/index.js';
import { EncryptedKeyStore } from '../keys/adapters/encrypted-key-store.js';
import { loadMasterKey } from '../keys/adapters/master-key.js';
import { KeyStoreRouter } from '../keys/key-store-router.js';
import type { KeyStore } from '../keys/key-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { ApiTokenService } from '../http/auth/api-tokens.js';
import { organizationOf } from '../pki/subscriber-scope.js';
import { createJsonLogger, type Logger } from '../http/log.js';

/**
 * The wiring (docs/architecture.md: app/ is the only place that constructs concrete adapters). One `KysoContext` per process, shared by `kyso serve` and the CLI commands.
 */
export interface KysoContext {
  readonly config: KysoConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  readonly keys: KeyStore;
  readonly audit: AuditLog;
  readonly tokens: ApiTokenService;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Create the data directory and master key file when missing (init, serve). */
  readonly create?: boolean;
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
  const masterKey = o.create || (!config.masterKey && !existsSync(config.masterKeyFile)) ? loadKey() : loadKey;
  const store = await openStore(
    config.database.kind === 'sqlite'
      ? { dialect: 'sqlite', filename: config.database.file }
      : { dialect: 'postgres', url: config.database.url },
    { clock },
  );
  const keys = new KeyStoreRouter([new EncryptedKeyStore({ repository: store.sealedKeys, masterKey, clock })]);
  const tokens = new ApiTokenService(store.apiTokens, clock, store.audit, {
    organizationOfOfficial: async (id) => {
      const s = await store.subscribers.get(id);
      return s ? organizationOf(s) : undefined;
    },
    organizationOfAuthority: async (id) => (await store.authorities.get(id))?.organizationId,
  });
  let closed = false;
  return {
    config,
    clock,
    log,
    store,
    keys,
    audit: store.audit,
    tokens,
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}
