import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KysoConfig } from '../config/load-config.js';
import { AppError, isAppError } from '../core/errors.js';
import { EncryptedKeyStore } from '../keys/adapters/encrypted-key-store.js';
import { deriveMasterKey, parseMasterSecret } from '../keys/adapters/master-key.js';
import { uriScheme } from '../keys/key-store-router.js';
import type { SealedKey, SealedKeyRepository } from '../keys/sealed-key-repository.js';
import { createBackup, restoreBackup, type BackupDatabase } from '../store/backup/backup.js';
import type { SealedKeyRow, SnapshotFacts } from '../store/backup/snapshot-facts.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import type { ChainVerification } from '../audit/audit-log.js';
import { openContext, type KysoContext } from './context.js';
import { copyStoreDirOf } from './copy-store-dir.js';
import { VERSION } from './version.js';

/** Who runs backup and restore: the operator at the server's console (CLI), as for other console commands. */
const OPERATOR = { actor: 'cli', role: 'admin' } as const;

const TOKEN_NOTE =
  'CA keys on a PKCS#11 token are referenced by URI only: the backup holds no copy of them; back up the token with its own tools';

function databaseOf(config: KysoConfig): BackupDatabase {
  return config.database.kind === 'sqlite'
    ? { kind: 'sqlite', file: config.database.file }
    : { kind: 'postgres', url: config.database.url };
}

/** The manifest's keys summary: which CA keys are sealed in the backup and which only name a token. */
function describeKeys(facts: SnapshotFacts): Record<string, unknown> {
  const onToken = facts.caKeys.filter((k) => uriScheme(k.keyUri) === 'pkcs11');
  return {
    sealed: facts.sealedKeys.length,
    sealedCaKeys: facts.caKeys.filter((k) => uriScheme(k.keyUri) !== 'pkcs11').map((k) => k.caId),
    onToken,
    ...(onToken.length > 0 ? { note: TOKEN_NOTE } : {}),
  };
}

export interface BackupSummary {
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
  readonly databaseKind: string;
  readonly createdAt: string;
  readonly sealedKeys: number;
  readonly tokenKeys: readonly { caId: string; keyUri: string }[];
  readonly copies: number;
  readonly note?: string;
}

/** `kyso backup`: an online, consistent snapshot of this installation into one archive; audited. */
export async function backupInstallation(ctx: KysoContext, out: string): Promise<BackupSummary> {
  let r: Awaited<ReturnType<typeof createBackup>>;
  try {
    r = await createBackup({
      out,
      database: databaseOf(ctx.config),
      dataDir: ctx.config.dataDir,
      copyDir: copyStoreDirOf(ctx.config),
      kysoVersion: VERSION,
      now: ctx.clock.now(),
      describeKeys,
    });
  } catch (e) {
    const code = isAppError(e) ? e.code : 'INTERNAL';
    await ctx.audit.append({ ...OPERATOR, action: 'backup.create', outcome: 'failure', details: { code } }).catch(() => undefined);
    throw e;
  }
  const tokenKeys = describeKeys(r.facts).onToken as { caId: string; keyUri: string }[];
  const copies = Number(r.manifest.copies ?? 0);
  await ctx.audit.append({
    ...OPERATOR,
    action: 'backup.create',
    target: r.sha256,
    outcome: 'success',
    details: {
      sha256: r.sha256,
      size: r.size,
      databaseKind: r.manifest.databaseKind,
      sealedKeys: r.facts.sealedKeys.length,
      tokenKeys: tokenKeys.length,
      copies,
    },
  });
  return {
    file: out,
    sha256: r.sha256,
    size: r.size,
    databaseKind: r.manifest.databaseKind,
    createdAt: r.manifest.createdAt,
    sealedKeys: r.facts.sealedKeys.length,
    tokenKeys,
    copies,
    ...(tokenKeys.length > 0 ? { note: TOKEN_NOTE } : {}),
  };
}

