#!/usr/bin/env node
// Benchmark for src/pdf/sign: the raw cost of placing a PAdES signature
// (preparePdfSignature + digest over the byte ranges + embed of a 6 KiB CMS) on inputs of
// 2 KB (1 page), 100 pages, ~10 MB, ~50 MB and 1,000 pages, against the floor measured in the
// same run: SHA-256 of the whole file. The CMS itself (cms.bench.mjs) and the end-to-end service
// (sign.bench.mjs) are benched elsewhere. Each input runs in its own child process so peak RSS is its own.
//
// Usage: npm run build && node bench/pdf-sign.bench.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);
const quick = process.argv.includes('--quick');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function makeInputs(dir) {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const inputs = [];
  const textDoc = async (pages) => {
    const d = await PDFDocument.create();
    const font = await d.embedFont(StandardFonts.Helvetica);
    for (let i = 0; i < pages; i++)
      d.addPage([595, 842]).drawText(`Kết quả giải quyết thủ tục — trang ${i + 1}`.normalize('NFD').replace(/[^\x20-\x7e]/g, ''), {
        x: 50,
        y: 780,
        size: 12,
        font,
      });
    return d;
  };
  const blobDoc = async (mb) => {
    const d = await textDoc(3);
    // incompressible payload as one stream referenced from the catalog (stands in for scans)
    const chunk = 4 * 1024 * 1024;
    const refs = [];
    for (let left = mb * 1024 * 1024; left > 0; left -= chunk)
      refs.push(d.context.register(d.context.stream(randomBytes(Math.min(chunk, left)))));
    d.catalog.set(d.context.obj('KysoBlobs'), d.context.obj(refs));
    return d;
  };
  const save = async (name, d) => {
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, await d.save({ useObjectStreams: false }));
    inputs.push({ name, file, bytes: statSync(file).size });
  };
  await save('1 page', await textDoc(1));
  await save('100 pages', await textDoc(100));
  await save('~10 MB', await blobDoc(10));
  await save('~50 MB', await blobDoc(50));
  await save('1,000 pages', await textDoc(1000));
  return inputs;
}

/** Child: measures one input, prints JSON. */
async function child(file, iterations) {
  const { preparePdfSignature } = await import(pathToFileURL(join(root, 'dist/pdf/sign/index.js')).href);
  const pdf = readFileSync(file);
  const cms = randomBytes(6 * 1024);
  const floor = [];
  const ours = [];
  let outLen = 0;
  // Warm-up, the floor's and ours alike: at least 20 rounds and 300 ms (JIT), so the medians
  // compare steady states, as in a service that places signatures all day.
  for (let n = 0, t0 = performance.now(); n < 20 || performance.now() - t0 < 300; n++) {
    createHash('sha256').update(pdf).digest();
    preparePdfSignature(pdf, { placeholderSize: 8192, signingTime: new Date(0) }).embed(cms);
  }
  for (let i = 0; i < iterations + 2; i++) {
    let t = performance.now();
    createHash('sha256').update(pdf).digest();
    const f = performance.now() - t;
    t = performance.now();
    const p = preparePdfSignature(pdf, { placeholderSize: 8192, signingTime: new Date(0) });
    p.digest('sha256');
    const out = p.embed(cms);
    const o = performance.now() - t;
    outLen = out.length;
    if (i >= 2) {
      floor.push(f);
      ours.push(o);
    }
  }
  process.stdout.write(JSON.stringify({ floor: median(floor), ours: median(ours), outLen }));
}

/** Child: one signature only, so the peak RSS is that of a single prepare + digest + embed. */
async function memChild(file) {
  const { preparePdfSignature } = await import(pathToFileURL(join(root, 'dist/pdf/sign/index.js')).href);
  const base = process.memoryUsage().rss;
  const pdf = readFileSync(file);
  const p = preparePdfSignature(pdf, { placeholderSize: 8192, signingTime: new Date(0) });
  p.digest('sha256');
  const out = p.embed(randomBytes(6 * 1024));
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ base, peakRss, outLen: out.length }));
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-pdf-bench-'));
  const inputs = await makeInputs(dir);
  const rows = [];
  for (const inp of inputs) {
    const iterations = quick ? 3 : inp.bytes > 20e6 ? 7 : inp.bytes > 5e6 ? 11 : 51;
    const r = spawnSync(process.execPath, [self, '--child', inp.file, String(iterations)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`child failed for ${inp.name}: ${r.stderr}`);
    const m = JSON.parse(r.stdout);
    const mr = spawnSync(process.execPath, [self, '--mem', inp.file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (mr.status !== 0) throw new Error(`mem child failed for ${inp.name}: ${mr.stderr}`);
    rows.push({ ...inp, ...m, ...JSON.parse(mr.stdout) });
  }
  const mib = (b) => (b / 1048576).toFixed(1);
  console.log('\n### PDF signature placement (prepare + digest + embed), medians\n');
  console.log(
    '| input | size | floor: SHA-256 of file (ms) | ours (ms) | ratio | signatures/s | peak RSS (MiB) | peak − Node baseline (MiB) | goal: file + 64 MiB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const over = r.peakRss - r.base;
    console.log(
      `| ${r.name} | ${mib(r.bytes)} MiB | ${r.floor.toFixed(2)} | ${r.ours.toFixed(2)} | ${(r.ours / r.floor).toFixed(2)}× | ${(1000 / r.ours).toFixed(0)} | ${mib(r.peakRss)} | ${mib(over)} | ${over <= r.bytes + 64 * 1048576 ? 'met' : 'MISSED'} |`,
    );
  }
  console.log("\nOne signature per memory child; the peak above Node's baseline holds the input and the output (input + appended bytes).");
}

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]));
else if (process.argv[2] === '--mem') await memChild(process.argv[3]);
else await main();
