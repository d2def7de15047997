import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ClientModule from '../../../src/client/index.js';
import { freePort, makeWorld, PIN, serve, smallPdfs, type Served, type ServeWorld } from './serve-process.js';

/**
 * The typed client (`kyso/client`) against a spawned `kyso serve`: sign, verify, lookup, a job
 * submitted, waited for with progress and downloaded; and its retries: a flaky front (503, then a
 * dropped connection) in front of the service gets the call through with ONE Idempotency-Key.
 */
// `kyso/client` resolved at run time through package.json "exports" (self-reference) to dist/
// (`npm run build` first); typed from the source so the typecheck does not need a build.
const { KysoClient, KysoError } = (await import('kyso/client' as string)) as typeof ClientModule;
type KysoError = ClientModule.KysoError;

let w: ServeWorld;
let s: Served;
let flaky: Server;
let flakyUrl: string;
const seenKeys: Array<string | undefined> = [];

beforeAll(async () => {
  w = makeWorld();
  s = await serve(w);
  // A proxy that answers 503 to the first try of each POST, drops the second, forwards the third.
  let posts = 0;
  const port = await freePort();
  flaky = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        seenKeys.push(req.headers['idempotency-key'] as string | undefined);
        const k = posts++ % 3;
        if (k === 0) {
          res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503,"code":"STORE_UNAVAILABLE"}');
          return;
        }
        if (k === 1) {
          req.socket.destroy();
          return;
        }
      }
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers['content-length'];
      delete headers.connection;
      void fetch(s.url + req.url, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) }).then(
        async (r) => {
          const out: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
          });
          res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
        },
      );
    });
  });
  await new Promise<void>((r) => flaky.listen(port, '127.0.0.1', () => r()));
  flakyUrl = `http://127.0.0.1:${port}`;
}, 180_000);

afterAll(async () => {
  s?.child.kill('SIGTERM');
  await s?.exited;
  await new Promise<void>((r) => flaky?.close(() => r()));
});

const signer = () => ({ kind: 'credential' as const, credentialId: w.credentialId, pin: PIN });

describe('kyso/client', () => {
  it('ok/sign then verify: TOTAL_PASSED', async () => {
    const c = new KysoClient({ baseUrl: s.url, token: w.signerToken });
    const [pdf] = await smallPdfs(1);
    const signed = await c.sign(pdf!, { reason: 'Phê duyệt', signer: signer() });
    expect(Buffer.from(signed.subarray(0, pdf!.length)).equals(pdf!)).toBe(true);
    const report = await new KysoClient({ baseUrl: s.url }).verify(signed);
    expect(report.indication).toBe('TOTAL_PASSED');
  });

  it('fail/errors carry the stable code: a wrong PIN → KysoError PIN_INVALID; a malformed lookup code → LOOKUP_CODE_INVALID', async () => {
    const c = new KysoClient({ baseUrl: s.url, token: w.signerToken });
    const [pdf] = await smallPdfs(1);
    const e = await c.sign(pdf!, { signer: { ...signer(), pin: '000000' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KysoError);
    expect((e as KysoError).code).toBe('PIN_INVALID');
    const l = await c.lookup('not-a-code').catch((x: unknown) => x);
    expect((l as KysoError).code).toBe('LOOKUP_CODE_INVALID');
  });

  it('ok/jobs: submit 5 files, wait with progress, download each and verify', async () => {
    const c = new KysoClient({ baseUrl: s.url, token: w.signerToken });
    const pdfs = await smallPdfs(5);
    const job = await c.jobs.submitSign(
      pdfs.map((data, i) => ({ name: `vb-${i + 1}.pdf`, data })),
      { signer: signer() },
    );
    expect(job.progress.total).toBe(5);
    const seen: number[] = [];
    const done = await c.jobs.wait(job.id, { intervalMs: 100, onProgress: (j) => seen.push(j.progress.done) });
    expect(done.state).toBe('completed');
    expect(seen.at(-1)).toBe(5);
    for (const f of done.files) {
      const out = await c.jobs.download(job.id, f.n);
      expect((await c.verify(out)).indication).toBe('TOTAL_PASSED');
    }
  });

  it('ok/retries through a 503 and a dropped connection reuse one Idempotency-Key for the logical call', async () => {
    seenKeys.length = 0;
    const c = new KysoClient({ baseUrl: flakyUrl, token: w.signerToken, backoffMs: 10 });
    const job = await c.jobs.submitSign(await smallPdfs(1), { signer: signer() });
    expect(job.id).toMatch(/^job_/);
    expect(seenKeys).toHaveLength(3);
    expect(new Set(seenKeys).size).toBe(1);
    expect(seenKeys[0]).toMatch(/^[0-9a-f-]{36}$/);
    // a second logical call gets a new key
    await c.jobs.submitSign(await smallPdfs(1), { signer: signer() });
    expect(new Set(seenKeys).size).toBe(2);
  });
});
