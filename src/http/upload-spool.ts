import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The temp files of one request's uploaded parts: a private directory (mkdtemp creates it 0700)
 * made on first use, one file per part created exclusively with mode 0600 (other local users
 * cannot read the documents), and the whole directory removed at once — idempotent, so the
 * error path and the end of the response may both call it.
 */
export class UploadSpool {
  #dir: string | undefined;
  #streams: WriteStream[] = [];
  #removed = false;
  #next = 0;

  create(): { path: string; stream: WriteStream } {
    if (this.#removed) throw new Error('upload spool already removed');
    this.#dir ??= mkdtempSync(join(tmpdir(), 'kyso-upload-'));
    const path = join(this.#dir, `part-${this.#next++}`);
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.#streams.push(stream);
    return { path, stream };
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    for (const s of this.#streams) s.destroy();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
