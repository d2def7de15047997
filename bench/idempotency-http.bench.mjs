#!/usr/bin/env node
// Benchmark: what an Idempotency-Key costs and what a replay saves, over HTTP on loopback against
// `kyso serve` (SQLite, fresh data directory). Sequential requests, medians in ms, each also as a
// ratio to the floor measured in the same run (GET /api/v1/requests/{id}: one authenticated read).
//
//   fresh, no key    POST /api/v1/requests (creates a pending certificate request)
//   fresh, with key  the same with a new Idempotency-Key each time (insert-first claim + stored answer)
//   replay           the same request and key again (answered from the stored answer)
//
// Usage: npm run build && node bench/idempotency-http.bench.mjs [--quick]
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = process.argv.includes('--quick') ? 50 : 300;
const dir = mkdtempSync(join(tmpdir(), 'kyso-idem-bench-'));
const data = join(dir, 'data');
const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

let server;
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const init = execFileSync(process.execPath, [join(root, 'bin', 'kyso.js'), 'init', '--data', data, '--public-url', base], {
    encoding: 'utf8',
  });
  const admin = /kyso_[A-Za-z0-9_-]{43}/.exec(init)[0];
  server = spawn(process.execPath, [join(root, 'bin', 'kyso.js'), 'serve', '--data', data], {
    env: { ...process.env, PORT: String(port), KYSO_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise((ok, fail) => {
    let out = '';
    const on = (b) => {
      out += b;
      if (/kyso listening on/.test(out)) ok();
    };
    server.stdout.on('data', on);
    server.stderr.on('data', on);
    server.once('exit', () => fail(new Error(out)));
  });
  const post = (path, json, key) =>
    fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': `"${key}"` } : {}) },
      body: JSON.stringify(json),
    });
  const org = await (
    await post('/api/v1/organizations', { subject: { commonName: 'Ủy ban nhân dân xã Bench', uids: ['MST:5700100217'] } })
  ).json();
  const official = await (
    await post('/api/v1/officials', {
      subject: { commonName: 'Nguyễn Văn An', uids: ['CCCD:022198001234'] },
      managingOrganizationId: org.id,
    })
  ).json();
  const body = { kind: 'new', subscriberId: official.id };
  const time = async (label, fn, expect) => {
    for (let i = 0; i < 10; i++) await (await fn()).arrayBuffer(); // warm-up
    const ms = [];
    for (let i = 0; i < N; i++) {
      const t = process.hrtime.bigint();
      const r = await fn();
      await r.arrayBuffer();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== expect) throw new Error(`${label}: ${r.status}`);
    }
    return median(ms);
  };
  const one = await (await post('/api/v1/requests', body)).json();
  const floor = await time(
    'floor',
    () => fetch(`${base}/api/v1/requests/${one.id}`, { headers: { authorization: `Bearer ${admin}` } }),
    200,
  );
  const fresh = await time('fresh', () => post('/api/v1/requests', body), 201);
  const keyed = await time('keyed', () => post('/api/v1/requests', body, randomUUID()), 201);
  const key = randomUUID();
  await (await post('/api/v1/requests', body, key)).arrayBuffer();
  const replay = await time('replay', () => post('/api/v1/requests', body, key), 201);
  const row = (label, v) => console.log(`${label.padEnd(18)} median ${v.toFixed(2).padStart(7)} ms   ${(v / floor).toFixed(2)}× floor`);
  console.log(`Idempotency-Key over HTTP, ${N} sequential requests each`);
  row('floor (one read)', floor);
  row('fresh, no key', fresh);
  row('fresh, with key', keyed);
  row('replay', replay);
  console.log(`key overhead on a fresh request: ${(keyed / fresh).toFixed(2)}×; replay vs fresh: ${(replay / fresh).toFixed(2)}×`);
} finally {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
