// The /workstation page's batches (./workstation-page-client.mjs) on their own thread, as the
// page runs in a browser on the official's PC: its requests' bodies, the HTTP clients and the
// parsing of the answers stay off the server's event loop.
//
// Messages in: { base, maxSockets, agentBase?, kind: 'credential' | 'token', batch } once (batch:
// the arguments of credentialBatch or tokenBatch, without the clients; a token batch's group sizes
// as an array, the last repeated), then { run: true } per batch → out: { signed } (documents signed
// in the batch, each a PDF) and for a token batch { signedAttributes } (base64, per document), or
// { error }.
import { parentPort } from 'node:worker_threads';
import { credentialBatch, httpClient, tokenBatch } from './workstation-page-client.mjs';

let run;
parentPort.on('message', async (m) => {
  try {
    if (m.base) {
      const api = httpClient(m.base, m.maxSockets);
      const batch = { ...m.batch, pdfs: m.batch.pdfs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)) };
      if (m.kind === 'token') {
        const agentApi = httpClient(m.agentBase, 2); // the page keeps two agent calls in flight
        const sizes = m.batch.groupFiles;
        const groupFiles = (g) => sizes[Math.min(g, sizes.length - 1)];
        run = async () => {
          const { out, signedAttributes } = await tokenBatch(api, agentApi, { ...batch, groupFiles });
          return { signed: signedCount(out), signedAttributes };
        };
      } else {
        run = async () => ({ signed: signedCount(await credentialBatch(api, batch)) });
      }
      parentPort.postMessage({ ready: true });
      return;
    }
    parentPort.postMessage(await run());
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});

const signedCount = (out) => out.filter((pdf) => pdf && pdf.subarray(0, 5).toString('latin1') === '%PDF-').length;
