// A client on its own thread, as a workflow system on another machine would be: it sends the
// multipart bodies it is given (bench/lean-multipart-client.mjs) over `inFlight` keep-alive
// connections, each sending its next body as soon as its previous answer is parsed, and parses each
// answer there (the form `accept` asks for), so neither its sending nor its parsing runs on the
// server's main thread.
//
// Messages in: { url, path, token, accept?, inFlight? (default 1), bodies: [{ body, contentType }] }
// → out: { ms } (all answered, every result ok) or { error }.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { leanClient, signedFiles } from './lean-multipart-client.mjs';

const clients = [];
parentPort.on('message', async ({ url, path, token, accept, bodies, inFlight = 1 }) => {
  try {
    while (clients.length < inFlight) clients.push(leanClient(url));
    const queue = [...bodies];
    const t0 = performance.now();
    const send = async (client) => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        signedFiles(await client.post(path, token, { body: Buffer.from(b.body), contentType: b.contentType }, accept));
      }
    };
    await Promise.all(clients.slice(0, inFlight).map(send));
    parentPort.postMessage({ ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
