import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
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
    // A write's error reaches its writer through the write's callback (PartSink fails the part);
    // the stream's 'error' event, which a write to a stream this spool destroyed (the request had
    // already failed) also emits, must not become an uncaught exception that ends the process.
    stream.on('error', () => undefined);
    this.#streams.push(stream);
    return { path, stream };
  }

  /**
   * Starts removing the directory and returns at once: on the response's close event a
   * synchronous removal of a batch's 50 parts held the event loop for milliseconds (every other
   * request waited). The files are 0600 in a 0700 directory until they are gone.
   */
  remove(): Promise<void> {
    if (this.#removed) return Promise.resolve();
    this.#removed = true;
    for (const s of this.#streams) s.destroy();
    if (!this.#dir) return Promise.resolve();
    return rm(this.#dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
  }
}
