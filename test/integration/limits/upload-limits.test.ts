import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';

/**
 * KYSO_UPLOAD_LIMIT bounds each file, KYSO_REQUEST_LIMIT the parts of one request together; parts
 * are spooled to disk while they arrive. Twenty 45 MB parts (each under the file limit) sent
 * chunked to the batch signer must be refused with 413 and must not grow the process by the
 * upload's size. The server runs in this process, so its RSS is what is sampled.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const MB = 1024 * 1024;

/** Streams `parts` parts of `partBytes` each (no Content-Length) and resolves with the status and problem code. */
function streamParts(path: string, token: string, parts: number, partBytes: number): Promise<{ status: number; body: string }> {
  const boundary = 'kysoUploadLimitTest';
  const chunk = Buffer.alloc(MB, 0x20);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      h.url + path,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        const out: Buffer[] = [];
        res.on('data', (c: Buffer) => out.push(c));
        res.on('end', () => {
          answered = true;
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(out).toString('utf8') });
        });
      },
    );
    req.on('error', (e) => (answered ? undefined : reject(e)));
    let part = 0;
    let sent = 0;
    const pump = (): void => {
      while (!answered && part < parts) {
        let ok: boolean;
        if (sent === 0)
          ok = req.write(`--${boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="p${part}.pdf"\r\n\r\n%PDF-1.7\n`);
        const n = Math.min(MB, partBytes - sent);
        ok = req.write(n === MB ? chunk : chunk.subarray(0, n));
        sent += n;
        if (sent >= partBytes) {
          ok = req.write('\r\n');
          part++;
          sent = 0;
        }
        if (!ok) return void req.once('drain', pump);
      }
      if (!answered) req.end(`--${boundary}--\r\n`);
    };
    pump();
  });
}

describe('upload limits per file and per request', () => {
  it('fail/20 × 45 MB parts (each under KYSO_UPLOAD_LIMIT) → 413 PAYLOAD_TOO_LARGE scope request; RSS stays bounded', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    const started = Date.now();
    const r = await streamParts('/api/v1/sign/batch', h.adminToken, 20, 45 * MB);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(r.status, r.body).toBe(413);
    const problem = JSON.parse(r.body) as { code: string; details: { scope: string; limit: number } };
    expect(problem.code).toBe('PAYLOAD_TOO_LARGE');
    expect(problem.details).toEqual({ scope: 'request', limit: 100 * MB });
    const grew = (peak - before) / MB;
    console.log(
      `upload of 20 × 45 MB: refused in ${Date.now() - started} ms, RSS ${Math.round(before / MB)} → peak ${Math.round(peak / MB)} MB`,
    );
    // the parts are on disk, not in memory: well under the 100 MB that reached the server
    expect(grew).toBeLessThan(96);
  }, 120_000);

  it('fail/KYSO_REQUEST_LIMIT below KYSO_UPLOAD_LIMIT is a configuration error', async () => {
    await expect(startHarness({ KYSO_UPLOAD_LIMIT: '2000000', KYSO_REQUEST_LIMIT: '1000000' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
