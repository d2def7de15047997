// The /workstation page's batch with a server-held credential (./workstation-page-client.mjs) on
// its own thread, as the page runs in a browser on the official's PC: its requests' bodies, the
// HTTP client and the parsing of the answers stay off the server's event loop.
//
// Messages in: { base, maxSockets, batch: {signer, credentialId, pin, pdfs, options, groupFiles,
// inFlight, revokeSpent} } once, then { run: true } per batch → out: { signed } (documents
// signed in the batch, each a non-empty PDF) or { error }.
import { parentPort } from 'node:worker_threads';
import { credentialBatch, httpClient } from './workstation-page-client.mjs';

let client;
let batch;
parentPort.on('message', async (m) => {
  try {
    if (m.base) {
      client = httpClient(m.base, m.maxSockets);
      batch = { ...m.batch, pdfs: m.batch.pdfs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)) };
      parentPort.postMessage({ ready: true });
      return;
    }
    const out = await credentialBatch(client, batch);
    parentPort.postMessage({ signed: out.filter((pdf) => pdf && pdf.subarray(0, 5).toString('latin1') === '%PDF-').length });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
