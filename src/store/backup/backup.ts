import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../core/errors.js';
import { openArchive, writeArchive, type ArchiveManifest } from './archive.js';
import { snapshotPostgres, restorePostgres, postgresTableCount, clearPostgres } from './postgres-snapshot.js';
import type { SnapshotFacts, SealedKeyRow } from './snapshot-facts.js';
import { installSqlite, snapshotSqlite, sqliteIsEmpty } from './sqlite-snapshot.js';

export type BackupDatabase = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };

/** Part names inside the archive. */
export const PART = {
  sqlite: 'database.sqlite',
  postgres: 'database.sql',
  sealedKeys: 'sealed-keys.json',
  copiesPrefix: 'copies/',
  dataPrefix: 'data/',
} as const;

/** Files of the data directory that belong in a backup (never master.key: restore takes the master key from KYSO_MASTER_KEY). */
export const DATA_FILES = ['public-url.json'] as const;

const COPY_FILE = /^[0-9a-f]{64}\.pdf$/;

/** The kept signed copies under `dir` (`ab/<sha256>.pdf`), as archive parts. */
function copyParts(dir: string | undefined): { name: string; path: string }[] {
  if (!dir || !existsSync(dir)) return [];
  const out: { name: string; path: string }[] = [];
  for (const fan of readdirSync(dir).sort()) {
    if (!/^[0-9a-f]{2}$/.test(fan) || !statSync(join(dir, fan)).isDirectory()) continue;
    for (const f of readdirSync(join(dir, fan)).sort())
      if (COPY_FILE.test(f) && f.startsWith(fan)) out.push({ name: `${PART.copiesPrefix}${fan}/${f}`, path: join(dir, fan, f) });
  }
  return out;
}

export interface BackupResult {
  readonly manifest: ArchiveManifest;
  readonly sha256: string;
  readonly size: number;
  readonly facts: SnapshotFacts;
}

/**
 * One consistent backup into one archive: the database snapshot first, then the copy files
 * (a copy's file is written before its register entry turns valid, so every valid entry of the
 * snapshot finds its file; files of copies made later are harmless extras), then the data files.
 * `describeKeys` turns the snapshot's facts into the manifest's `keys` summary (the key store
 * knows which URIs are sealed here and which only reference a token).
 */
