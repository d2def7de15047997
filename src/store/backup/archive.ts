import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../core/errors.js';

/**
 * The single-file backup archive: one file an operator can move, check and restore.
 *
 *   "KYSO-BACKUP\0" (12 bytes) | manifest length (uint32 big-endian) | manifest (UTF-8 JSON)
 *   | the parts' bytes in manifest order | SHA-256 of everything before (32 bytes)
 *
 * The manifest names every part with its size and SHA-256, so a truncated or altered archive is
 * refused before anything is restored; the trailing digest also covers the manifest itself.
 * The digests detect damage, not a forger who rewrites them: keep backups where only operators
 * can write (the archive holds sealed keys and signed copies; it is written 0600).
 */
export const ARCHIVE_MAGIC = Buffer.from('KYSO-BACKUP\0', 'latin1');
export const ARCHIVE_FORMAT = 1;
const MAX_MANIFEST = 16 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export interface ArchivePart {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ArchiveManifest {
  readonly format: number;
  readonly kysoVersion: string;
  readonly databaseKind: 'sqlite' | 'postgres';
  readonly createdAt: string;
  /** Everything else the writer wants a restore to know (keys summary, migrations …). */
  readonly [extra: string]: unknown;
  readonly parts: readonly ArchivePart[];
}

/** Part names are relative paths of plain segments: nothing a restore could write outside its folder. */
const PART_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export function assertPartName(name: string): void {
  if (typeof name !== 'string' || name.length > 300 || !PART_NAME.test(name) || name.split('/').some((s) => s === '..' || s === '.'))
    throw new AppError(
      'BACKUP_INVALID',
      `the archive names a part ${JSON.stringify(String(name).slice(0, 80))} that is not a plain relative path`,
    );
}

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('BACKUP_INVALID', message, details ? { details } : {});
}

/** Streams `path` through `fn` in chunks (files may be larger than memory should hold). */
function eachChunk(fd: number, start: number, length: number, fn: (b: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, length)));
  let pos = start;
  let left = length;
  while (left > 0) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, left), pos);
    if (n <= 0) throw invalid('the archive ended early (truncated)');
    fn(buf.subarray(0, n));
    pos += n;
    left -= n;
  }
}

