#!/usr/bin/env node
// Benchmark for the audit log as an RFC 9162 Merkle tree (src/audit, src/store/adapters/audit-log.ts):
//  1. events appended per second on SQLite and PostgreSQL (one at a time: one transaction each;
//     and 64 at once: group commit), next to the floor of a bare one-row INSERT in its own
//     transaction on the same database in the same run; and how fast the tree catches up with those
//     appends afterwards (the nodes are derived from the events on first need, docs/audit.md);
//  2. the audit share of a certificate issuance over the SQLite store: the same issuance with the
//     real audit log and with a sink that drops events, rounds interleaved, the order alternating
//     (goal < 10%), given three ways: ratio of the medians, median of the rounds' own shares, and
//     the cost share (trimmed means) with its 95% interval from a paired bootstrap over the rounds;
//  3. proof generation at 1,000,000 events (SQLite): inclusion and consistency proofs for random
//     sizes, median ms; the tree table is filled directly with the real hashes of 1M records.
// Times are wall clock (commits wait for the disk); medians of rounds.
//
// Usage: npm run build && node bench/audit.bench.mjs [--quick]   (or: npm run bench -- audit)
// PostgreSQL rows need KYSO_TEST_PG_ADMIN (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { openStore } = await import(dist('store/index.js'));
const { AuditProofs } = await import(dist('audit/proofs.js'));
const { auditLeafHash, recordFrom, GENESIS_HASH } = await import(dist('audit/chain.js'));
const { completedNodes } = await import(dist('audit/merkle.js'));
const { sql } = await import('kysely');

const quick = process.argv.includes('--quick');
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ev = (i) => ({ actor: 'token:bench', role: 'admin', action: 'bench.event', target: `t-${i}`, outcome: 'success', details: { i } });
const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'kyso-audit-bench-'));

async function perSecond(fn, n, rounds = 5) {
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn(n);
    out.push((n * 1000) / (performance.now() - t0));
  }
  return median(out);
}

// The floor: one INSERT of a row of similar size in its own write transaction, on a second
// connection pool to the same database (the store does not expose its own).
async function appendRates(label, store, config) {
  const { createDatabase } = await import(dist('store/database.js'));
  const { db } = createDatabase(config);
  await sql`CREATE TABLE bench_floor (id integer primary key, body text not null)`.execute(db);
  const n = quick ? 100 : 400;
  let k = 0;
  const floor = await perSecond(async (m) => {
    for (let i = 0; i < m; i++) {
      const id = k++;
      await db
        .transaction()
        .execute((trx) => sql`INSERT INTO bench_floor (id, body) VALUES (${id}, ${JSON.stringify(ev(id))})`.execute(trx));
    }
  }, n);
  await db.destroy();
  let j = 0;
  const single = await perSecond(async (m) => {
    for (let i = 0; i < m; i++) await store.audit.append(ev(j++));
  }, n);
  const grouped = await perSecond(async (m) => {
    for (let i = 0; i < m; i += 64) await Promise.all(Array.from({ length: 64 }, () => store.audit.append(ev(j++))));
  }, n * 4);
  const t0 = performance.now();
  const { treeSize } = await new AuditProofs(store.auditTree).root();
  const catchUp = (treeSize * 1000) / (performance.now() - t0);
  rows.push([`${label}: one event per transaction`, single, floor]);
  rows.push([`${label}: 64 concurrent appends (group commit)`, grouped, floor]);
  rows.push([`${label}: tree catch-up after them (events hashed into the tree)`, catchUp, floor]);
}

