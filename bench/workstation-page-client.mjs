// The requests the /workstation page (web/static/js/workstation.js) makes for a batch, as the
// workstation bench sends them: a keep-alive HTTP client like a browser's, the page's batch with a
// server-held credential and its batch with a USB token through `kyso agent`. Used in the bench's
// own process and on a worker thread
// (./workstation-page-worker.mjs), where the page's work stays off the server's event loop as a
// browser on the official's own PC would.
import { Agent, request as httpRequest } from 'node:http';
import { MULTIPART_ANSWER, multipartBody, signedFiles } from './lean-multipart-client.mjs';

/**
 * Keep-alive connections to `base` (at most `maxSockets`): request(method, path, headers, body?)
 * → { status, headers, body: Buffer }. A server closes a connection idle for 5 s (Node's
 * keepAliveTimeout) — the agent's, while the slow "PIN with every file" row runs — and a request
 * sent on it at that moment meets a reset before the server read anything: sent again once on a
 * fresh connection (node:http's `reusedSocket` marks exactly that case).
 */
export function httpClient(base, maxSockets = 1) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const request = (method, path, headers, body, retried = false) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        new URL(path, base),
        { method, agent, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', (e) => {
        if (!retried && req.reusedSocket && e.code === 'ECONNRESET') resolve(request(method, path, headers, body, true));
        else reject(e);
      });
      req.end(body);
    });
  return { request, close: () => agent.destroy() };
}

export const expectOk = (r, what) => {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return r;
};

/**
 * The page's batch with a server-held credential: one authorization for the files (the PIN,
 * once), the files `groupFiles` at a time through POST /api/v1/sign/batch with its id, `inFlight`
 * requests at a time (each sender takes the next group when its own is answered), asking for the
 * binary answer (the signed files as multipart parts); then a DELETE of the authorization unless
 * every file was signed (its budget is then spent), or always with `revokeSpent` (the former page).
 * → the signed files, in order.
 */
export async function credentialBatch(client, { signer, credentialId, pin, pdfs, options, groupFiles, inFlight, revokeSpent }) {
  const bearer = { authorization: `Bearer ${signer}` };
  const path = `/api/v1/credentials/${credentialId}/authorizations`;
  const opened = expectOk(
    await client.request(
      'POST',
      path,
      { ...bearer, 'content-type': 'application/json' },
      Buffer.from(JSON.stringify({ pin, documents: pdfs.length, ttlSeconds: Math.min(3600, 60 + 5 * pdfs.length) })),
    ),
    'authorize',
  );
  const { authorizationId } = JSON.parse(opened.body.toString('utf8'));
  const out = [];
  try {
    const groups = [];
    for (let from = 0; from < pdfs.length; from += groupFiles)
      groups.push([...Array(Math.min(groupFiles, pdfs.length - from)).keys()].map((k) => from + k));
    let next = 0;
    const sender = async () => {
      while (next < groups.length) {
        const idx = groups[next++];
        const body = multipartBody([
          { name: 'options', data: JSON.stringify({ ...options, signer: { kind: 'credential', authorizationId } }) },
          ...idx.map((i) => ({ name: 'pdf', filename: `d${i}.pdf`, type: 'application/pdf', data: pdfs[i] })),
        ]);
        const r = await client.request(
          'POST',
          '/api/v1/sign/batch',
          { ...bearer, 'content-type': body.contentType, accept: MULTIPART_ANSWER },
          body.body,
        );
        for (const [k, pdf] of signedFiles(r).entries()) out[idx[k]] = pdf;
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, groups.length) }, sender));
  } finally {
    if (revokeSpent || out.filter(Boolean).length < pdfs.length)
      expectOk(await client.request('DELETE', `${path}/${authorizationId}`, bearer), 'revoke');
  }
  return out;
}

/**
 * The page's batch with the USB token (workstation.js signDeclaredBatch): groups of
 * `groupFiles(g)` files, a last group of at least twice `lastGroupFiles` split so that its last
 * `lastGroupFiles` go alone (workstation.js tokenGroups); prepare(g) after prepare(g - 1) and sign(g - 3), sign(g) after prepare(g)
 * and sign(g - 2), complete(g) after sign(g), complete(g - 1) and prepare(g + 2). The declared agent
 * batch (POST /v1/sign/batches: the names and the PIN, one login) is opened beside the first
 * prepare with the algorithm the agent names for the certificate, which the prepares ask for; it
 * is ended by DELETE if not used up. The page completes with the agent's raw signature values and
 * says so (completion: 'signature'), so a B-B session's placeholder is exactly the CMS the server
 * will assemble.
 * → { out: the signed files in order, signedAttributes: what the token signed for each file }.
 */
