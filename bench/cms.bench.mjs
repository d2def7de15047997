#!/usr/bin/env node
// Benchmark for src/cms: detached CMS SignedData built per second (RSA-2048, P-256)
// against the floor (one native crypto.sign of the same size), the pkijs reference where it is
// installed, and RFC 3161 tokens per second from the TSA core in-process (request parse +
// TSTInfo + CMS + signature) with an ECDSA P-256 and an RSA-2048 key. Medians of 5 rounds.
//
// Usage: npm run build && node bench/cms.bench.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign as nodeSign, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { signDetachedCms } = await import(dist('cms/signed-data.js'));
const { createTimestampAuthority } = await import(dist('cms/timestamp-authority.js'));
const { encodeTimestampRequest } = await import(dist('cms/timestamp-request.js'));
const { createInProcessTimestampClient } = await import(dist('cms/timestamp-client.js'));
const { signatureTimestamper } = await import(dist('cms/signature-timestamp.js'));
const { signWithKey } = await import(dist('core/signature-algorithms.js'));
const { systemClock } = await import(dist('core/clock.js'));

const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 300 : 1000;
const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), 'kyso-cms-bench-'));

function identity(kind, name, ext) {
  const { privateKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, `${name}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, `${name}.cnf`), `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=${name}\n[v3]\n${ext}\n`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-config',
      `${name}.cnf`,
      '-extensions',
      'v3',
      '-days',
      '30',
      '-outform',
      'DER',
      '-out',
      `${name}.der`,
    ],
    { cwd: dir },
  );
  const cert = readFileSync(join(dir, `${name}.der`));
  const algorithm = kind === 'rsa' ? 'RSA-PKCS1-SHA256' : 'ECDSA-SHA256';
  const signer = {
    algorithm,
    publicKeySpki: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    sign: async (data) => signWithKey(algorithm, privateKey, data),
  };
  return { privateKey, cert, signer };
}

async function rate(fn) {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ROUND_MS) {
      await fn();
      n++;
    }
    rates.push((n * 1000) / (performance.now() - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

const signerExt = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation';
const tsaExt = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping';
const rows = [];
const extra = [];
const fmt = (x) => x.toFixed(0);

for (const kind of ['rsa', 'p256']) {
  const id = identity(kind, `signer-${kind}`, signerExt);
  const chain = [identity(kind, `ca-${kind}`, 'basicConstraints=critical,CA:TRUE').cert];
  const sample = Buffer.alloc(300, 1); // about the size of the signed attributes
  const floor = await rate(async () => nodeSign('sha256', sample, id.privateKey));
  const ours = await rate(async () =>
    signDetachedCms({
      contentDigest: createHash('sha256').update(randomBytes(32)).digest(),
      signer: id.signer,
      signerCertificate: id.cert,
      certificates: chain,
    }),
  );
  rows.push([`CMS SignedData build, ${kind === 'rsa' ? 'RSA-2048' : 'P-256'}`, ours, floor]);
}

for (const kind of ['p256', 'rsa']) {
  const id = identity(kind, `tsa-${kind}`, tsaExt);
  const tsa = createTimestampAuthority({ signer: id.signer, certificate: id.cert, policyOid: '1.3.6.1.4.1.99999.1', clock: systemClock });
  const sample = Buffer.alloc(250, 1);
  const floor = await rate(async () => nodeSign('sha256', sample, id.privateKey));
  const ours = await rate(async () =>
    tsa.respond(encodeTimestampRequest({ hash: 'sha256', digest: randomBytes(32), nonce: 123456789n, certReq: true })),
  );
  rows.push([`TSA token (respond), ${kind === 'rsa' ? 'RSA-2048' : 'P-256'} key, in-process`, ours, floor]);
}

// B-T over B-B: the same RSA-2048 CMS with a signature-time-stamp from the in-process TSA (P-256 key)
{
  const id = identity('rsa', 'bt-signer', signerExt);
  const t = identity('p256', 'bt-tsa', tsaExt);
  const client = createInProcessTimestampClient(
    createTimestampAuthority({ signer: t.signer, certificate: t.cert, policyOid: '1.3.6.1.4.1.99999.1', clock: systemClock }),
  );
  const ts = signatureTimestamper(client);
  const bb = await rate(async () =>
    signDetachedCms({ contentDigest: randomBytes(32), signer: id.signer, signerCertificate: id.cert, certificates: [] }),
  );
  const bt = await rate(async () =>
    signDetachedCms({ contentDigest: randomBytes(32), signer: id.signer, signerCertificate: id.cert, certificates: [], timestamp: ts }),
  );
  rows.push(['B-T CMS (RSA-2048 signer + in-process P-256 TSA, token checked)', bt, bb]);
  extra.push(
    `B-T adds ${(1000 / bt - 1000 / bb).toFixed(3)} ms per signature over B-B (${(1000 / bb).toFixed(3)} ms → ${(1000 / bt).toFixed(3)} ms); its floor column is B-B.`,
  );
}

console.log('| case | ours /s (median) | floor: one crypto.sign /s | ours / floor |');
console.log('|---|---:|---:|---:|');
for (const [name, ours, floor] of rows) console.log(`| ${name} | ${fmt(ours)} | ${fmt(floor)} | ${(ours / floor).toFixed(2)} |`);
for (const line of extra) console.log(`\n${line}`);
console.log(`\n(${ROUNDS} rounds × ${ROUND_MS} ms each, single thread, node ${process.version})`);