// 1. append rates
{
  const config = { dialect: 'sqlite', filename: join(dir, 'append.sqlite') };
  const store = await openStore(config);
  await appendRates('SQLite', store, config);
  await store.close();
}
const PG_ADMIN = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let pg;
try {
  pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.end();
} catch {
  pg = undefined;
  console.log('(PostgreSQL not reachable: PostgreSQL rows skipped)');
}
if (pg) {
  const name = `kyso_bench_${randomBytes(5).toString('hex')}`;
  const admin = async (q) => {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  try {
    const config = { dialect: 'postgres', url: PG_ADMIN.replace(/\/[^/]*$/, `/${name}`) };
    const store = await openStore(config);
    await appendRates('PostgreSQL', store, config);
    await store.close();
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

// 2. audit share of a certificate issuance (SQLite store, the default CA key: P-384; RSA-2048 subscriber key from a CSR)
let share;
{
  const { generateKeyPairSync, sign: nodeSign } = await import('node:crypto');
  const der = await import(dist('core/der.js'));
  const { MemoryKeyStore } = await import(dist('pki/testing/memory-key-store.js'));
  const { CaRegistry } = await import(dist('pki/ca-registry.js'));
  const { IssuanceService } = await import(dist('pki/issuance-service.js'));
  const { ensureHierarchy } = await import(dist('pki/ca-bootstrap.js'));
  const { DEFAULT_PKI_CONFIG } = await import(dist('pki/config.js'));
  const { systemClock } = await import(dist('core/clock.js'));
  const csr = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const info = der.seq(der.int(0), der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.utf8('bench')))), spki, der.tlv(0xa0, []));
    return der.seq(info, der.algId('1.2.840.113549.1.1.11', 'null'), der.bits(nodeSign('sha256', info, privateKey)));
  };
  const csrs = Array.from({ length: 8 }, csr);
  // as `kyso serve` opens it: SQLite's checkpoints on their worker thread
  const { SERVICE_WAL_CHECKPOINT_MS } = await import(dist('store/index.js'));
  const store = await openStore(
    { dialect: 'sqlite', filename: join(dir, 'issue.sqlite') },
    { walCheckpointIntervalMs: SERVICE_WAL_CHECKPOINT_MS },
  );
  const keys = new MemoryKeyStore();
  const config = DEFAULT_PKI_CONFIG;
  const cas = new CaRegistry(store.cas, keys, config.baseUrl);
  const make = (st, audit) => new IssuanceService({ store: st, keys, audit, clock: systemClock, cas, config });
  const withAudit = make(store, store.audit);
  // The baseline drops events both outside and inside the store's transactions (the issuance
  // appends its events in the transactions that record the pending and the issued row).
  const drop = { append: async () => undefined };
  const dropping = { ...store, transaction: (fn) => store.transaction((repos) => fn({ ...repos, audit: drop })) };
  const without = make(dropping, drop);
  await ensureHierarchy({ store, keys, audit: store.audit, clock: systemClock, cas, issuance: withAudit, config });
  const subject = {
    commonName: 'Nguyễn Văn An',
    organization: 'UBND tỉnh Quảng Ninh',
    province: 'Quảng Ninh',
    uids: ['CCCD:001204567890'],
  };
  const actor = { id: 'bench', role: 'admin' };
  let i = 0;
  const cpu = [[], []];
  const issueMs = async (svc, n, slot) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) await svc.issue(actor, { profile: 'individual', subject, key: { csr: csrs[i++ % 8] } });
    const c = process.cpuUsage(c0);
    if (slot !== undefined) cpu[slot].push((c.user + c.system) / 1000 / n);
    return (performance.now() - t0) / n;
  };
  await issueMs(withAudit, 10);
  await issueMs(without, 10);
  const a = [];
  const b = [];
  // Short blocks, many rounds: a burst of load from another process spans few blocks of either side.
  const n = 10;
  // Each round measures both, the order alternating (with first, then without first), so a load
  // that rises or falls during the run weighs on both alike; the share is also given as the median
  // of the rounds' own shares (each from two blocks a few tens of ms apart), which a burst of load
  // from other processes moves less than the ratio of the two medians. Both are printed.
  const rounds = quick ? 51 : 301;
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      a.push(await issueMs(withAudit, n, 0));
      b.push(await issueMs(without, n, 1));
    } else {
      b.push(await issueMs(without, n, 1));
      a.push(await issueMs(withAudit, n, 0));
    }
  }
  const perRound = (x, y) => median(x.map((w, r) => 1 - y[r] / w));
  // The share as a cost: 1 − (mean without) / (mean with), over the rounds' blocks, with the
  // highest and lowest tenth of each side left out (a block slowed by another process). Its 95%
  // interval comes from resampling whole rounds (paired bootstrap): a round keeps its two blocks
  // together, as they ran a few milliseconds apart under the same load.
  const trimmedMean = (x) => {
    const s = [...x].sort((u, v) => u - v);
    const kept = s.slice(Math.floor(s.length / 10), s.length - Math.floor(s.length / 10));
    return kept.reduce((t, v) => t + v, 0) / kept.length;
  };
  const costShare = (x, y) => 1 - trimmedMean(y) / trimmedMean(x);
  const interval = (x, y) => {
    const draws = [];
    for (let k = 0; k < 2000; k++) {
      const xs = [];
      const ys = [];
      for (let j = 0; j < x.length; j++) {
        const r = Math.floor(Math.random() * x.length);
        xs.push(x[r]);
        ys.push(y[r]);
      }
      draws.push(costShare(xs, ys));
    }
    draws.sort((u, v) => u - v);
    return [draws[Math.floor(draws.length * 0.025)], draws[Math.floor(draws.length * 0.975)]];
  };
  const head0 = await store.auditTree.size();
  await issueMs(withAudit, 10);
  const perIssue = ((await store.auditTree.size()) - head0) / 10;
  share = {
    withMs: median(a),
    withoutMs: median(b),
    perIssue,
    withCpu: median(cpu[0]),
    withoutCpu: median(cpu[1]),
    roundWall: perRound(a, b),
    roundCpu: perRound(cpu[0], cpu[1]),
    costWall: costShare(a, b),
    costCpu: costShare(cpu[0], cpu[1]),
    intervalWall: interval(a, b),
    intervalCpu: interval(cpu[0], cpu[1]),
  };
  await store.close();
}