function fileDigest(path: string): { size: number; sha256: string } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = createHash('sha256');
    eachChunk(fd, 0, size, (b) => h.update(b));
    return { size, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the archive to `out` (through a temporary name in the same folder, renamed when complete,
 * so an interrupted backup never leaves a file that looks whole). `files` maps part names to the
 * files holding their bytes. Returns the manifest written and the archive's own SHA-256.
 */
export function writeArchive(
  out: string,
  header: {
    readonly kysoVersion: string;
    readonly databaseKind: 'sqlite' | 'postgres';
    readonly createdAt: string;
    readonly [extra: string]: unknown;
  },
  files: readonly { name: string; path: string }[],
): { manifest: ArchiveManifest; sha256: string; size: number } {
  const parts: ArchivePart[] = files.map((f) => {
    assertPartName(f.name);
    return { name: f.name, ...fileDigest(f.path) };
  });
  const manifest = { format: ARCHIVE_FORMAT, ...header, parts } as ArchiveManifest;
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${randomBytes(6).toString('hex')}.partial`;
  const fd = openSync(tmp, 'wx', 0o600);
  const whole = createHash('sha256');
  let size = 0;
  const put = (b: Buffer) => {
    whole.update(b);
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    size += b.length;
  };
  try {
    put(ARCHIVE_MAGIC);
    put(len);
    put(json);
    for (const f of files) {
      const src = openSync(f.path, 'r');
      try {
        const expected = parts.find((p) => p.name === f.name)!;
        const h = createHash('sha256');
        eachChunk(src, 0, expected.size, (b) => {
          h.update(b);
          put(b);
        });
        // the part changed between digest and copy: the snapshot was not stable, do not keep it
        if (h.digest('hex') !== expected.sha256)
          throw new AppError('STORE_UNAVAILABLE', `backup part ${f.name} changed while it was written`);
      } finally {
        closeSync(src);
      }
    }
    const trailer = whole.digest();
    writeSync(fd, trailer);
    size += trailer.length;
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, out);
    return { manifest, sha256: fileDigest(out).sha256, size };
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface OpenedArchive {
  readonly path: string;
  readonly manifest: ArchiveManifest;
  /** SHA-256 of the whole archive file. */
  readonly sha256: string;
  /** Copies one part's bytes to `dest` (0600), checking its digest again on the way. */
  extract(name: string, dest: string): void;
  /** One part's bytes in memory (small parts only: the manifest says how large). */
  read(name: string): Buffer;
}

/**
 * Opens and checks an archive completely before anything is restored from it: magic, manifest,
 * sizes adding up to the file's length (truncation), the trailing digest (any byte changed,
 * manifest included) and every part's own SHA-256. BACKUP_INVALID otherwise.
 */
export function openArchive(path: string): OpenedArchive {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new AppError('NOT_FOUND', `cannot open the backup file ${path}`, { cause });
  }
  try {
    const total = fstatSync(fd).size;
    const head = Buffer.alloc(ARCHIVE_MAGIC.length + 4);
    if (total < head.length + 32 || readSync(fd, head, 0, head.length, 0) !== head.length)
      throw invalid('not a kyso backup archive (too short)');
    if (!head.subarray(0, ARCHIVE_MAGIC.length).equals(ARCHIVE_MAGIC)) throw invalid('not a kyso backup archive (wrong magic)');
    const mlen = head.readUInt32BE(ARCHIVE_MAGIC.length);
    if (mlen > MAX_MANIFEST || head.length + mlen + 32 > total) throw invalid('the archive is truncated or its manifest length is damaged');
    const mbuf = Buffer.alloc(mlen);
    readSync(fd, mbuf, 0, mlen, head.length);
    const manifest = parseManifest(mbuf);
    const dataStart = head.length + mlen;
    const offsets = new Map<string, { start: number; part: ArchivePart }>();
    let pos = dataStart;
    for (const p of manifest.parts) {
      if (offsets.has(p.name)) throw invalid(`the archive names part ${p.name} twice`);
      offsets.set(p.name, { start: pos, part: p });
      pos += p.size;
    }
    if (pos + 32 !== total)
      throw invalid(pos + 32 > total ? 'the archive is truncated' : 'the archive has bytes after its end', {
        expected: pos + 32,
        actual: total,
      });
    const whole = createHash('sha256');
    const fileHash = createHash('sha256');
    eachChunk(fd, 0, dataStart, (b) => {
      whole.update(b);
      fileHash.update(b);
    });
    for (const p of manifest.parts) {
      const h = createHash('sha256');
      eachChunk(fd, offsets.get(p.name)!.start, p.size, (b) => {
        whole.update(b);
        fileHash.update(b);
        h.update(b);
      });
      if (h.digest('hex') !== p.sha256)
        throw invalid(`part ${p.name} does not match its SHA-256 in the manifest (altered)`, { part: p.name });
    }
    const trailer = Buffer.alloc(32);
    readSync(fd, trailer, 0, 32, total - 32);
    fileHash.update(trailer);
    if (!whole.digest().equals(trailer)) throw invalid('the archive digest does not match its content (altered)');
    const sha256 = fileHash.digest('hex');
    const locate = (name: string): { start: number; part: ArchivePart } => {
      const o = offsets.get(name);
      if (!o) throw invalid(`the archive has no part ${name}`);
      return o;
    };
    return {
      path,
      manifest,
      sha256,
      extract(name, dest) {
        const { start, part } = locate(name);
        const src = openSync(path, 'r');
        mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
        const out = openSync(dest, 'w', 0o600);
        try {
          const h: Hash = createHash('sha256');
          eachChunk(src, start, part.size, (b) => {
            h.update(b);
            let off = 0;
            while (off < b.length) off += writeSync(out, b, off, b.length - off);
          });
          if (h.digest('hex') !== part.sha256) throw invalid(`part ${name} changed while it was restored`);
          fsyncSync(out);
        } finally {
          closeSync(out);
          closeSync(src);
        }
      },
      read(name) {
        const { start, part } = locate(name);
        const src = openSync(path, 'r');
        try {
          const b = Buffer.alloc(part.size);
          if (part.size > 0) readSync(src, b, 0, part.size, start);
          if (createHash('sha256').update(b).digest('hex') !== part.sha256) throw invalid(`part ${name} changed while it was read`);
          return b;
        } finally {
          closeSync(src);
        }
      },
    };
  } finally {
    closeSync(fd);
  }
}

function parseManifest(b: Buffer): ArchiveManifest {
  let m: unknown;
  try {
    m = JSON.parse(b.toString('utf8'));
  } catch {
    throw invalid('the archive manifest is not valid JSON');
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw invalid('the archive manifest is not an object');
  const o = m as Record<string, unknown>;
  if (o.format !== ARCHIVE_FORMAT)
    throw invalid(`unsupported archive format ${JSON.stringify(o.format)} (this kyso reads format ${ARCHIVE_FORMAT})`);
  if (o.databaseKind !== 'sqlite' && o.databaseKind !== 'postgres') throw invalid('the manifest names no known database kind');
  if (typeof o.kysoVersion !== 'string' || typeof o.createdAt !== 'string') throw invalid('the manifest lacks kysoVersion or createdAt');
  if (!Array.isArray(o.parts)) throw invalid('the manifest lists no parts');
  for (const p of o.parts as unknown[]) {
    const q = p as Record<string, unknown> | null;
    if (
      !q ||
      typeof q.name !== 'string' ||
      !Number.isSafeInteger(q.size) ||
      (q.size as number) < 0 ||
      typeof q.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(q.sha256)
    )
      throw invalid('a manifest part lacks its name, size or SHA-256');
    assertPartName(q.name);
  }
  return o as unknown as ArchiveManifest;
}
