// A client on its own thread, as a workflow system on another machine would be: it sends the
// multipart bodies it is given one after another (bench/lean-multipart-client.mjs) and parses each
// JSON answer there, so neither its sending nor its parsing runs on the server's main thread.
//
// Messages in: { url, path, token, bodies: [{ body, contentType }] } → out: { ms } (all answered,
// every result ok) or { error }.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { leanClient } from './lean-multipart-client.mjs';

let client;
parentPort.on('message', async ({ url, path, token, bodies }) => {
  try {
    client ??= leanClient(url);
    const t0 = performance.now();
    for (const b of bodies) {
      const r = await client.post(path, token, { body: Buffer.from(b.body), contentType: b.contentType });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
      if (!JSON.parse(r.body.toString('utf8')).results.every((x) => x.ok)) throw new Error(`${path}: a document failed`);
    }
    parentPort.postMessage({ ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