/** Read-only view of the backup's sealed keys, so the one unsealing code (EncryptedKeyStore) checks them. */
function backupKeys(rows: readonly SealedKeyRow[]): SealedKeyRepository {
  const byId = new Map<string, SealedKey>();
  for (const r of rows) {
    const b = (s: string) => Buffer.from(s, 'base64');
    byId.set(r.id, {
      id: r.id,
      uri: r.uri,
      label: r.label,
      keyType: r.keyType,
      publicKeySpki: b(r.publicKeySpki),
      kekId: r.kekId,
      iv: b(r.iv),
      ciphertext: b(r.ciphertext),
      tag: b(r.tag),
      createdAt: new Date(r.createdAt),
    });
  }
  const readOnly = (): never => {
    throw new TypeError('the backup key view is read-only');
  };
  return {
    get: async (id) => byId.get(id),
    put: async () => readOnly(),
    delete: async () => readOnly(),
    reseal: async () => readOnly(),
    listIdsByKek: async () => readOnly(),
  };
}

/** Every sealed key of the backup must open under KYSO_MASTER_KEY (never a master key file). */
async function checkMasterKey(config: KysoConfig, rows: readonly SealedKeyRow[]): Promise<void> {
  if (!config.masterKey)
    throw new AppError(
      'BACKUP_MASTER_KEY_MISMATCH',
      'set KYSO_MASTER_KEY to the master key of the backed-up installation: backups never contain it and restore reads no master key file',
    );
  const master = deriveMasterKey(parseMasterSecret(config.masterKey), 'env');
  const store = new EncryptedKeyStore({ repository: backupKeys(rows), masterKey: master });
  for (const r of rows) {
    try {
      await store.signer(r.uri);
    } catch (e) {
      if (!isAppError(e, 'KEY_DECRYPT_FAILED')) throw e;
      throw new AppError(
        'BACKUP_MASTER_KEY_MISMATCH',
        'KYSO_MASTER_KEY does not open the sealed keys of this backup; nothing was restored',
        {
          details: { keyUri: r.uri },
        },
      );
    }
  }
  store.clearCache();
}

export interface RestoreSummary {
  readonly file: string;
  readonly sha256: string;
  readonly databaseKind: string;
  readonly createdAt: string;
  readonly kysoVersion: string;
  readonly copies: number;
  readonly sealedKeys: number;
  readonly tokenKeys: readonly { caId: string; keyUri: string }[];
  readonly audit: ChainVerification;
  readonly note?: string;
}

/**
 * `kyso restore`: checks the archive, the master key and the target's emptiness, restores, then
 * opens the restored installation, verifies its audit chain and records the restore in it.
 */
export async function restoreInstallation(config: KysoConfig, file: string, o: { force: boolean }): Promise<RestoreSummary> {
  const copyDir = copyStoreDirOf(config) ?? join(config.dataDir, 'copies');
  let sealedCount = 0;
  const r = await restoreBackup({
    file,
    database: databaseOf(config),
    dataDir: config.dataDir,
    copyDir,
    force: o.force,
    knownMigrations: MIGRATIONS.map((m) => m.name),
    checkKeys: async (rows) => {
      sealedCount = rows.length;
      await checkMasterKey(config, rows);
      if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(config.dataDir, 0o700);
    },
  });
  const keys = (r.manifest.keys ?? {}) as { onToken?: { caId: string; keyUri: string }[] };
  const tokenKeys = Array.isArray(keys.onToken) ? keys.onToken : [];
  const ctx = await openContext(config);
  try {
    const audit = await ctx.audit.verifyChain();
    await ctx.audit.append({
      ...OPERATOR,
      action: 'backup.restore',
      target: r.sha256,
      outcome: audit.ok ? 'success' : 'failure',
      details: {
        sha256: r.sha256,
        backupCreatedAt: r.manifest.createdAt,
        backupKysoVersion: r.manifest.kysoVersion,
        databaseKind: r.manifest.databaseKind,
        copies: r.copies,
        auditChainOk: audit.ok,
        forced: o.force,
      },
    });
    return {
      file,
      sha256: r.sha256,
      databaseKind: r.manifest.databaseKind,
      createdAt: r.manifest.createdAt,
      kysoVersion: r.manifest.kysoVersion,
      copies: r.copies,
      sealedKeys: sealedCount,
      tokenKeys,
      audit,
      ...(tokenKeys.length > 0 ? { note: TOKEN_NOTE } : {}),
    };
  } finally {
    await ctx.close();
  }
}
