import { Writable } from 'node:stream';
import type { WriteStream } from 'node:fs';

/**
 * Where one multipart part's bytes go: held in memory while the part stays within `memoryBytes`,
 * moved to a spool file (./upload-spool.ts, 0600 in a 0700 directory) as soon as it grows past
 * that. Small documents then cost no temp file (open, write, read back, remove: most of a
 * one-page batch document's upload cost), large ones never sit in memory whole.
 */
export class PartSink extends Writable {
  readonly #memoryBytes: number;
  readonly #spool: () => { path: string; stream: WriteStream };
  #held: Buffer[] = [];
  #size = 0;
  #file: { path: string; stream: WriteStream } | undefined;

  constructor(memoryBytes: number, spool: () => { path: string; stream: WriteStream }) {
    super();
    this.#memoryBytes = memoryBytes;
    this.#spool = spool;
  }

  /** After the pipeline finished: the bytes when held in memory, else the spool file's path. */
  get result(): { bytes: Buffer } | { path: string } {
    return this.#file ? { path: this.#file.path } : { bytes: Buffer.concat(this.#held, this.#size) };
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#file) return void this.#file.stream.write(chunk, done);
    this.#size += chunk.length;
    if (this.#size <= this.#memoryBytes) {
      this.#held.push(chunk);
      return done();
    }
    try {
      this.#file = this.#spool();
    } catch (e) {
      return done(e as Error); // the request already failed and its spool is gone
    }
    for (const c of this.#held) this.#file.stream.write(c);
    this.#held = [];
    this.#file.stream.write(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.#file) return done();
    const s = this.#file.stream;
    s.once('error', done);
    s.end(() => done());
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // (also called after a normal finish, autoDestroy: the held bytes stay for `result`)
    if (error) this.#file?.stream.destroy();
    done(error);
  }
}
