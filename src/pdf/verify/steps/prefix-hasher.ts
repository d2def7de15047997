import { createHash } from 'node:crypto';

/**
 * SHA-256 of the whole document shared with signature digests: [0, b) is hashed once, the state
 * is copied for the signature (Hash.copy) and continued for the document hash, so a large file is
 * read about once instead of twice.
 */
export class PrefixHasher {
  private readonly h = createHash('sha256');
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  /** A copy of the SHA-256 state after [0, off), or undefined if already past it. */
  at(off: number): ReturnType<typeof createHash> | undefined {
    if (off < this.pos || off > this.buf.length) return undefined;
    this.h.update(this.buf.subarray(this.pos, off));
    this.pos = off;
    return this.h.copy();
  }
  digest(): string {
    this.h.update(this.buf.subarray(this.pos));
    this.pos = this.buf.length;
    return this.h.digest('hex');
  }
}
