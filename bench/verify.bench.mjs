// Integrity + crypto validation (no network) per file at ~2 KB, 10 MB and 50 MB, next to the
// floor (SHA-256 of the file + one signature verify) and next to pdfsig (one process per file,
// empty NSS db, -no-ocsp). Files are signed with the project's own placement (src/pdf/sign) and
// CMS builder (src/cms). Run `npm run build` first; imports come from dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { preparePdfSignature } from '../dist/pdf/sign/index.js';
import { signDetachedCms } from '../dist/cms/signed-data.js';
import { keyObjectSigner } from '../dist/signing/pkcs12-signer.js';
import { verifyPdf, createTrustStore } from '../dist/pdf/verify/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-verify-bench-'));
const sh = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
sh([
  'req',
  '-x509',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.pem',
  '-days',
  '30',
  '-subj',
  '/CN=Bench Root',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign,cRLSign',
]);
writeFileSync(
  join(dir, 'ee.cnf'),
  '[ee]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
);
sh(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ee.key', '-out', 'ee.csr', '-subj', '/CN=Bench Signer']);
sh([
  'x509',
  '-req',
  '-in',
  'ee.csr',
  '-CA',
  'ca.pem',
  '-CAkey',
  'ca.key',
  '-set_serial',
  '0x1234567890abcdef',
  '-days',
  '30',
  '-extfile',
  'ee.cnf',
  '-extensions',
  'ee',
  '-out',
  'ee.pem',
]);
const der = (pem) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
const eeDer = der(readFileSync(join(dir, 'ee.pem'), 'utf8'));
const key = createPrivateKey(readFileSync(join(dir, 'ee.key')));
const trust = createTrustStore([caPem]);

async function makeSigned(payloadBytes) {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('benchmark', { x: 50, y: 780, size: 12, font });
  if (payloadBytes > 0) doc.catalog.set(PDFName.of('BenchData'), doc.context.register(doc.context.stream(randomBytes(payloadBytes))));
  const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  const prepared = preparePdfSignature(pdf, { signingTime: new Date(), placeholderSize: 4096 });
  const cms = await signDetachedCms({
    contentDigest: prepared.digest('sha256'),
    signer: keyObjectSigner(key),
    signerCertificate: eeDer,
    certificates: [eeDer],
  });
  return prepared.embed(cms);
}

const nss = mkdtempSync(join(tmpdir(), 'kyso-verify-bench-nss-'));
execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
async function time(fn, runs) {
  await fn(); // warm-up
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

const rows = [];
for (const [label, size, runs] of [
  ['2 KB', 0, 200],
  ['10 MB', 10 * 1024 * 1024, 15],
  ['50 MB', 50 * 1024 * 1024, 5],
]) {
  const file = await makeSigned(size);
  const path = join(dir, `f-${label.replace(' ', '')}.pdf`);
  writeFileSync(path, file);
  const first = await verifyPdf(file, { trust, offline: true });
  const s = first.signatures[0];
  if (!s || !s.integrity.digestMatch || !s.integrity.cryptoValid) throw new Error(`bench file ${label} does not verify`);
  // floor: hash the whole file once + one RSA verify (of a fixed signature over 32 bytes)
  const data = randomBytes(32);
  const { sign } = await import('node:crypto');
  const sig = sign('sha256', data, key);
  const pub = createPublicKey(key);
  const floor = await time(() => {
    createHash('sha256').update(file).digest();
    nodeVerify('sha256', data, pub, sig);
  }, runs);
  const ours = await time(() => verifyPdf(file, { trust, offline: true }), runs);
  const pdfsigRuns = Math.min(runs, 20);
  const theirs = await time(() => {
    const r = spawnSync('pdfsig', ['-nssdir', `sql:${nss}`, '-no-ocsp', path], { encoding: 'latin1' });
    if (!/Signature is Valid/.test(r.stdout)) throw new Error('pdfsig disagrees');
  }, pdfsigRuns);
  rows.push({ label, bytes: file.length, floor, ours, theirs });
}

console.log('| file | bytes | floor (SHA-256 + 1 verify) ms | verifyPdf ms | × floor | pdfsig per process ms | pdfsig / verifyPdf |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.bytes} | ${r.floor.toFixed(2)} | ${r.ours.toFixed(2)} | ${(r.ours / r.floor).toFixed(2)} | ${r.theirs.toFixed(1)} | ${(r.theirs / r.ours).toFixed(1)} |`,
  );
}
rmSync(dir, { recursive: true, force: true });
rmSync(nss, { recursive: true, force: true });
