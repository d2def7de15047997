#!/usr/bin/env node
// Benchmark: PAdES signing side by side on the same inputs (generated with pdf-lib into
// os.tmpdir()): our signer (dist/), @signpdf/signpdf 3.x with its P12 signer and plain
// placeholder, @libpdf/core with its P12 signer, and the floor (SHA-256 of the file + one
// native RSA-2048 signature). Every (input, implementation) runs in its own child process so
// peak RSS (getrusage maxrss) belongs to that case alone. Prints a markdown table.
//
// Usage: npm run build && node bench/sign.bench.mjs [--quick]
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const work = join(tmpdir(), 'kyso-sign-bench');
const PASSWORD = 'bench-pass';
const quick = process.argv.includes('--quick');

// ---------------------------------------------------------------- child mode
if (process.argv[2] === '--child') {
  const [, , , impl, file, itersArg, mode] = process.argv;
  const iters = Number(itersArg);
  const input = readFileSync(file);
  const sign = await makeSigner(impl);
  // Warm-up, the same for every implementation: at least 20 calls and 300 ms (JIT, lazy imports,
  // fonts), so the table compares steady states — a service or a batch signs many documents.
  const warmUp = async () => {
    for (let n = 0, t0 = performance.now(); n < 20 || performance.now() - t0 < 300; n++) await sign(input);
  };
  await warmUp();
  const out = { impl, file, times: [], perSecond: undefined, outSize: 0, maxRss: undefined };
  if (mode === 'throughput') {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < (quick ? 1000 : 3000)) {
      await sign(input);
      n++;
    }
    out.perSecond = n / ((performance.now() - t0) / 1000);
  } else {
    // Peak RSS first, over a few signatures each after a full collection, so it is one
    // signature's and not the sum of outputs the lazy GC has not reclaimed yet. The timed runs
    // come after, without forced collections: a forced full GC before every call makes the next
    // call pay for re-growing the heap, which no service sees.
    for (let i = 0; i < Math.min(iters, 3); i++) {
      globalThis.gc?.();
      out.outSize = (await sign(input)).length;
    }
    out.maxRss = process.resourceUsage().maxRSS * 1024;
    // Warm up again before timing: the forced collections above deoptimize code that holds weak
    // references and leave concurrent sweeping and recompilation to helper threads, which on a
    // busy machine take several milliseconds from the next calls. Without this, a case timed over
    // few runs (the 1,000-page file) had its median inside that aftermath — 5.8 ms where the same
    // call costs 1 ms in steady state — while the floor, which allocates almost nothing, was not
    // affected.
    await warmUp();
    for (let i = 0; i < iters; i++) {
      const t = performance.now();
      const signed = await sign(input);
      out.times.push(performance.now() - t);
      out.outSize = signed.length;
    }
  }
  out.maxRss ??= process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

async function makeSigner(impl) {
  const p12 = readFileSync(join(work, 'signer.p12'));
  const keyPem = readFileSync(join(work, 'signer.key'), 'utf8');
  const chain = [readFileSync(join(work, 'signer.crt.der')), readFileSync(join(work, 'root.crt.der'))];
  if (impl === 'floor') {
    const key = createPrivateKey(keyPem);
    return async (pdf) => {
      const digest = createHash('sha256').update(pdf).digest();
      return nodeSign('sha256', digest, key);
    };
  }
  if (impl === 'floor-file') {
    // The floor that also produces the bytes of a signed file, as `kyso` (`SignService.sign`)
    // does: the input followed by the signature, in one new buffer. Comparing `sign`, which
    // returns the whole signed file, with a floor that returns 256 bytes charged kyso alone for
    // writing the output (a copy of the file: ≈ 0.15 ms at 425 KB, 30 ms at 50 MB).
    const key = createPrivateKey(keyPem);
    return async (pdf) => {
      const digest = createHash('sha256').update(pdf).digest();
      return Buffer.concat([pdf, nodeSign('sha256', digest, key)]);
    };
  }
  if (impl === 'kyso' || impl === 'kyso-chunks') {
    const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
    const { SignService, MemorySignSessionRepository, createPdfSignatureEngine } = await import(dist('signing/index.js'));
    const { defaultAlgorithmFor, signWithKey } = await import(dist('core/signature-algorithms.js'));
    const key = createPrivateKey(keyPem);
    const alg = defaultAlgorithmFor(key);
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    // The service's hot path: a key held by the key store (native), no PKCS#12 parsing per call.
    const keyStore = {
      schemes: ['bench'],
      signer: async () => ({ algorithm: alg, publicKeySpki: spki, sign: async (d) => signWithKey(alg, key, d) }),
    };
    const service = new SignService({
      engine: createPdfSignatureEngine(),
      clock: { now: () => new Date() },
      audit: { append: async () => ({}) },
      sessions: new MemorySignSessionRepository(),
      keyStore,
    });
    const opts = { signer: { kind: 'keystore', keyUri: 'bench:k', certificates: chain }, reason: 'bench' };
    if (impl === 'kyso-chunks') {
      // signChunks: [input, new revision] as a server streams them; the file is never copied.
      return async (pdf) => {
        const chunks = await service.signChunks(pdf, opts);
        return { length: chunks.reduce((n, c) => n + c.length, 0) };
      };
    }
    return (pdf) => service.sign(pdf, opts);
  }
  if (impl === 'kyso-p12') {
    const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
    const { SignService, MemorySignSessionRepository, createPdfSignatureEngine } = await import(dist('signing/index.js'));
    const service = new SignService({
      engine: createPdfSignatureEngine(),
      clock: { now: () => new Date() },
      audit: { append: async () => ({}) },
      sessions: new MemorySignSessionRepository(),
    });
    return (pdf) => service.sign(pdf, { signer: { kind: 'pkcs12', pkcs12: p12, password: PASSWORD }, reason: 'bench' });
  }
  if (impl === 'signpdf') {
    const mod = await import('@signpdf/signpdf');
    const signpdf = mod.default?.default ?? mod.default; // CJS default export seen through ESM
    const { P12Signer } = await import('@signpdf/signer-p12');
    const { plainAddPlaceholder } = await import('@signpdf/placeholder-plain');
    return async (pdf) => {
      // A P12Signer reads its forge buffer destructively: one instance signs once (3.3.0).
      const signer = new P12Signer(p12, { passphrase: PASSWORD });
      const withPlaceholder = plainAddPlaceholder({ pdfBuffer: pdf, reason: 'bench', contactInfo: '', name: 'bench', location: '' });
      return signpdf.sign(withPlaceholder, signer);
    };
  }
  if (impl === 'libpdf') {
    const { PDF, P12Signer } = await import('@libpdf/core');
    const signer = await P12Signer.create(p12, PASSWORD);
    return async (pdf) => {
      const doc = await PDF.load(pdf);
      const { bytes } = await doc.sign({ signer, reason: 'bench' });
      return Buffer.from(bytes);
    };
  }
  throw new Error(`unknown impl ${impl}`);
}