export async function createBackup(o: {
  readonly out: string;
  readonly database: BackupDatabase;
  readonly dataDir: string;
  readonly copyDir: string | undefined;
  readonly kysoVersion: string;
  readonly now: Date;
  readonly describeKeys: (facts: SnapshotFacts) => Record<string, unknown>;
}): Promise<BackupResult> {
  const work = mkdtempSync(join(tmpdir(), 'kyso-backup-'));
  try {
    const dbPart = o.database.kind === 'sqlite' ? PART.sqlite : PART.postgres;
    const dbFile = join(work, dbPart);
    const facts =
      o.database.kind === 'sqlite' ? await snapshotSqlite(o.database.file, dbFile) : await snapshotPostgres(o.database.url, dbFile);
    const sealedFile = join(work, PART.sealedKeys);
    writeFileSync(sealedFile, JSON.stringify(facts.sealedKeys), { mode: 0o600 });
    const copies = copyParts(o.copyDir);
    const data = DATA_FILES.filter((f) => existsSync(join(o.dataDir, f))).map((f) => ({
      name: `${PART.dataPrefix}${f}`,
      path: join(o.dataDir, f),
    }));
    const r = writeArchive(
      o.out,
      {
        kysoVersion: o.kysoVersion,
        databaseKind: o.database.kind,
        createdAt: o.now.toISOString(),
        migrations: facts.migrations,
        keys: o.describeKeys(facts),
        copies: copies.length,
      },
      [{ name: dbPart, path: dbFile }, { name: PART.sealedKeys, path: sealedFile }, ...copies, ...data],
    );
    return { ...r, facts };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  readonly manifest: ArchiveManifest;
  readonly sha256: string;
  readonly copies: number;
}

/**
 * Restores an archive into an empty target. Order: the archive is checked whole (openArchive),
 * then its schema against the migrations this build knows, then `checkKeys` (the master key must
 * open the sealed keys), then the target's emptiness — only then is anything written.
 */
export async function restoreBackup(o: {
  readonly file: string;
  readonly database: BackupDatabase;
  readonly dataDir: string;
  readonly copyDir: string;
  readonly force: boolean;
  readonly knownMigrations: readonly string[];
  readonly checkKeys: (sealed: readonly SealedKeyRow[]) => Promise<void>;
}): Promise<RestoreResult> {
  const a = openArchive(o.file);
  const m = a.manifest;
  if (m.databaseKind !== o.database.kind)
    throw new AppError(
      'CONFIG_INVALID',
      `the backup holds a ${m.databaseKind} database but the target is ${o.database.kind}; set KYSO_DATABASE_URL to a ${m.databaseKind} database`,
    );
  const unknown = (Array.isArray(m.migrations) ? (m.migrations as unknown[]) : []).filter((n) => !o.knownMigrations.includes(String(n)));
  if (unknown.length > 0)
    throw new AppError(
      'CONFIG_INVALID',
      `the backup's schema is newer than this kyso (unknown migrations ${unknown.join(', ')}); restore with kyso ${m.kysoVersion} or later`,
    );
  let sealed: SealedKeyRow[];
  try {
    sealed = JSON.parse(a.read(PART.sealedKeys).toString('utf8')) as SealedKeyRow[];
    if (!Array.isArray(sealed)) throw new TypeError('not an array');
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('BACKUP_INVALID', 'the sealed-keys part of the archive is unreadable', { cause });
  }
  await o.checkKeys(sealed);

  const copyParts = m.parts.filter((p) => p.name.startsWith(PART.copiesPrefix));
  const dataParts = m.parts.filter((p) => p.name.startsWith(PART.dataPrefix));
  // a restore writes only what a backup writes: copies by their hash, the listed data files
  for (const p of copyParts)
    if (!/^copies\/([0-9a-f]{2})\/\1[0-9a-f]{62}\.pdf$/.test(p.name))
      throw new AppError('BACKUP_INVALID', `unexpected copy part ${p.name}`);
  for (const p of dataParts)
    if (!(DATA_FILES as readonly string[]).includes(p.name.slice(PART.dataPrefix.length)))
      throw new AppError('BACKUP_INVALID', `unexpected data part ${p.name}`);
  const occupied = [
    ...(existsSync(o.dataDir) && readdirSync(o.dataDir).length > 0 ? [o.dataDir] : []),
    ...(o.database.kind === 'sqlite'
      ? sqliteIsEmpty(o.database.file)
        ? []
        : [o.database.file]
      : (await postgresTableCount(o.database.url)) > 0
        ? ['the database']
        : []),
    ...(existsSync(o.copyDir) && readdirSync(o.copyDir).length > 0 ? [o.copyDir] : []),
  ];
  if (occupied.length > 0 && !o.force)
    throw new AppError(
      'RESTORE_TARGET_NOT_EMPTY',
      `the restore target is not empty (${occupied.join(', ')}); restore into an empty data directory and database, or pass --force to replace it`,
      {
        details: { occupied: occupied.length },
      },
    );

  const work = mkdtempSync(join(tmpdir(), 'kyso-restore-'));
  try {
    if (o.database.kind === 'sqlite') {
      const snap = join(work, PART.sqlite);
      a.extract(PART.sqlite, snap);
      installSqlite(snap, o.database.file);
    } else {
      const dump = join(work, PART.postgres);
      a.extract(PART.postgres, dump);
      if (o.force) await clearPostgres(o.database.url);
      await restorePostgres(o.database.url, dump);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const p of copyParts) a.extract(p.name, join(o.copyDir, p.name.slice(PART.copiesPrefix.length)));
  for (const p of dataParts) a.extract(p.name, join(o.dataDir, p.name.slice(PART.dataPrefix.length)));
  return { manifest: m, sha256: a.sha256, copies: copyParts.length };
}
