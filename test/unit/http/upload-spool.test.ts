import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UploadSpool } from '../../../src/http/upload-spool.js';

describe('UploadSpool', () => {
  it('fail/a part still writing when the request fails and its spool is removed gets the error in its callback; the process does not crash', async () => {
    // removed at once and a moment later, as a request can fail before or after its file is open
    for (let i = 0; i < 60; i++) {
      const delay = i % 5;
      const spool = new UploadSpool();
      const { path, stream } = spool.create();
      stream.write(Buffer.alloc(64 * 1024));
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const removed = spool.remove();
      // the write a part's sink makes after the request failed (vitest fails the run on an uncaught error)
      const err = await new Promise<Error | null | undefined>((resolve) => stream.write(Buffer.alloc(16), resolve));
      expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('ERR_STREAM_DESTROYED');
      await removed;
      expect(existsSync(path)).toBe(false);
      expect(() => spool.create()).toThrow(/removed/);
    }
  });
});
