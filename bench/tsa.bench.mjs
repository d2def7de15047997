#!/usr/bin/env node
// Benchmark: RFC 3161 timestamps served over HTTP on loopback by the TSA core behind a
// bare node:http server (the Express route adds its own middleware cost; see the app bench),
// driven by autocannon with a fixed valid TimeStampReq. ECDSA P-256 and RSA-2048 TSA keys.
// Goals: >= 2,000/s ECDSA, >= 500/s RSA-2048. Floor: one crypto.sign per second.
//
// The server runs in a child process so autocannon does not share its event loop.
//
// Usage: npm run build && node bench/tsa.bench.mjs [--quick]
import { execFileSync, fork } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { createTimestampAuthority } = await import(dist('cms/timestamp-authority.js'));
const { encodeTimestampRequest } = await import(dist('cms/timestamp-request.js'));
const { parseTimestampResponse } = await import(dist('cms/timestamp-token.js'));
const { signWithKey } = await import(dist('core/signature-algorithms.js'));
const { systemClock } = await import(dist('core/clock.js'));

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'kyso-tsa-bench-'));
const ext = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping';

function tsaFor(kind) {
  const { privateKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, `${kind}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, `${kind}.cnf`), `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=TSA ${kind}\n[v3]\n${ext}\n`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${kind}.key`,
      '-config',
      `${kind}.cnf`,
      '-extensions',
      'v3',
      '-days',
      '30',
      '-outform',
      'DER',
      '-out',
      `${kind}.der`,
    ],
    { cwd: dir },
  );
  const algorithm = kind === 'rsa' ? 'RSA-PKCS1-SHA256' : 'ECDSA-SHA256';
  const signer = {
    algorithm,
    publicKeySpki: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    sign: async (d) => signWithKey(algorithm, privateKey, d),
  };
  return {
    privateKey,
    tsa: createTimestampAuthority({
      signer,
      certificate: readFileSync(join(dir, `${kind}.der`)),
      policyOid: '1.3.6.1.4.1.99999.1',
      clock: systemClock,
    }),
  };
}

function floorRate(key) {
  const data = Buffer.alloc(250, 1);
  for (let i = 0; i < 50; i++) nodeSign('sha256', data, key);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000) {
    nodeSign('sha256', data, key);
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

if (process.argv[2] === '--server') {
  const { tsa } = tsaFor(process.argv[3]);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      tsa.respond(Buffer.concat(chunks)).then((body) => {
        res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length });
        res.end(body);
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  const rows = [];
  for (const kind of ['p256', 'rsa']) {
    const child = fork(fileURLToPath(import.meta.url), ['--server', kind]);
    const { port } = await new Promise((r) => child.once('message', r));
    const url = `http://127.0.0.1:${port}/tsa`;
    const body = encodeTimestampRequest({ hash: 'sha256', digest: randomBytes(32), nonce: 42n, certReq: true });
    const check = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/timestamp-query' } });
    if (parseTimestampResponse(Buffer.from(await check.arrayBuffer())).status !== 0) throw new Error('TSA did not grant');
    await autocannon({
      url,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/timestamp-query' },
      connections: 16,
      duration: 1,
    }); // warm-up
    const result = await autocannon({
      url,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/timestamp-query' },
      connections: 16,
      duration: quick ? 3 : 10,
    });
    child.kill();
    const { privateKey } =
      kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rows.push([
      kind === 'rsa' ? 'RSA-2048' : 'ECDSA P-256',
      result.requests.average,
      result.latency.p50,
      result.non2xx + result.errors,
      floorRate(privateKey),
    ]);
  }
  console.log('| TSA key | timestamps/s over loopback HTTP (mean) | p50 latency ms | errors | floor: crypto.sign/s | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [k, rps, p50, errs, floor] of rows)
    console.log(`| ${k} | ${rps.toFixed(0)} | ${p50} | ${errs} | ${floor.toFixed(0)} | ${(rps / floor).toFixed(2)} |`);
  console.log(`\n(node:http + TSA core, autocannon 16 connections, node ${process.version})`);
}