// ---------------------------------------------------------------- parent mode
mkdirSync(work, { recursive: true });
makePki();
const inputs = await makeInputs();
const impls = ['floor', 'floor-file', 'kyso', 'kyso-chunks', 'kyso-p12', 'signpdf', 'libpdf'];
const rows = [];
for (const input of inputs) {
  const row = { input, results: {} };
  for (const impl of impls) {
    if (impl === 'kyso-p12' && input.name !== '1 page') continue;
    row.results[impl] = runChild(impl, input.path, input.iters);
  }
  rows.push(row);
  process.stderr.write(`done ${input.name}\n`);
}
const throughput = {};
for (const impl of impls.filter((i) => i !== 'kyso-chunks' && i !== 'floor-file'))
  throughput[impl] = runChild(impl, inputs[0].path, 0, 'throughput');

const fmtMs = (r) => (r?.error ? `fails: ${r.error}` : `${median(r.times).toFixed(1)} ms`);
const ratio = (a, b) => (!a?.error && !b?.error ? (median(a.times) / median(b.times)).toFixed(1) + '×' : '–');
const fmtMiB = (r) => (r?.error ? '–' : `${(r.maxRss / 1048576).toFixed(0)} MiB`);
console.log(
  `Signing one PDF (median of N runs after a warm-up; RSA-2048, SHA-256; Node ${process.version}; ${new Date().toISOString()})\n`,
);
console.log(
  '| input | size | N | floor (hash + signature) | floor + signed file | kyso `sign` (signed file) | ratio to floor + file | ratio to floor | @signpdf/signpdf 3.3 | @libpdf/core 0.4 | peak RSS floor / kyso / signpdf / libpdf |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const { input, results } of rows) {
  const f = results.floor;
  const k = results.kyso;
  const ff = results['floor-file'];
  console.log(
    `| ${input.name} | ${mib(input.size)} | ${input.iters} | ${fmtMs(f)} | ${fmtMs(ff)} | ${fmtMs(k)} | ${ratio(k, ff)} | ${ratio(k, f)} | ${fmtMs(results.signpdf)} | ${fmtMs(results.libpdf)} | ${fmtMiB(f)} / ${fmtMiB(k)} / ${fmtMiB(results.signpdf)} / ${fmtMiB(results.libpdf)} |`,
  );
}
console.log(
  '\nPeak RSS is the whole child process: Node alone ≈ 45 MiB, the floor holds the input once; kyso loads the PDF layer and fonts (≈ 35 MiB) and, with `sign`, returns a second copy of the file.',
);
console.log('\nSignatures per second on the 1-page file (one process, sequential, one core):\n');
console.log('| floor | kyso (key store) | kyso (PKCS#12 parsed per call) | @signpdf/signpdf | @libpdf/core |');
console.log('|---|---|---|---|---|');
const ps = (r) => (r?.error ? `fails: ${r.error}` : r.perSecond.toFixed(0));
console.log(
  `| ${ps(throughput.floor)} | ${ps(throughput.kyso)} | ${ps(throughput['kyso-p12'])} | ${ps(throughput.signpdf)} | ${ps(throughput.libpdf)} |`,
);
console.log('\nkyso `signChunks` (the signed file as [input, new revision], streamed by the HTTP edge without a copy):\n');
console.log('| input | ms | ratio to floor (hash + signature) | peak RSS | floor RSS | over floor |');
console.log('|---|---|---|---|---|---|');
for (const { input, results } of rows) {
  const c = results['kyso-chunks'];
  if (!c) continue;
  const over = c.error || results.floor.error ? '–' : `${((c.maxRss - results.floor.maxRss) / 1048576).toFixed(0)} MiB`;
  console.log(`| ${input.name} | ${fmtMs(c)} | ${ratio(c, results.floor)} | ${fmtMiB(c)} | ${fmtMiB(results.floor)} | ${over} |`);
}
const one = rows[0].results['kyso-p12'];
if (one && !one.error) console.log(`\nkyso with a PKCS#12 file parsed on each call (1 page): ${fmtMs(one)}.`);

