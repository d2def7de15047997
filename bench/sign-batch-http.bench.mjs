#!/usr/bin/env node
// Benchmark: batch signing through the API — POST /api/v1/sign/batch (50 one-page PDFs, PAdES
// B-B, a server-held RSA-2048 credential) on an in-process server over loopback HTTP, SQLite —
// beside the floor signing the same 50 files in a loop in the same process: SHA-256 of each file
// + one native RSA-2048 signature, the output being the file followed by the signature (both
// sides produce the bytes of 50 signed files). Documents per second, median over several
// batches; goal: the API at ≥ 80% of the floor.
//
// The client asks for the route's binary answer (`Accept: multipart/form-data`: a `results` JSON
// part and each signed file as a part of its own, no base64 on either side; the bench's parser
// splits the parts with Buffer.indexOf and never turns PDF bytes into a string) in every row but
// one: it is what a workflow system that wants speed does. One row keeps the default JSON answer
// (base64 PDFs) for comparison. Rows, same run, interleaved with the floor:
// - "authorization": the holder gives the PIN once, outside the timed rounds, through
//   POST /api/v1/credentials/{id}/authorizations (the CSC credentials/authorize model: one PIN, N
//   documents); each batch then names the authorization id and checks no PIN.
// - "JSON answer with base64": as "authorization", with the default JSON answer.
// - "client on another thread": as "authorization", the client (sending, and parsing each
//   answer) on a worker thread (bench/lean-client-worker.mjs) instead of the server's main thread,
//   as a workflow system on another machine: what the server itself sustains.
// - "two batches in flight": as "authorization", with a second connection sending the next batch
//   while the first is answered (a workflow system with two requests open): the request's own
//   serial steps (upload, screening, the answer and its parsing) overlap the other's signing.
// - "client on another thread, two batches in flight": both of the above, as a workflow system on
//   another machine keeping two requests open.
// - "PIN per batch": each batch carries the PIN, checked against its keyed verifier
//   (src/signing/pin-hash.ts; the legacy scrypt verifier took 80-110 ms per check).
//
// Besides documents per second, each row reports the CPU time per document of the whole process
// (all threads, the client's included; the floor's likewise): on a loaded machine wall-clock rates
// follow the load, CPU per document much less.
//
// The floor is single-threaded (hash + sign in a loop on the main thread). The server signs on
// libuv's threadpool (node:crypto's async sign): the RSA operation of one document runs while the
// main thread prepares the next, so on a machine with a second core the API can pass the floor.
//
// Usage: npm run build && node bench/sign-batch-http.bench.mjs [--quick]
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { MULTIPART_ANSWER, leanClient, multipartBody, signedFiles } from './lean-multipart-client.mjs';
import { registerSubscriber } from './registered-subscriber.mjs';
import { startInProcessService } from './in-process-service.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 15;
// Each round measures every row over this many batches back to back (a batch of 50 takes about
// 20 ms: one alone is at the mercy of one GC pause or one preemption).
const BATCHES_PER_ROUND = 3;
// Rounds of every row before the measured ones: V8 compiles the signing path's functions over the
// first thousands of documents, and a service that has been signing for a while runs them compiled.
const WARM_ROUNDS = quick ? 5 : 10;
const DOCS = 50; // the route's maximum per batch
const PIN = '246810';
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const { setTimingSink } = await dist('core/timing.js');

