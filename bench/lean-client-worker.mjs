// A client on its own thread, as a workflow system on another machine would be: it sends the
// multipart bodies it is given one after another (bench/lean-multipart-client.mjs) and parses each
// answer there (the form `accept` asks for), so neither its sending nor its parsing runs on the
// server's main thread.
//
// Messages in: { url, path, token, accept?, bodies: [{ body, contentType }] } → out: { ms } (all answered,
// every result ok) or { error }.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { leanClient, signedFiles } from './lean-multipart-client.mjs';

let client;
parentPort.on('message', async ({ url, path, token, accept, bodies }) => {
  try {
    client ??= leanClient(url);
    const t0 = performance.now();
    for (const b of bodies) {
      signedFiles(await client.post(path, token, { body: Buffer.from(b.body), contentType: b.contentType }, accept));
    }
    parentPort.postMessage({ ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
