#!/usr/bin/env node
// Benchmark: batch signing through the officials' workstation — exactly the HTTP requests
// web/static/js/workstation.js makes for a batch of 50 one-page PDFs (PAdES B-B, invisible
// signature as in bench/sign-batch-http.bench.mjs), on an in-process server over loopback HTTP,
// SQLite, beside the floor each method is held to, in the same run. Documents per second, median
// over several batches; goal: the workstation at ≥ 80% of the floor.
//
// (a) server-held credential (RSA-2048): POST /api/v1/credentials/{id}/authorizations (the PIN,
//     once, checked against its keyed verifier, counted in the batch), the files 25 at a time through
//     POST /api/v1/sign/batch with the authorization id, two requests in flight (as the page keeps
//     them); the batch spends the authorization, so nothing is revoked. Floor: the
//     single-threaded loop of the API bench — SHA-256 of each file + one native RSA-2048
//     signature, the output being the file followed by the signature. Rows for comparison: the
//     former page (10 files per request, two in flight, a DELETE of the spent authorization), the
//     page's requests sent from a worker thread, one authorization with one
//     POST /api/v1/sign per file, and the page's first flow (every file POST /api/v1/sign with the PIN).
// (b) USB token: a SoftHSM2 token (temporary SOFTHSM2_CONF directory, RSA-2048 key and a
//     certificate of the service's CA) behind a spawned `kyso agent` (the built CLI, test-mode
//     auto-approval for the page's origin, as an official who answered "a" once): the page's
//     pipeline over groups of 5, 15, 20, 5, 5 — POST /api/v1/sign/prepare/batch of the next
//     group, the agent's POST /v1/sign/batches/{id} for the two groups before it (two calls in
//     flight: the agent starts the next group as soon as one is signed) and
//     POST /api/v1/sign/complete/batch of a group signed (once the group two ahead of it is
//     prepared: the token waits for prepares, not for completions), in a declared agent batch
//     (POST /v1/sign/batches with the 50 names and the PIN: one login) opened beside the first
//     prepare with the algorithm the agent names for the certificate (the prepares ask for it);
//     beside it the former pages: 25 per prepare/batch → one agent POST /v1/sign/batch for the
//     50 → 25 per complete/batch, one after the other, and per file POST /api/v1/sign/prepare
//     → agent POST /v1/sign → POST /api/v1/sign/complete. Floor: SHA-256 of each file + the same token signing the same
//     documents' signed attributes (CKM_SHA256_RSA_PKCS) in a loop through pkcs11js on one
//     logged-in session: the token's own signatures per second.
//
// As the page does, the new rows ask the batch routes for their binary answer (Accept:
// multipart/form-data: the signed files as parts, no base64) and prepare with completion:
// 'signature' (an exact B-B placeholder); the former pages' rows take JSON and the default room.
//
// The agent is another process (as on the official's PC): on a machine with a second core it
// signs while the server works. The page's bodies are built per request as the page does; the
// client is node:http keep-alive (bench/lean-multipart-client.mjs explains why not fetch). The
// page's requests are sent from the bench's own process, sharing the server's event loop; a row
// of each kind sends them from a worker thread (./workstation-page-worker.mjs), as a browser on
// the official's PC would, off the server's event loop though on the same two cores.
//
// The service is warmed up first (WARM_BATCHES per row), and each round measures the page's rows
// and their floors over BATCHES_PER_ROUND batches in a rotating order; the first batches after
// start are reported apart.
//
// Usage: npm run build && node bench/sign-batch-workstation.bench.mjs [--quick]
//        KYSO_BENCH_ROWS=token: only row (b)'s page, in process and from a worker, and its floor (for A/B runs of that path).
//        KYSO_BENCH_ROWS=credential: only row (a)'s page, in process and from a worker, and its floor (for A/B runs of that path).
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { multipartBody } from './lean-multipart-client.mjs';
import {
  completeGroup,
  credentialBatch,
  expectOk,
  httpClient,
  prepareGroup,
  tokenBatch as tokenPageBatch,
} from './workstation-page-client.mjs';
import { registerSubscriber } from './registered-subscriber.mjs';
import { startInProcessService } from './in-process-service.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
// Each round measures the page's rows and their floors over this many batches back to back (a
// batch of 50 takes about 20 ms: one alone is at the mercy of one GC pause or one preemption).
const BATCHES_PER_ROUND = 4;
// The service is warmed up first as one that has been signing for a while: V8 compiles the
// signing path's functions over the first thousands of documents (measured here: the page's
// batches took about 40 ms each at first, and settled near 25 ms after some 40 batches).
const WARM_BATCHES = quick ? 20 : 40;
// The page's batches measured apart right after start (after two batches), before the warm-up:
// what the first official of the morning sees.
const COLD_BATCHES = 5;
const ONLY = process.env.KYSO_BENCH_ROWS;
if (ONLY !== undefined && ONLY !== 'token' && ONLY !== 'credential') throw new Error('KYSO_BENCH_ROWS is token or credential');
const allRows = ONLY === undefined;
const credentialRows = allRows || ONLY === 'credential';
const tokenRows = allRows || ONLY === 'token';
const DOCS = 50;
const PIN = '246810';
const TOKEN_PIN = '123456';
const CREDENTIAL_GROUP_FILES = 25; // files per POST /api/v1/sign/batch (workstation.js CREDENTIAL_GROUP_FILES)
const FORMER_CHUNK_FILES = 10; // the former page's groups with a server-held credential
const CREDENTIAL_IN_FLIGHT = 2; // POST /api/v1/sign/batch requests at once (workstation.js CREDENTIAL_IN_FLIGHT)
// Files per prepare/batch, agent call and complete/batch in group g (workstation.js tokenGroupFiles): 5, 15, then 20 each,
// a last group of 10 or more split so that its last TOKEN_LAST_GROUP_FILES go alone (workstation.js tokenGroups): 50 files go as 5, 15, 20, 5, 5
const TOKEN_GROUP_FILES = [5, 15, 20];
const TOKEN_LAST_GROUP_FILES = 5;
const FORMER_TOKEN_GROUP_FILES = 25; // the former page's groups, around one agent POST /v1/sign/batch
const MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((p) => existsSync(p));
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const { setTimingSink } = await dist('core/timing.js');