let service;
let client;
let second;
let stopWorker;
try {
  service = await startInProcessService('batch');
  const { ctx, pki, adminToken, server } = service;
  const base = server.url;
  const call = async (method, path, token, json) => {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
    const body = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  };

  // An organization and an official registered by the RA, a certificate with a server-held key.
  const subscriber = (...a) => registerSubscriber(ctx.store, ...a);
  await subscriber('org_bench', 'organization', 'Ủy ban nhân dân xã Bench', 'MST:5700100217');
  await subscriber('off_bench', 'individual', 'Nguyễn Văn An', 'CCCD:022198001234', 'org_bench');
  const cert = await pki.issuance.issue(
    { id: 'bench-admin', role: 'admin' },
    {
      profile: 'individual',
      subscriberId: 'off_bench',
      subject: { commonName: 'Nguyễn Văn An', organization: 'UBND xã Bench', uids: ['CCCD:022198001234'] },
      key: { pkcs12Password: 'unused-p12', generate: { type: 'rsa', bits: 2048 }, keepKey: true },
    },
  );
  const token = async (role, scope) => (await call('POST', '/api/v1/tokens', adminToken, { role, ...scope })).token;
  const raOfficer = await token('ra-officer', { organizationId: 'org_bench' });
  const signer = await token('signer', { organizationId: 'org_bench', officialId: 'off_bench' });
  // Dual control: the admin requests, a second officer approves, the holder sets the PIN.
  const req = await call('POST', '/api/v1/credentials', adminToken, { certificateId: cert.certificate.id, ownerId: 'off_bench' });
  const ok = await call('POST', `/api/v1/credential-requests/${req.id}/approve`, raOfficer);
  await call('POST', `/api/v1/credentials/${ok.credentialId}/activate`, signer, { activationCode: ok.activationCode, pin: PIN });

  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const pdfs = [];
  for (let i = 0; i < DOCS; i++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    doc
      .addPage([595, 842])
      .drawText(`Kết quả số ${i + 1}`.normalize('NFD').replace(/[^\x20-\x7e]/g, ''), { x: 50, y: 780, size: 14, font });
    pdfs.push(Buffer.from(await doc.save({ useObjectStreams: false })));
  }

  // The lean client of bench/lean-multipart-client.mjs: the body built once, node:http keep-alive.
  client = leanClient(base);
  const multipart = (signerJson) =>
    multipartBody([
      ...pdfs.map((pdf, i) => ({ name: 'pdf', filename: `d${i}.pdf`, type: 'application/pdf', data: pdf })),
      { name: 'options', data: JSON.stringify({ signer: { kind: 'credential', ...signerJson }, reason: 'bench' }) },
    ]);
  // Every row but one asks for the binary answer (Accept: multipart/form-data: the signed files as
  // parts, no base64), as a workflow system that wants speed does; one row takes the JSON answer.
  const batch = async (body, accept = MULTIPART_ANSWER, on = client) =>
    signedFiles(await on.post('/api/v1/sign/batch', signer, body, accept));
  const pinBody = multipart({ credentialId: ok.credentialId, pin: PIN });
  const withPin = () => batch(pinBody);
  // The PIN given once per authorization (at most 500 documents each), all opened before the
  // rounds: every authorized batch (warm-up included) names one of them and checks no PIN.
  const authBodies = [];
  for (let left = DOCS * 7 * (BATCHES_PER_ROUND * ROUNDS + WARM_ROUNDS); left > 0; left -= 500) {
    const auth = await call('POST', `/api/v1/credentials/${ok.credentialId}/authorizations`, signer, {
      pin: PIN,
      documents: Math.min(left, 500),
      ttlSeconds: 3600,
    });
    for (let k = 0; k < Math.min(left, 500) / DOCS; k++) authBodies.push(multipart({ authorizationId: auth.authorizationId }));
  }
  const B = BATCHES_PER_ROUND;
  /** `f` `n` times, one after the other. */
  const times = (n, f) => async () => {
    for (let k = 0; k < n; k++) await f();
  };
  const authorized = () => batch(authBodies.shift());
  const authorizedJson = () => batch(authBodies.shift(), 'application/json');
  second = leanClient(base);
  const worker = new Worker(new URL('./lean-client-worker.mjs', import.meta.url));
  stopWorker = () => worker.terminate();
  const onWorker = (bodies, inFlight = 1) =>
    new Promise((resolve, reject) => {
      worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.ms)));
      worker.postMessage({ url: base, path: '/api/v1/sign/batch', token: signer, accept: MULTIPART_ANSWER, bodies, inFlight });
    });
  // Docs per second from the worker's own clock (the bodies are handed over before it starts).
  const workerRate = async (n = 1) => (n * DOCS) / ((await onWorker(authBodies.splice(0, n))) / 1000);
  const workerRateTwo = async (n = 1) => (2 * n * DOCS) / ((await onWorker(authBodies.splice(0, 2 * n), 2)) / 1000);
  // Two connections, each sending its next batch as soon as its previous answer is parsed.
  const twoInFlight = () => Promise.all([batch(authBodies.shift()), batch(authBodies.shift(), MULTIPART_ANSWER, second)]);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const floor = async () => {
    const out = [];
    for (const pdf of pdfs) out.push(Buffer.concat([pdf, nodeSign('sha256', createHash('sha256').update(pdf).digest(), privateKey)]));
    return out;
  };

  // Interleaved rounds after a warm-up, so every side sees the same machine load.
  for (let i = 0; i < WARM_ROUNDS; i++) {
    await authorized();
    await authorizedJson();
    await withPin();
    await floor();
    await workerRate();
    await workerRateTwo();
  }
  // CPU per document: the whole process's CPU time (every thread: main, threadpool, V8's
  // background threads, the client worker) over the documents of the round. Under load from other
  // processes, wall throughput varies with the machine; the CPU a document costs varies far less.
  const cpu = {};
  const cpuOf = (row, micros, docs) => (cpu[row] ??= []).push(micros / 1000 / docs);
  const rate = async (f, docs = DOCS, row) => {
    const c = process.cpuUsage();
    const t = performance.now();
    await f();
    const ms = performance.now() - t;
    const d = process.cpuUsage(c);
    if (row) cpuOf(row, d.user + d.system, docs);
    return docs / (ms / 1000);
  };
  const api = [];
  const apiJson = [];
  const apiThread = [];
  const api2 = [];
  const apiThreadTwo = [];
  const apiPin = [];
  const flo = [];
  const pinMs = [];
  let pin = 0;
  // The PIN check (once per batch in the last row) is reported apart.
  setTimingSink((phase, wallMs) => {
    if (phase === 'pin-hash') pin += wallMs;
  });
  const measured = [
    async () => flo.push(await rate(times(B, floor), B * DOCS, 'floor')),
    async () => api.push(await rate(times(B, authorized), B * DOCS, 'authorization')),
    async () => apiJson.push(await rate(times(B, authorizedJson), B * DOCS, 'json')),
    async () => api2.push(await rate(times(B, twoInFlight), 2 * B * DOCS, 'two')),
    async () => {
      const c = process.cpuUsage();
      apiThread.push(await workerRate(B));
      const d = process.cpuUsage(c);
      cpuOf('thread', d.user + d.system, B * DOCS);
    },
    async () => {
      const c = process.cpuUsage();
      apiThreadTwo.push(await workerRateTwo(B));
      const d = process.cpuUsage(c);
      cpuOf('thread-two', d.user + d.system, 2 * B * DOCS);
    },
    async () => {
      pin = 0;
      apiPin.push(await rate(times(B, withPin), B * DOCS, 'pin'));
      pinMs.push(pin / B);
    },
  ];
  // Each round starts one row further on, so that every row runs at every place in the order. A
  // row kept at one place is measured in that place's conditions (the row that always came right
  // after the floor's loop read 61 % in one run and 96 % in another, the others 73–94 %).
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < measured.length; k++) await measured[(i + k) % measured.length]();
  }
  const f = median(flo);
  const pct = (x) => `${((100 * x) / f).toFixed(0)}%`;
  const ms = (row) => `${median(cpu[row]).toFixed(3)} ms`;
  console.log(
    `Batch signing through the API (POST /api/v1/sign/batch, ${DOCS} one-page PDFs per request, PAdES B-B, server-held RSA-2048 credential, SQLite, loopback, the server signing on the threadpool; floor: single-threaded hash + sign loop; median of ${ROUNDS} rounds of ${B} batches per row after ${WARM_ROUNDS} rounds of warm-up; ${cpus().length} CPUs; Node ${process.version}; ${new Date().toISOString()})\n`,
  );
  console.log(
    '| mode | API documents/s | floor documents/s (hash + signature + signed file, same 50 files) | API / floor | goal | CPU per document (all threads) | floor CPU per document | PIN check per batch |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const row = (label, rates, key, goal = '—', pinCell = '—') => {
    const x = median(rates);
    console.log(`| ${label} | ${x.toFixed(0)} | ${f.toFixed(0)} | ${pct(x)} | ${goal} | ${ms(key)} | ${ms('floor')} | ${pinCell} |`);
  };
  row('authorization (PIN once, POST /api/v1/credentials/{id}/authorizations)', api, 'authorization', '≥ 80%');
  row('JSON answer with base64 (authorization as above; the route’s default answer)', apiJson, 'json');
  row('client on another thread (authorization as above)', apiThread, 'thread');
  row('two batches in flight (two connections, authorization as above)', api2, 'two');
  row('client on another thread, two batches in flight (authorization as above)', apiThreadTwo, 'thread-two');
  row('PIN per batch', apiPin, 'pin', '—', `${median(pinMs).toFixed(2)} ms`);
} finally {
  client?.close();
  second?.close();
  await stopWorker?.();
  await service?.close();
}