function runChild(impl, file, iters, mode = 'latency') {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', impl, file, String(iters), mode],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      timeout: 15 * 60_000,
    },
  );
  if (r.status !== 0) {
    const msg = (r.stderr || r.error?.message || `exit ${r.status}`).split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`;
    return { error: msg.trim().slice(0, 80).replace(/\|/g, '/') };
  }
  return JSON.parse(r.stdout);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function mib(n) {
  return n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function makePki() {
  if (existsSync(join(work, 'signer.p12'))) return;
  const run = (...args) => execFileSync('openssl', args, { cwd: work, stdio: 'ignore' });
  writeFileSync(
    join(work, 'ee.cnf'),
    '[ee]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.crt',
    '-days',
    '3650',
    '-subj',
    '/C=VN/O=Bench/CN=Bench Root',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'signer.key',
    '-out',
    'signer.csr',
    '-subj',
    '/C=VN/O=Bench/CN=Bench Signer',
  );
  run(
    'x509',
    '-req',
    '-in',
    'signer.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-set_serial',
    '4660',
    '-days',
    '365',
    '-extfile',
    'ee.cnf',
    '-extensions',
    'ee',
    '-out',
    'signer.crt',
  );
  run(
    'pkcs12',
    '-export',
    '-inkey',
    'signer.key',
    '-in',
    'signer.crt',
    '-certfile',
    'root.crt',
    '-passout',
    `pass:${PASSWORD}`,
    '-out',
    'signer.p12',
  );
  writeFileSync(join(work, 'signer.crt.der'), new X509Certificate(readFileSync(join(work, 'signer.crt'))).raw);
  writeFileSync(join(work, 'root.crt.der'), new X509Certificate(readFileSync(join(work, 'root.crt'))).raw);
}

async function makeInputs() {
  const { PDFDocument, StandardFonts, PDFName, PDFNumber } = await import('pdf-lib');
  const specs = [
    { name: '1 page', file: 'p1.pdf', pages: 1, imageMiB: 0, iters: quick ? 50 : 200 },
    { name: '100 pages', file: 'p100.pdf', pages: 100, imageMiB: 0, iters: quick ? 20 : 50 },
    { name: '~10 MB', file: 'mb10.pdf', pages: 10, imageMiB: 1, iters: quick ? 5 : 15 },
    { name: '~50 MB', file: 'mb50.pdf', pages: 50, imageMiB: 1, iters: quick ? 3 : 7 },
    { name: '1,000 pages', file: 'p1000.pdf', pages: 1000, imageMiB: 0, iters: quick ? 30 : 100 },
  ];
  const out = [];
  for (const s of specs) {
    const path = join(work, s.file);
    if (!existsSync(path)) {
      const doc = await PDFDocument.create();
      const font = await doc.embedFont(StandardFonts.Helvetica);
      for (let i = 0; i < s.pages; i++) {
        const page = doc.addPage([595, 842]);
        page.drawText(`Benchmark page ${i + 1}`, { x: 50, y: 780, size: 14, font });
        if (s.imageMiB) {
          // An uncompressed RGB image of random bytes: the file really is this large.
          const side = Math.floor(Math.sqrt((s.imageMiB * 1048576) / 3));
          const ref = doc.context.register(
            doc.context.stream(randomBytes(side * side * 3), {
              Type: 'XObject',
              Subtype: 'Image',
              Width: side,
              Height: side,
              ColorSpace: 'DeviceRGB',
              BitsPerComponent: 8,
            }),
          );
          page.node.setXObject(PDFName.of('Im1'), ref);
          page.pushOperators();
          const content = doc.context.register(doc.context.stream(`q 400 0 0 400 90 300 cm /Im1 Do Q`));
          page.node.addContentStream(content);
          void PDFNumber;
        }
      }
      writeFileSync(path, await doc.save({ useObjectStreams: false }));
    }
    out.push({ ...s, path, size: readFileSync(path).length });
  }
  return out;
}