// 3. proofs at 1,000,000 events (SQLite): the tree table filled with the real node hashes of 1M records
let proofTimes;
{
  const N = quick ? 100_000 : 1_000_000;
  const filename = join(dir, 'million.sqlite');
  const store = await openStore({ dialect: 'sqlite', filename });
  await store.close();
  const { default: Sqlite } = await import('better-sqlite3');
  const raw = new Sqlite(filename);
  const t0 = performance.now();
  const ins = raw.prepare('INSERT INTO audit_tree (level, idx, hash) VALUES (?, ?, ?)');
  const frontier = new Map();
  let prev = GENESIS_HASH;
  const base = new Date('2026-01-01T00:00:00Z');
  raw.transaction(() => {
    for (let i = 0; i < N; i++) {
      const r = recordFrom(
        { actor: 'token:bench', role: 'admin', action: 'bench.event', target: `t-${i}`, outcome: 'success', detailsJson: null },
        i + 1,
        prev,
        base,
      );
      prev = r.hash;
      for (const nd of completedNodes(i, auditLeafHash(r), (level, index) => frontier.get(`${level}:${index}`))) {
        frontier.set(`${nd.level}:${nd.index}`, nd.hash);
        ins.run(nd.level, nd.index, nd.hash.toString('hex'));
      }
    }
    raw.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(N, prev);
  })();
  raw.close();
  const buildS = (performance.now() - t0) / 1000;
  const s2 = await openStore({ dialect: 'sqlite', filename });
  const proofs = new AuditProofs(s2.auditTree);
  const rnd = (n) => 1 + Math.floor(Math.random() * n);
  const time = async (fn) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let k = 0; k < 20; k++) await proofs.inclusion(rnd(N), N);
  const inc = [];
  const cons = [];
  for (let k = 0; k < 200; k++) {
    inc.push(await time(() => proofs.inclusion(rnd(N), N)));
    const m = rnd(N - 1);
    cons.push(await time(() => proofs.consistency(m, m + rnd(N - m))));
  }
  proofTimes = { N, buildS, inclusion: median(inc), consistency: median(cons) };
  await s2.close();
}

rmSync(dir, { recursive: true, force: true });

console.log('| audit append | events/s | floor (1-row INSERT txn)/s | ratio to floor |');
console.log('|---|---:|---:|---:|');
for (const [label, r, f] of rows) console.log(`| ${label} | ${r.toFixed(0)} | ${f.toFixed(0)} | ${(r / f).toFixed(2)} |`);
console.log('');
const pct = (1 - share.withoutMs / share.withMs) * 100;
const pctCpu = (1 - share.withoutCpu / share.withCpu) * 100;
console.log('| certificate issuance (SQLite, default P-384 CA, RSA-2048 CSR) | median wall ms | median CPU ms |');
console.log('|---|---:|---:|');
console.log(`| with the audit log (${share.perIssue} events per certificate) | ${share.withMs.toFixed(2)} | ${share.withCpu.toFixed(2)} |`);
console.log(`| events dropped instead | ${share.withoutMs.toFixed(2)} | ${share.withoutCpu.toFixed(2)} |`);
console.log(`| **audit share** (goal < 10%) | **${pct.toFixed(1)}%** | **${pctCpu.toFixed(1)}%** |`);
console.log(
  `| audit share, median of the rounds' own shares | ${(share.roundWall * 100).toFixed(1)}% | ${(share.roundCpu * 100).toFixed(1)}% |`,
);
const inInterval = (v, [lo, hi]) => `${(v * 100).toFixed(1)}% (${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}%)`;
console.log(
  `| audit share as a cost: trimmed means, 95% interval over the rounds | ${inInterval(share.costWall, share.intervalWall)} | ${inInterval(share.costCpu, share.intervalCpu)} |`,
);
console.log('');
console.log(`| proofs at ${proofTimes.N.toLocaleString('en')} events (SQLite) | median ms |`);
console.log('|---|---:|');
console.log(`| inclusion proof (random event, full tree) | ${proofTimes.inclusion.toFixed(2)} |`);
console.log(`| consistency proof (random sizes) | ${proofTimes.consistency.toFixed(2)} |`);
console.log(`| (setup: hashing ${proofTimes.N.toLocaleString('en')} records into the tree table, s) | ${proofTimes.buildS.toFixed(1)} |`);
