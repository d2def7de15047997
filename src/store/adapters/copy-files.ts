import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../core/errors.js';
import type { CopyDocumentStore } from '../../copies/ports.js';

const HASH = /^[0-9a-f]{64}$/;
/** `.<sha256>.<random>.<pid>.<host>.tmp`: the temporary name says which process on which host writes it. */
const TEMP = /^\.[0-9a-f]{64}\.[0-9a-f]{12}\.(\d+)\.([A-Za-z0-9_-]+)\.tmp$/;
const HOST = hostname().replace(/[^A-Za-z0-9_-]/g, '_') || 'host';

/**
 * Signed copies as files named by their SHA-256 under `dir` (`ab/abcdef….pdf`, two-character
 * fan-out). Files and folders are private to the service user (0600 / 0700): a copy holds the
 * requester's document. Written to a temporary name and renamed, so a reader never sees half a file.
 */
export class FileCopyDocumentStore implements CopyDocumentStore {
  /** Whether this instance has made sure the 256 fan-out folders exist. */
  #foldersReady = false;

  constructor(private readonly dir: string) {}

  /**
   * The fan-out folders are created together before the first copy this instance writes (256
   * mkdir calls once, next to nothing when they exist), not one at a time as copies first land in
   * them: with hashes spread evenly that would cost a failed create and a mkdir on most of a young
   * store's first thousand copies. A folder removed later is still created on demand in `put`.
   */
  #prepareFolders(): void {
    if (this.#foldersReady) return;
    for (let i = 0; i < 256; i++) mkdirSync(join(this.dir, i.toString(16).padStart(2, '0')), { recursive: true, mode: 0o700 });
    this.#foldersReady = true;
  }

  #path(sha256: string): { folder: string; file: string } {
    // the hash is the file name: anything but 64 hex digits could walk out of the folder
    if (!HASH.test(sha256)) throw new AppError('VALIDATION_FAILED', 'a copy is stored under its SHA-256 (64 hex digits)');
    const folder = join(this.dir, sha256.slice(0, 2));
    return { folder, file: join(folder, `${sha256}.pdf`) };
  }

  async put(sha256: string, pdf: Buffer): Promise<void> {
    const { folder, file } = this.#path(sha256);
    if (existsSync(file)) return;
    try {
      this.#prepareFolders();
      const tmp = join(folder, `.${sha256}.${randomBytes(6).toString('hex')}.${process.pid}.${HOST}.tmp`);
      try {
        writeFileSync(tmp, pdf, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        // the fan-out folder was removed after `#prepareFolders`: create it again
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, pdf, { mode: 0o600, flag: 'wx' });
      }
      try {
        chmodSync(tmp, 0o600); // the umask may have cleared bits, never added them; be explicit
        renameSync(tmp, file);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
    } catch (cause) {
      throw new AppError('STORE_UNAVAILABLE', 'the signed copy could not be written to the copy store', { cause });
    }
  }

  /**
   * Temporary files of writers that died between writing and renaming (a SIGKILL, a power cut):
   * removed at service start. Only those of processes of this host that no longer run — another
   * instance sharing the folder may be writing its own right now. Returns how many were removed.
   */
  sweepAbandoned(): number {
    let removed = 0;
    let folders: string[];
    try {
      folders = readdirSync(this.dir);
    } catch {
      return 0; // no store yet
    }
    for (const f of folders) {
      if (!/^[0-9a-f]{2}$/.test(f)) continue;
      let names: string[];
      try {
        names = readdirSync(join(this.dir, f));
      } catch {
        continue;
      }
      for (const name of names) {
        const m = TEMP.exec(name);
        if (!m || m[2] !== HOST || processRuns(Number(m[1]))) continue;
        rmSync(join(this.dir, f, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    const { file } = this.#path(sha256);
    try {
      return readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AppError('STORE_UNAVAILABLE', 'the copy store cannot be read', { cause: e });
    }
  }
}

/** Whether a process with this id runs on this host (signal 0 only checks; EPERM: it runs, as another user). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