export async function tokenBatch(api, agentApi, { signer, origin, pdfs, options, certificate, pin, groupFiles, lastGroupFiles }) {
  const fromPage = { origin };
  const agentCall = async (method, path, body) => {
    const r = expectOk(
      await agentApi.request(method, path, { ...fromPage, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body))),
      `agent ${method} ${path}`,
    );
    return JSON.parse(r.body.toString('utf8'));
  };
  const signedAttributes = [];
  const prepareOptions = { ...options, algorithm: certificate.algorithm, certificates: certificate.chain, completion: 'signature' };
  const prepare = async (idx) => {
    const prepared = await prepareGroup(api, signer, pdfs, idx, prepareOptions);
    for (const p of prepared) signedAttributes[p.i] = p.session.signedAttributes;
    return prepared;
  };
  const out = [];
  const opening = agentCall('POST', '/v1/sign/batches', {
    certificateId: certificate.id,
    algorithm: certificate.algorithm,
    documentNames: pdfs.map((_, i) => `d${i}.pdf`),
    pin,
  });
  opening.catch(() => undefined);
  let remaining = pdfs.length;
  const sign = async (prepared) => {
    const batch = await opening;
    const r = await agentCall('POST', `/v1/sign/batches/${batch.batchId}`, {
      items: prepared.map((p) => ({ index: p.i, signedAttributes: p.session.signedAttributes, digest: p.session.digest })),
    });
    remaining = Math.min(remaining, r.remaining);
    return prepared.map((p, k) => ({ ...p, signature: r.signatures[k] }));
  };
  const complete = async (signed) => {
    const items = signed.map((p) => ({ sessionId: p.session.sessionId, signature: p.signature }));
    const pdfsOut = await completeGroup(api, signer, items);
    signed.forEach((p, k) => (out[p.i] = pdfsOut[k]));
  };
  const groups = [];
  for (let g = 0, from = 0; from < pdfs.length; from += groupFiles(g), g++)
    groups.push([...Array(Math.min(groupFiles(g), pdfs.length - from)).keys()].map((k) => from + k));
  const last = groups.at(-1);
  if (last.length >= 2 * lastGroupFiles) groups.splice(-1, 1, last.slice(0, -lastGroupFiles), last.slice(-lastGroupFiles));
  const prepares = [];
  const signs = [];
  const completes = [];
  for (const [g, idx] of groups.entries()) {
    prepares[g] = Promise.all([prepares[g - 1], signs[g - 3]]).then(() => prepare(idx));
    signs[g] = Promise.all([prepares[g], signs[g - 2]]).then(([p]) => sign(p));
  }
  for (const g of groups.keys())
    completes[g] = Promise.all([signs[g], completes[g - 1], prepares[Math.min(groups.length - 1, g + 2)]]).then(([s]) => complete(s));
  try {
    await Promise.all([opening, ...prepares, ...signs, ...completes]);
  } finally {
    const batch = await opening.catch(() => null);
    if (batch && remaining > 0) await agentApi.request('DELETE', `/v1/sign/batches/${batch.batchId}`, fromPage);
  }
  return { out, signedAttributes };
}

/**
 * POST /api/v1/sign/prepare/batch of the files `idx` of `pdfs` with `options` (the token's chain
 * among them) → [{ i, session }], one per file; throws if a file was refused.
 */
export async function prepareGroup(api, signer, pdfs, idx, options) {
  const body = multipartBody([
    { name: 'options', data: JSON.stringify(options) },
    ...idx.map((i) => ({ name: 'pdf', filename: `d${i}.pdf`, type: 'application/pdf', data: pdfs[i] })),
  ]);
  const r = expectOk(
    await api.request(
      'POST',
      '/api/v1/sign/prepare/batch',
      { authorization: `Bearer ${signer}`, 'content-type': body.contentType },
      body.body,
    ),
    'prepare batch',
  );
  return JSON.parse(r.body.toString('utf8')).results.map((x) => {
    if (!x.ok) throw new Error(`prepare batch: ${JSON.stringify(x.error)}`);
    return { i: idx[x.index], session: x.session };
  });
}

/** POST /api/v1/sign/complete/batch of `items` ({sessionId, signature}) in the answer `accept` asks for → the signed files, in order. */
export async function completeGroup(api, signer, items, accept = MULTIPART_ANSWER) {
  return signedFiles(
    await api.request(
      'POST',
      '/api/v1/sign/complete/batch',
      { authorization: `Bearer ${signer}`, 'content-type': 'application/json', accept },
      Buffer.from(JSON.stringify({ items })),
    ),
  );
}