const json = (r) => JSON.parse(r.body.toString('utf8'));
const jsonOrNothing = (r) => (r.body.length ? json(r) : {});

let service;
let api;
let agentApi;
let agentProcess;
let lib;
let session;
const workers = [];
const work = mkdtempSync(join(tmpdir(), 'kyso-ws-bench-'));
try {
  if (!MODULE) throw new Error('SoftHSM2 is not installed (libsofthsm2.so)');
  service = await startInProcessService('workstation');
  const { ctx, pki, adminToken, server } = service;
  const origin = server.url;
  api = httpClient(origin, 6); // a browser's connections per host
  const bearer = (token) => ({ authorization: `Bearer ${token}` });
  const callJson = async (method, path, token, body) =>
    json(
      expectOk(
        await api.request(
          method,
          path,
          { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
          body ? Buffer.from(JSON.stringify(body)) : undefined,
        ),
        `${method} ${path}`,
      ),
    );

  // The official and their organization, registered by the RA, with a server-held RSA-2048 credential.
  const subscriber = (...a) => registerSubscriber(ctx.store, ...a);
  await subscriber('org_bench', 'organization', 'Ủy ban nhân dân xã Bench', 'MST:5700100217');
  await subscriber('off_bench', 'individual', 'Nguyễn Văn An', 'CCCD:022198001234', 'org_bench');
  const subject = { commonName: 'Nguyễn Văn An', organization: 'UBND xã Bench', uids: ['CCCD:022198001234'] };
  const admin = { id: 'bench-admin', role: 'admin' };
  const cert = await pki.issuance.issue(admin, {
    profile: 'individual',
    subscriberId: 'off_bench',
    subject,
    key: { pkcs12Password: 'unused-p12', generate: { type: 'rsa', bits: 2048 }, keepKey: true },
  });
  const token = async (role, scope) => (await callJson('POST', '/api/v1/tokens', adminToken, { role, ...scope })).token;
  const raOfficer = await token('ra-officer', { organizationId: 'org_bench' });
  const signer = await token('signer', { organizationId: 'org_bench', officialId: 'off_bench' });
  const req = await callJson('POST', '/api/v1/credentials', adminToken, { certificateId: cert.certificate.id, ownerId: 'off_bench' });
  const ok = await callJson('POST', `/api/v1/credential-requests/${req.id}/approve`, raOfficer);
  await callJson('POST', `/api/v1/credentials/${ok.credentialId}/activate`, signer, { activationCode: ok.activationCode, pin: PIN });
  const credentialId = ok.credentialId;

  // The same official's USB token: an RSA-2048 key imported into a fresh SoftHSM2 token, its
  // certificate (issued by the service's CA from a CSR) and the CA certificates beside it.
  const tokenDir = join(work, 'softhsm');
  mkdirSync(join(tokenDir, 'tokens'), { recursive: true });
  writeFileSync(
    join(tokenDir, 'softhsm2.conf'),
    `directories.tokendir = ${join(tokenDir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { ...process.env, SOFTHSM2_CONF: join(tokenDir, 'softhsm2.conf') };
  process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF; // for the floor's own pkcs11js below
  const run = (cmd, args) => execFileSync(cmd, args, { env, stdio: 'pipe' });
  run('softhsm2-util', ['--init-token', '--free', '--label', 'bench-usb', '--so-pin', '87654321', '--pin', TOKEN_PIN]);
  const { privateKey: usbKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(tokenDir, 'key.pem');
  writeFileSync(keyFile, usbKey.export({ type: 'pkcs8', format: 'pem' }));
  const csr = run('openssl', ['req', '-new', '-key', keyFile, '-subj', '/CN=bench', '-outform', 'DER']);
  run('softhsm2-util', ['--import', keyFile, '--token', 'bench-usb', '--label', 'signing key', '--id', '01', '--pin', TOKEN_PIN]);
  rmSync(keyFile);
  const onToken = await pki.issuance.issue(admin, { profile: 'individual', subscriberId: 'off_bench', subject, key: { csr } });
  [onToken.der, ...onToken.chain].forEach((der, i) => {
    const f = join(tokenDir, `cert-${i}.der`);
    writeFileSync(f, der);
    run('pkcs11-tool', [
      '--module',
      MODULE,
      '--token-label',
      'bench-usb',
      '--login',
      '--pin',
      TOKEN_PIN,
      '--write-object',
      f,
      '--type',
      'cert',
      '--id',
      (i + 1).toString(16).padStart(2, '0'),
    ]);
  });

  // `kyso agent` as the official runs it, paired with and trusted for the page's origin.
  agentProcess = spawn(
    process.execPath,
    [join(root, 'bin', 'kyso.js'), 'agent', '--module', MODULE, '--port', '0', '--allow-origin', origin, '--auto-approve-origin', origin],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The agent prints a line per signed document: only the last few kilobytes are kept (for an
  // error message), and the port is looked for only until it is found.
  let agentOut = '';
  let listening = false;
  const agentPort = await new Promise((resolve, reject) => {
    const onData = (d) => {
      agentOut = (agentOut + d.toString('utf8')).slice(-4096);
      const m = !listening && /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(agentOut);
      if (m) {
        listening = true;
        resolve(Number(m[1]));
      }
    };
    agentProcess.stdout.on('data', onData);
    agentProcess.stderr.on('data', onData);
    agentProcess.once('exit', (code) => reject(new Error(`agent exited (${code}): ${agentOut}`)));
  });
  agentApi = httpClient(`http://127.0.0.1:${agentPort}`, 2); // the page keeps two agent calls in flight
  const fromPage = { origin };
  const agentCall = async (method, path, body) =>
    jsonOrNothing(
      expectOk(
        await agentApi.request(
          method,
          path,
          { ...fromPage, ...(body ? { 'content-type': 'application/json' } : {}) },
          body ? Buffer.from(JSON.stringify(body)) : undefined,
        ),
        `agent ${method} ${path}`,
      ),
    );
  // The page lists the certificates once when the official chooses the token.
  const usbCert = (await agentCall('GET', '/v1/certificates')).certificates[0];

  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const pdfs = [];
  for (let i = 0; i < DOCS; i++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    doc.addPage([595, 842]).drawText(`Ket qua so ${i + 1}`, { x: 50, y: 780, size: 14, font });
    pdfs.push(Buffer.from(await doc.save({ useObjectStreams: false })));
  }
  // workstation.js commonOptions() with the level B-B and an invisible signature, then form().
  const common = { level: 'B-B', reason: 'bench' };
  const form = (i, options) =>
    multipartBody([
      { name: 'options', data: JSON.stringify(options) },
      { name: 'pdf', filename: `d${i}.pdf`, type: 'application/pdf', data: pdfs[i] },
    ]);
  const postForm = async (path, { body, contentType }) =>
    expectOk(await api.request('POST', path, { ...bearer(signer), 'content-type': contentType, accept: 'application/pdf' }, body), path);

  // (a) the page's batch (./workstation-page-client.mjs): one authorization, the files in groups
  // of CREDENTIAL_GROUP_FILES through POST /api/v1/sign/batch, CREDENTIAL_IN_FLIGHT at a time,
  // the authorization spent. Sent from the bench's own process, sharing the server's event loop
  // (as the other HTTP benches do), and for comparison from a worker thread, as from a browser on
  // the official's PC (its CPU still counted in the process's, on the same two cores). The former
  // page sent groups of FORMER_CHUNK_FILES and revoked the authorization even when spent.
  // `perFile` is one authorization with one POST /api/v1/sign per file (the route a single
  // document uses), revoked at the end.
  const pageBatch = { signer, credentialId, pin: PIN, pdfs, options: common, inFlight: CREDENTIAL_IN_FLIGHT };
  const page = { ...pageBatch, groupFiles: CREDENTIAL_GROUP_FILES, revokeSpent: false };
  const former = { ...pageBatch, groupFiles: FORMER_CHUNK_FILES, revokeSpent: true };
  /**
   * A worker thread running one kind of batch per message (./workstation-page-worker.mjs) →
   * () => one entry per signed file; `onAnswer` sees each answer.
   */
  const onWorker = async (kind, batch, extra = {}, onAnswer = () => undefined) => {
    const worker = new Worker(new URL('./workstation-page-worker.mjs', import.meta.url));
    workers.push(worker);
    const ask = (m) =>
      new Promise((resolve, reject) => {
        worker.once('message', (r) => (r.error ? reject(new Error(r.error)) : resolve(r)));
        worker.postMessage(m);
      });
    await ask({ base: origin, maxSockets: 6, kind, batch, ...extra });
    return async () => {
      const answer = await ask({ run: true });
      onAnswer(answer);
      return Array(answer.signed).fill(true);
    };
  };
  const credentialPage = () => credentialBatch(api, page);
  const credentialFormer = () => credentialBatch(api, former);
  const credentialWorker = await onWorker('credential', page);
  const authorize = async () =>
    callJson('POST', `/api/v1/credentials/${credentialId}/authorizations`, signer, {
      pin: PIN,
      documents: DOCS,
      ttlSeconds: Math.min(3600, 60 + 5 * DOCS),
    });
  const revoke = async (a) =>
    expectOk(
      await api.request('DELETE', `/api/v1/credentials/${credentialId}/authorizations/${a.authorizationId}`, bearer(signer)),
      'revoke',
    );
  const perFile = async () => {
    const a = await authorize();
    const out = [];
    try {
      for (let i = 0; i < DOCS; i++)
        out.push(
          (await postForm('/api/v1/sign', form(i, { ...common, signer: { kind: 'credential', authorizationId: a.authorizationId } }))).body,
        );
    } finally {
      await revoke(a);
    }
    return out;
  };
  // The former page: every file with the PIN.
  const pinPerFile = async () => {
    const out = [];
    for (let i = 0; i < DOCS; i++)
      out.push((await postForm('/api/v1/sign', form(i, { ...common, signer: { kind: 'credential', credentialId, pin: PIN } }))).body);
    return out;
  };
  // What the token floor signs: the signed attributes of the latest page batch.
  const signedAttributes = [];
  // (b) the page's batch with the token (./workstation-page-client.mjs tokenBatch), from the
  // bench's own process, and for comparison from a worker thread as from the official's browser.
  // The token floor signs the signed attributes of the latest batch.
  const tokenPage = { signer, origin, pdfs, options: common, certificate: usbCert, pin: TOKEN_PIN, lastGroupFiles: TOKEN_LAST_GROUP_FILES };
  const keepSignedAttributes = (b64s) => b64s.forEach((b64, i) => (signedAttributes[i] = Buffer.from(b64, 'base64')));
  const tokenPipeline = async () => {
    const r = await tokenPageBatch(api, agentApi, {
      ...tokenPage,
      groupFiles: (g) => TOKEN_GROUP_FILES[Math.min(g, TOKEN_GROUP_FILES.length - 1)],
    });
    keepSignedAttributes(r.signedAttributes);
    return r.out;
  };
  const tokenWorker = await onWorker(
    'token',
    { ...tokenPage, groupFiles: TOKEN_GROUP_FILES },
    { agentBase: `http://127.0.0.1:${agentPort}` },
    (answer) => keepSignedAttributes(answer.signedAttributes),
  );
  // The former page: FORMER_TOKEN_GROUP_FILES per prepare/batch, one agent POST /v1/sign/batch for
  // the 50 (one confirmation, one login), FORMER_TOKEN_GROUP_FILES per complete/batch, in sequence.
  // `tokenPerFile` is the first page: prepare → /v1/sign → complete for every file.
  const tokenBatch = async () => {
    const prepared = [];
    for (let from = 0; from < DOCS; from += FORMER_TOKEN_GROUP_FILES)
      prepared.push(
        ...(await prepareGroup(
          api,
          signer,
          pdfs,
          [...Array(Math.min(FORMER_TOKEN_GROUP_FILES, DOCS - from)).keys()].map((k) => from + k),
          { ...common, certificates: usbCert.chain },
        )),
      );
    const { signatures } = await agentCall('POST', '/v1/sign/batch', {
      certificateId: usbCert.id,
      algorithm: prepared[0].session.algorithm,
      items: prepared.map((p) => ({ documentName: `d${p.i}.pdf`, signedAttributes: p.session.signedAttributes, digest: p.session.digest })),
      pin: TOKEN_PIN,
    });
    const out = [];
    for (let from = 0; from < DOCS; from += FORMER_TOKEN_GROUP_FILES)
      out.push(
        ...(await completeGroup(
          api,
          signer,
          prepared
            .slice(from, from + FORMER_TOKEN_GROUP_FILES)
            .map((p, k) => ({ sessionId: p.session.sessionId, signature: signatures[from + k] })),
          'application/json',
        )),
      );
    return out;
  };
  const tokenPerFile = async () => {
    const out = [];
    for (let i = 0; i < DOCS; i++) {
      const prepared = json(await postForm('/api/v1/sign/prepare', form(i, { ...common, certificates: usbCert.chain })));
      const { signature } = await agentCall('POST', '/v1/sign', {
        certificateId: usbCert.id,
        algorithm: prepared.algorithm,
        signedAttributes: prepared.signedAttributes,
        digest: prepared.digest,
        documentName: `d${i}.pdf`,
        pin: TOKEN_PIN,
      });
      const done = await api.request(
        'POST',
        '/api/v1/sign/complete',
        { ...bearer(signer), 'content-type': 'application/json', accept: 'application/pdf' },
        Buffer.from(JSON.stringify({ sessionId: prepared.sessionId, signature })),
      );
      out.push(expectOk(done, 'complete').body);
    }
    return out;
  };

  // Floors. (a) the API bench's loop; (b) the token's own signatures on one logged-in session.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const softwareFloor = async () => {
    const out = [];
    for (const pdf of pdfs) out.push(Buffer.concat([pdf, nodeSign('sha256', createHash('sha256').update(pdf).digest(), privateKey)]));
    return out;
  };
  const pkcs11 = createRequire(join(root, 'package.json'))('pkcs11js');
  lib = new pkcs11.PKCS11();
  lib.load(MODULE);
  lib.C_Initialize();
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === 'bench-usb');
  session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  lib.C_Login(session, pkcs11.CKU_USER, TOKEN_PIN);
  lib.C_FindObjectsInit(session, [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY },
    { type: pkcs11.CKA_ID, value: Buffer.from([1]) },
  ]);
  const [keyHandle] = lib.C_FindObjects(session, 1);
  lib.C_FindObjectsFinal(session);
  const tokenFloor = async () => {
    const out = [];
    for (let i = 0; i < DOCS; i++) {
      const digest = createHash('sha256').update(pdfs[i]).digest();
      lib.C_SignInit(session, { mechanism: pkcs11.CKM_SHA256_RSA_PKCS }, keyHandle);
      out.push(Buffer.concat([digest, lib.C_Sign(session, signedAttributes[i], Buffer.alloc(512))]));
    }
    return out;
  };

  // CPU time per batch of this process (server and client) and of the agent: unlike the wall time
  // it hardly depends on what else the machine runs, and it shows which overlaps a free second
  // core could give (the agent's work beside the server's). The agent's from /proc (Linux, ticks
  // of 10 ms).
  const agentCpuMs = () => {
    try {
      const f = readFileSync(`/proc/${agentProcess.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return NaN;
    }
  };
  const cpu = {};
  /** Documents per second over `batches` batches of `f` back to back; with `name`, their CPU per batch is kept. */
  const rate = async (f, name, batches = 1) => {
    const c0 = process.cpuUsage();
    const a0 = agentCpuMs();
    const t = performance.now();
    for (let b = 0; b < batches; b++) {
      const out = await f();
      if (out.length !== DOCS || out.some((x) => !x)) throw new Error('a batch lost documents');
    }
    const wall = performance.now() - t;
    if (name) {
      const c = process.cpuUsage(c0);
      (cpu[name] ??= { self: [], agent: [] }).self.push((c.user + c.system) / 1000 / batches);
      cpu[name].agent.push((agentCpuMs() - a0) / batches);
    }
    return (DOCS * batches) / (wall / 1000);
  };
  const names = [
    'credential',
    'credentialFormer',
    'credentialWorker',
    'perFile',
    'pinPerFile',
    'token',
    'tokenFormer',
    'tokenWorker',
    'tokenPerFile',
  ];
  const rows = Object.fromEntries([...names, 'softwareFloor', 'tokenFloor'].map((n) => [n, []]));
  const ratios = Object.fromEntries(
    [...names, 'credentialAfterPin', 'credentialFormerAfterPin', 'credentialWorkerAfterPin'].map((n) => [n, []]),
  );
  const pinMs = [];
  let pin = 0;
  setTimingSink((phase, wallMs) => {
    if (phase === 'pin-hash') pin += wallMs;
  });
  /**
   * Documents per second of `batches` batches with one PIN check each, and the same without the
   * checks' time; the PIN check per batch is kept.
   */
  const withPin = async (f, name, batches = 1) => {
    pin = 0;
    const r = await rate(f, name, batches);
    pinMs.push(pin / batches);
    const docs = DOCS * batches;
    return [r, docs / (docs / r - pin / 1000)];
  };
  const add = (name, docs, floor) => {
    rows[name].push(docs);
    ratios[name].push(docs / floor);
  };
  // Two first batches of every row (they also fill the signed attributes the token floor signs),
  // the first batches after start, the warm-up, then interleaved rounds so that every row sees the
  // same machine load.
  for (let i = 0; i < 2; i++) {
    if (credentialRows) await credentialPage();
    if (allRows) {
      await credentialFormer();
      await perFile();
    }
    if (tokenRows) await tokenPipeline();
    if (allRows) {
      await tokenBatch();
      await tokenPerFile();
    }
    if (credentialRows) await softwareFloor();
    if (tokenRows) await tokenFloor();
  }
  if (allRows) await pinPerFile();
  // The first batches after start, before the warm-up (each beside its floor).
  const cold = { credential: [], token: [] };
  for (let k = 0; k < COLD_BATCHES; k++) {
    if (credentialRows) {
      const sf = await rate(softwareFloor);
      cold.credential.push((await rate(credentialPage)) / sf);
    }
    if (tokenRows) {
      const tf = await rate(tokenFloor);
      cold.token.push((await rate(tokenPipeline)) / tf);
    }
  }
  for (let k = 0; k < WARM_BATCHES; k++) {
    if (credentialRows) {
      await credentialPage();
      await credentialWorker();
    }
    if (allRows) await credentialFormer();
    if (tokenRows) {
      await tokenPipeline();
      await tokenWorker();
    }
    if (allRows) await tokenBatch();
  }
  const B = BATCHES_PER_ROUND;
  /** Runs `steps` in turn, starting at step `i` (mod their number): round i's order. */
  const rotated = async (i, steps) => {
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]();
  };
  for (let i = 0; i < ROUNDS; i++) {
    // Each round starts one row further on, so that every row runs at every place in the order
    // (a row kept right after the floor's loop is measured in that place's conditions).
    if (credentialRows) {
      let sf;
      const measured = {};
      await rotated(i, [
        async () => (sf = await rate(softwareFloor, undefined, B)),
        async () => (measured.credential = await withPin(credentialPage, 'credential', B)),
        async () => (measured.credentialWorker = await withPin(credentialWorker, 'credentialWorker', B)),
        ...(allRows ? [async () => (measured.credentialFormer = await withPin(credentialFormer, 'credentialFormer', B))] : []),
      ]);
      rows.softwareFloor.push(sf);
      for (const [name, [r, withoutPin]] of Object.entries(measured)) {
        add(name, r, sf);
        ratios[`${name}AfterPin`].push(withoutPin / sf);
      }
    }
    if (tokenRows) {
      let tf;
      const measured = {};
      await rotated(i, [
        async () => (tf = await rate(tokenFloor, undefined, B)),
        async () => (measured.token = await rate(tokenPipeline, 'token', B)),
        async () => (measured.tokenWorker = await rate(tokenWorker, 'tokenWorker', B)),
        ...(allRows ? [async () => (measured.tokenFormer = await rate(tokenBatch, 'tokenFormer', B))] : []),
      ]);
      rows.tokenFloor.push(tf);
      for (const [name, r] of Object.entries(measured)) add(name, r, tf);
      if (allRows) add('tokenPerFile', await rate(tokenPerFile, 'tokenPerFile'), tf);
    }
    if (allRows) {
      const sf = rows.softwareFloor.at(-1);
      add('pinPerFile', await rate(pinPerFile, 'pinPerFile'), sf);
      add('perFile', await rate(perFile, 'perFile'), sf);
    }
  }
  const pct = (x) => `${(100 * x).toFixed(0)}%`;
  const f0 = (x) => x.toFixed(0);
  console.log(
    `Batch signing through the workstation (the requests of web/static/js/workstation.js, ${DOCS} one-page PDFs, PAdES B-B, invisible signature, SQLite, loopback; the ratio is the median of the rounds' own ratios, each round measuring its floor beside it, the page's rows and the floors over ${B} batches back to back; median of ${ROUNDS} rounds after a warm-up of ${WARM_BATCHES} batches per row; ${cpus().length} CPUs; Node ${process.version}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; ${new Date().toISOString()})\n`,
  );
  console.log(
    '| method | workstation documents/s | floor documents/s | workstation / floor | goal | PIN check per batch | workstation / floor without the PIN check | CPU ms per batch: server + client / agent |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const row = (label, name, floor, goal, pinCol, noPin = '—') =>
    cpu[name] &&
    console.log(
      `| ${label} | ${f0(median(rows[name]))} | ${f0(median(rows[floor]))} | ${pct(median(ratios[name]))} | ${goal} | ${pinCol} | ${noPin} | ${f0(median(cpu[name].self))} / ${f0(median(cpu[name].agent))} |`,
    );
  row(
    `(a) server-held RSA-2048 credential: one authorization per batch, ${CREDENTIAL_GROUP_FILES} files per POST /api/v1/sign/batch, ${CREDENTIAL_IN_FLIGHT} requests in flight, the authorization spent by the batch (floor: single-threaded hash + RSA sign + signed file)`,
    'credential',
    'softwareFloor',
    '≥ 80%',
    `${median(pinMs)?.toFixed(2)} ms`,
    pct(median(ratios.credentialAfterPin)),
  );
  row(
    `(a) former page: ${FORMER_CHUNK_FILES} files per POST /api/v1/sign/batch, ${CREDENTIAL_IN_FLIGHT} in flight, then a DELETE of the spent authorization (same floor)`,
    'credentialFormer',
    'softwareFloor',
    '—',
    'once',
    pct(median(ratios.credentialFormerAfterPin)),
  );
  row(
    `(a) the same requests sent from a worker thread, as from a browser on another PC (same floor)`,
    'credentialWorker',
    'softwareFloor',
    '—',
    'once',
    pct(median(ratios.credentialWorkerAfterPin)),
  );
  row('(a) one authorization, POST /api/v1/sign per file (same floor)', 'perFile', 'softwareFloor', '—', 'once');
  row('(a) first page: the PIN with every file (same floor)', 'pinPerFile', 'softwareFloor', '—', 'one per file');
  row(
    `(b) SoftHSM2 token through \`kyso agent\` (another process): one declared agent batch (POST /v1/sign/batches: one login), groups of 5, 15, 20, 5, 5 in a three-stage pipeline (prepare/batch of g + 2 ‖ agent POST /v1/sign/batches/{id} of g and g + 1 ‖ complete/batch of g − 1 once g + 1 is prepared), opened beside the first prepare (floor: hash + the token's own RSA-2048 signatures of the same signed attributes on one logged-in session)`,
    'token',
    'tokenFloor',
    '≥ 80%',
    'one token login per batch',
  );
  row(
    `(b) former page: ${FORMER_TOKEN_GROUP_FILES} per prepare/batch → one agent POST /v1/sign/batch → ${FORMER_TOKEN_GROUP_FILES} per complete/batch, in sequence (same floor)`,
    'tokenFormer',
    'tokenFloor',
    '—',
    'one token login per batch',
  );
  row(
    `(b) the same requests sent from a worker thread, as from the official's browser (same floor)`,
    'tokenWorker',
    'tokenFloor',
    '—',
    'one token login per batch',
  );
  row(
    '(b) first page: prepare → agent /v1/sign → complete per file (same floor)',
    'tokenPerFile',
    'tokenFloor',
    '—',
    'one token login per file',
  );
  const coldLine = (what, xs) =>
    xs.length && console.log(`- ${what}: ${pct(median(xs))} of the floor (median of ${xs.length} batches, each beside its floor).`);
  console.log(
    `\nRight after start (batches 3 to ${2 + COLD_BATCHES} of a fresh service, before the warm-up; V8 still compiling the signing path):\n`,
  );
  coldLine('(a) the page with a server-held credential', cold.credential);
  coldLine('(b) the page with the token through `kyso agent`', cold.token);
} finally {
  api?.close();
  agentApi?.close();
  await Promise.all(workers.map((w) => w.terminate()));
  try {
    if (session) lib.C_Logout(session);
    lib?.C_Finalize();
  } catch {
    /* already closed */
  }
  if (agentProcess && agentProcess.exitCode === null) {
    const exited = new Promise((r) => agentProcess.once('exit', r));
    agentProcess.kill('SIGTERM');
    await exited;
  }
  await service?.close();
  rmSync(work, { recursive: true, force: true });
}
