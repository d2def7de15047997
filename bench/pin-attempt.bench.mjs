#!/usr/bin/env node
// What reserving each PIN guess before the PIN is checked costs (src/signing/credential-service.ts):
// a correct PIN runs one conditional UPDATE … RETURNING (reserve) and one UPDATE (give the
// reservation back) around the check. Measured on SQLite (temp file) and, when reachable,
// PostgreSQL on 127.0.0.1, next to the check itself: the keyed verifier written today and the
// legacy scrypt verifier (src/signing/pin-hash.ts) still accepted from older rows. Prints a
// markdown table of medians.
//
// Usage: npm run build && node bench/pin-attempt.bench.mjs [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { randomBytes, scryptSync } from 'node:crypto';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openStore } = await import(pathToFileURL(join(root, 'dist/store/index.js')).href);
const { newPinVerifier, verifyPin } = await import(pathToFileURL(join(root, 'dist/signing/pin-hash.js')).href);
const { deriveMasterKey } = await import(pathToFileURL(join(root, 'dist/keys/adapters/master-key.js')).href);
const N = process.argv.includes('--quick') ? 200 : 2000;
const PG_ADMIN = process.env.KYSO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(store) {
  const now = new Date();
  const id = `cred_bench_${randomBytes(4).toString('hex')}`;
  await store.credentials.create({
    id,
    ownerId: 'bench',
    label: 'bench',
    keyUri: `kyso-key:${id}`,
    certificates: [randomBytes(800)],
    algorithm: null,
    pinHash: 'hmac-sha256$bench$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA',
    failedAttempts: 0,
    lockedAt: null,
    createdAt: now,
    updatedAt: now,
    activationCodeHash: null,
    activationExpiresAt: null,
  });
  const times = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await store.credentials.reservePinAttempt(id, 5, new Date());
    await store.credentials.resetPinFailures(id, new Date());
    times.push(performance.now() - t0);
  }
  return median(times);
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'kyso-pin-bench-'));
const sqlite = await openStore({ dialect: 'sqlite', filename: join(dir, 'bench.sqlite') });
rows.push(['SQLite', await measure(sqlite)]);
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

const db = `kyso_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_ADMIN });
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const store = await openStore({ dialect: 'postgres', url: PG_ADMIN.replace(/\/[^/]*$/, `/${db}`) });
  rows.push(['PostgreSQL', await measure(store)]);
  await store.close();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
} catch (e) {
  rows.push(['PostgreSQL', `unavailable (${e.message})`]);
} finally {
  await admin.end().catch(() => undefined);
}

const master = deriveMasterKey(randomBytes(32), 'env');
const key = { key: master.pinVerifierKey, id: master.kekId };
const keyed = newPinVerifier('246810', key);
// The form earlier releases wrote: scrypt N = 2^15, r = 8, p = 1 (RFC 7914), no key.
const salt = randomBytes(16);
const legacy = [
  'scrypt',
  1 << 15,
  8,
  1,
  salt.toString('base64'),
  scryptSync('246810', salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 }).toString('base64'),
].join('$');
const timeVerify = async (stored, n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (!(await verifyPin('246810', stored, key))) throw new Error('the PIN did not verify');
    out.push(performance.now() - t0);
  }
  return median(out);
};
const keyedMs = await timeVerify(keyed, N);
const legacyMs = await timeVerify(legacy, 20);

console.log(
  `| store | reserve + give back (median of ${N}) | keyed PIN verifier (median of ${N}) | legacy scrypt verifier (median of 20) |`,
);
console.log('|---|---|---|---|');
for (const [name, ms] of rows)
  console.log(
    `| ${name} | ${typeof ms === 'number' ? `${ms.toFixed(3)} ms` : ms} | ${keyedMs.toFixed(4)} ms | ${legacyMs.toFixed(1)} ms |`,
  );
