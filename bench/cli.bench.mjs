#!/usr/bin/env node
// Benchmark: start-up of the `kyso` command beside `node -e 0` (the floor: a Node process that
// does nothing), measured in the same run. Each case is a fresh process, spawned N times in
// rotation (so a noisy neighbour hits every case alike, as hyperfine's interleaving would);
// the table gives medians and the ratio to the floor.
//   kyso --help                       usage text only
//   kyso sign --p12 (1 page)          PKCS#12 signature of a 1-page PDF, B-B
//   kyso verify (1 page)              the signed 1-page PDF, no data directory
//
// Usage: npm run build && node bench/cli.bench.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kyso.js');
const quick = process.argv.includes('--quick');
const N = quick ? 7 : 21;
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-bench-'));
const PASSWORD = 'bench-pass';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------- inputs
const { PDFDocument, StandardFonts } = await import('pdf-lib');
const doc = await PDFDocument.create();
doc.addPage([595, 842]).drawText('Benchmark page 1', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
const pdf = join(work, 'p1.pdf');
writeFileSync(pdf, await doc.save({ useObjectStreams: false }));
const ossl = (...args) => execFileSync('openssl', args, { cwd: work, stdio: 'ignore' });
ossl(
  'req',
  '-x509',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-keyout',
  'k.pem',
  '-out',
  'c.pem',
  '-days',
  '30',
  '-subj',
  '/C=VN/O=Bench/CN=Bench Signer',
  '-addext',
  'keyUsage=critical,digitalSignature,nonRepudiation',
);
ossl('pkcs12', '-export', '-inkey', 'k.pem', '-in', 'c.pem', '-passout', `pass:${PASSWORD}`, '-out', 's.p12');

const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: join(work, 'data'), KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };
const cases = [
  { name: '`node -e 0` (floor)', args: ['-e', '0'] },
  { name: '`kyso --help`', args: [bin, '--help'] },
  {
    name: '`kyso sign --p12` (1 page)',
    args: [bin, 'sign', pdf, '--p12', join(work, 's.p12'), '--password', PASSWORD, '--out', join(work, 'signed.pdf')],
  },
  { name: '`kyso verify` (1 page)', args: [bin, 'verify', join(work, 'signed.pdf'), '--offline'], ok: [0, 2] },
];

function run(c) {
  const t = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: work, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (!(c.ok ?? [0]).includes(r.status)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.slice(0, 300)}`);
  return ms;
}

// One untimed round first: page cache, the sign case's first-run setup, the signed file for verify.
for (const c of cases) run(c);
const times = new Map(cases.map((c) => [c, []]));
for (let i = 0; i < N; i++) for (const c of cases) times.get(c).push(run(c));
rmSync(work, { recursive: true, force: true });

const floor = median(times.get(cases[0]));
console.log(
  `Start-up of the \`kyso\` command (fresh process each, median of ${N} interleaved runs; Node ${process.version}; ${new Date().toISOString()})\n`,
);
console.log('| command | median | min | ratio to `node -e 0` |');
console.log('|---|---|---|---|');
for (const c of cases) {
  const t = times.get(c);
  console.log(`| ${c.name} | ${median(t).toFixed(0)} ms | ${Math.min(...t).toFixed(0)} ms | ${(median(t) / floor).toFixed(1)}× |`);
}
console.log('\nGoals: `kyso --help` within 4× of `node -e 0`; a 1-page `kyso sign --p12` within 300 ms.');
