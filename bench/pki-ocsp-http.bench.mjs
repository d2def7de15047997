#!/usr/bin/env node
// Benchmark: OCSP responses per second over HTTP on loopback (RFC 6960 POST and
// RFC 5019 GET) against `kyso serve`, with autocannon; goal ≥ 3,000/s with p99 < 20 ms.
// The server runs in its own process on a fresh data directory (init → cert issue → serve);
// requests carry no nonce, so they are served from the responder's cache (one status read each).
// The rate limiter is opened wide for the run (it would otherwise answer most requests 429).
//
// Usage: npm run build && node bench/pki-ocsp-http.bench.mjs [--quick]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const DURATION = quick ? 3 : 10;
const dir = mkdtempSync(join(tmpdir(), 'kyso-ocsp-bench-'));
const data = join(dir, 'data');
const kyso = (...args) =>
  execFileSync(process.execPath, [join(root, 'bin', 'kyso.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

let server;
try {
  kyso('init', '--data', data);
  kyso(
    'cert',
    'issue',
    '--data',
    data,
    '--profile',
    'individual',
    '--cn',
    'Nguyễn Văn An',
    '--o',
    'UBND tỉnh Quảng Ninh',
    '--uid',
    'CCCD:001234567890',
    '--p12',
    join(dir, 'a.p12'),
    '--password',
    'bench-pw',
  );
  kyso('ca', 'export', '--data', data, '--out-dir', join(dir, 'ca'));
  execFileSync('openssl', [
    'pkcs12',
    '-in',
    join(dir, 'a.p12'),
    '-passin',
    'pass:bench-pw',
    '-nokeys',
    '-clcerts',
    '-out',
    join(dir, 'leaf.pem'),
  ]);
  execFileSync('openssl', [
    'ocsp',
    '-issuer',
    join(dir, 'ca', 'individuals.pem'),
    '-cert',
    join(dir, 'leaf.pem'),
    '-no_nonce',
    '-reqout',
    join(dir, 'req.der'),
  ]);
  const body = readFileSync(join(dir, 'req.der'));
  const port = await freePort();
  server = spawn(process.execPath, [join(root, 'bin', 'kyso.js'), 'serve', '--data', data, '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      KYSO_RATE_LIMIT: '10000000',
      KYSO_RATE_BURST: '10000000',
      KYSO_LOG_LEVEL: 'error',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/pki/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body });
      if (r.ok) break;
    } catch {
      if (i > 100) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Sanity: openssl accepts the HTTP answer before we measure it.
  writeFileSync(
    join(dir, 'resp.der'),
    Buffer.from(
      await (
        await fetch(`${base}/pki/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body })
      ).arrayBuffer(),
    ),
  );
  const check = execFileSync(
    'openssl',
    [
      'ocsp',
      '-respin',
      join(dir, 'resp.der'),
      '-resp_text',
      '-VAfile',
      join(dir, 'ca', 'ocsp-individuals.pem'),
      '-no-CApath',
      '-no-CAstore',
      '-CAfile',
      join(dir, 'ca', 'root.pem'),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (!check.includes('Cert Status: good')) throw new Error('unexpected OCSP answer');
  const run = (opts) =>
    new Promise((res, rej) => autocannon({ connections: 16, duration: DURATION, ...opts }, (e, r) => (e ? rej(e) : res(r))));
  const rows = [];
  const post = await run({ url: `${base}/pki/ocsp`, method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body });
  rows.push(['POST /pki/ocsp', post]);
  const get = await run({ url: `${base}/pki/ocsp/${encodeURIComponent(body.toString('base64'))}` });
  rows.push(['GET /pki/ocsp/{base64}', get]);
  console.log('| OCSP over HTTP (loopback, 16 connections, autocannon) | responses/s (mean) | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [n, r] of rows) console.log(`| ${n} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} |`);
} finally {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
}
