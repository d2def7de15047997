#!/usr/bin/env node
// Benchmark for src/pki, in-process: certificates issued per second from a PKCS#10 CSR
// through the whole IssuanceService pipeline (CSR parse + proof-of-possession verify, subject
// validation, DER build, lint, pending row, audit, one signature, mark issued) over the in-memory
// store, for an RSA-2048 and a P-256 issuing CA, next to the bare floor measured in the same run
// (one crypto.sign of a TBSCertificate-sized buffer per certificate with the same CA key).
// Also: CRL with 100,000 revoked entries (time and size), OCSP responses per second (cached and
// freshly signed with a nonce). Medians of 5 rounds.
//
// Reading the ratios: the "builder only" rows are what the floor comparison is about (ASN.1
// encoding vs the signature). The full pipeline also verifies the CSR's proof of possession,
// which costs about one RSA verification (≈ a P-256 signature) or one P-256 key import + verify
// (several P-256 signatures), so for a P-256 CA the pipeline cannot approach 50% of a bare
// P-256 signature; the SQLite rows add two row writes and two hash-chained audit appends.
//
// Usage: npm run build && node bench/pki.bench.mjs [--quick]
import { generateKeyPairSync, sign as nodeSign, createPrivateKey } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { MemoryPkiStore, MemoryAuditSink } = await import(dist('pki/testing/memory-pki-store.js'));
const { MemoryKeyStore } = await import(dist('pki/testing/memory-key-store.js'));
const { CaRegistry } = await import(dist('pki/ca-registry.js'));
const { IssuanceService } = await import(dist('pki/issuance-service.js'));
const { CrlService } = await import(dist('pki/crl-service.js'));
const { OcspService } = await import(dist('pki/ocsp-service.js'));
const { ensureHierarchy } = await import(dist('pki/ca-bootstrap.js'));
const { DEFAULT_PKI_CONFIG } = await import(dist('pki/config.js'));
const { buildCrl, encodeCrlEntry } = await import(dist('pki/crl-builder.js'));
const { generateSerial, serialToHex } = await import(dist('pki/serial.js'));
const { certificateInfo } = await import(dist('cms/certificate-info.js'));
const { systemClock } = await import(dist('core/clock.js'));
const der = await import(dist('core/der.js'));
const { hashOf } = await import(dist('core/signature-algorithms.js'));
const { createHash } = await import('node:crypto');

const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 300 : 1000;
const ROUNDS = 5;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

// Rates are per second of this process's CPU time (user + system, process.cpuUsage): the
// machine is shared, and wall-clock rates would measure the neighbours. Everything here runs
// on the main thread, so CPU time is the cost.
async function rate(fn) {
  for (let i = 0; i < 30; i++) await fn();
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < ROUND_MS) {
      await fn();
      n++;
    }
    const c = process.cpuUsage(c0);
    rates.push((n * 1e6) / (c.user + c.system));
  }
  return median(rates);
}
const cpuMs = async (fn) => {
  const c0 = process.cpuUsage();
  const out = await fn();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, out];
};

function csr(kind) {
  const { privateKey, publicKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const info = der.seq(der.int(0), der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.utf8('bench')))), spki, der.tlv(0xa0, []));
  const alg = kind === 'rsa' ? der.algId('1.2.840.113549.1.1.11', 'null') : der.algId('1.2.840.10045.4.3.2');
  return der.seq(info, alg, der.bits(nodeSign('sha256', info, privateKey)));
}

async function pki(caKeySpec, sqlStore) {
  const store = sqlStore ?? new MemoryPkiStore();
  const keys = new MemoryKeyStore();
  const audit = sqlStore ? sqlStore.audit : new MemoryAuditSink();
  const config = { ...DEFAULT_PKI_CONFIG, caKeySpec };
  const cas = new CaRegistry(store.cas, keys, config.baseUrl);
  const issuance = new IssuanceService({ store, keys, audit, clock: systemClock, cas, config });
  await ensureHierarchy({ store, keys, audit, clock: systemClock, cas, issuance, config });
  if (audit.events) audit.events.length = 0;
  return { store, keys, audit, config, cas, issuance };
}

const subject = {
  commonName: 'Nguyễn Văn An',
  organization: 'UBND tỉnh Quảng Ninh',
  organizationalUnits: ['Sở Tư pháp'],
  province: 'Quảng Ninh',
  email: 'an.nv@quangninh.gov.vn',
  uids: ['CCCD:001234567890'],
};
const actor = { id: 'bench', role: 'admin' };
const rows = [];
let sqliteCrl;
const csrs = { rsa: Array.from({ length: 8 }, () => csr('rsa')), ec: Array.from({ length: 8 }, () => csr('ec')) };

{
  const { parseCsr } = await import(dist('pki/csr.js'));
  for (const kind of ['rsa', 'ec']) {
    let i = 0;
    const r = await rate(async () => parseCsr(csrs[kind][i++ % 8]));
    rows.push([`(part) CSR parse + key import + proof-of-possession verify, ${kind === 'rsa' ? 'RSA-2048' : 'P-256'} key`, r, NaN]);
  }
}
for (const [label, spec] of [
  ['RSA-2048', { type: 'rsa', bits: 2048 }],
  ['P-256', { type: 'ec', curve: 'P-256' }],
]) {
  const p = await pki(spec);
  const ca = await p.cas.get('individuals');
  const caKey = createPrivateKey({ key: await p.keys.exportPkcs8(ca.record.keyUri), format: 'der', type: 'pkcs8' });
  const signer = await ca.signer();
  const sample = (await p.issuance.issue(actor, { profile: 'individual', subject, key: { csr: csrs.rsa[0] } })).der;
  const tbs = certificateInfo(sample).tbs;
  const hash = hashOf(signer.algorithm);
  const floor = await rate(async () => nodeSign(hash, tbs, caKey));
  // builder only: template → lint → TBS DER → one signature (no CSR, store or audit)
  {
    const { encodeTbs, signTbs, subjectKeyFromSpki } = await import(dist('pki/x509-builder.js'));
    const { assertLint } = await import(dist('pki/lint.js'));
    const { normalizeSubject, encodeSubject } = await import(dist('pki/names.js'));
    const { PROFILES } = await import(dist('pki/profiles.js'));
    const key = subjectKeyFromSpki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }));
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + 730 * 86_400_000);
    const r = await rate(async () => {
      const s = normalizeSubject(subject);
      const t = {
        profile: PROFILES.individual,
        serial: generateSerial(),
        subject: s,
        subjectDer: encodeSubject(s),
        key,
        notBefore,
        notAfter,
        issuer: ca.issuer,
        selfSigned: false,
        renewal: false,
        policies: p.config.policyOids,
      };
      assertLint(t);
      return signTbs(encodeTbs(t, signer.algorithm), signer);
    });
    rows.push([`builder only (subject + lint + DER + sign), ${label} CA`, r, floor]);
  }
  for (const kind of ['rsa', 'ec']) {
    let i = 0;
    const r = await rate(() => p.issuance.issue(actor, { profile: 'individual', subject, key: { csr: csrs[kind][i++ % 8] } }));
    rows.push([`issue from CSR, ${label} CA, ${kind === 'rsa' ? 'RSA-2048' : 'P-256'} subscriber key`, r, floor]);
  }
}

// The same pipeline over the real SQLite store (Kysely + better-sqlite3, WAL) with the
// hash-chained audit log: two audit appends and two row writes per certificate.
{
  const { openStore } = await import(dist('store/index.js'));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kyso-pki-bench-'));
  const sql = await openStore({ dialect: 'sqlite', filename: join(dir, 'bench.sqlite') });
  try {
    const p = await pki({ type: 'ec', curve: 'P-256' }, sql);
    const ca = await p.cas.get('individuals');
    const caKey = createPrivateKey({ key: await p.keys.exportPkcs8(ca.record.keyUri), format: 'der', type: 'pkcs8' });
    const tbs = certificateInfo((await p.issuance.issue(actor, { profile: 'individual', subject, key: { csr: csrs.rsa[0] } })).der).tbs;
    const floor = await rate(async () => nodeSign('sha256', tbs, caKey));
    let i = 0;
    const r = await rate(() => p.issuance.issue(actor, { profile: 'individual', subject, key: { csr: csrs.rsa[i++ % 8] } }));
    rows.push(['issue from CSR, P-256 CA, RSA-2048 key, **SQLite store + hash-chained audit**', r, floor]);
    // CRL over the SQLite store: 100,000 revoked rows bulk-inserted with better-sqlite3, then
    // CrlService.generate (keyset paging through the adapter, encode, sign, save).
    const { default: Sqlite } = await import('better-sqlite3');
    const raw = new Sqlite(join(dir, 'bench.sqlite'));
    raw.pragma('busy_timeout = 10000');
    const iso = new Date().toISOString();
    const far = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const ins = raw.prepare(
      'INSERT INTO certificates (id, ca_id, serial, profile, subject_dn, spki_sha256, not_before, not_after, status, der, revocation_reason, revoked_at, invalidity_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    raw.transaction(() => {
      for (let k = 0; k < 100_000; k++)
        ins.run(
          `crt_b${k}`,
          'organizations',
          serialToHex(generateSerial()),
          'organization',
          'CN=bulk',
          '00',
          iso,
          far,
          'revoked',
          Buffer.from([0x30, 0]),
          k % 7 ? 'keyCompromise' : 'certificateHold',
          iso,
          k % 10 ? null : iso,
          iso,
          iso,
        );
    })();
    raw.close();
    const svc = new CrlService({ store: sql, audit: sql.audit, clock: systemClock, cas: p.cas, config: p.config });
    const t0 = performance.now();
    const [ms, rec] = await cpuMs(() => svc.generate('organizations'));
    sqliteCrl = [
      `CrlService.generate, ${rec.entryCount.toLocaleString('en')} entries, **SQLite store** (wall ${(performance.now() - t0).toFixed(0)} ms)`,
      ms,
      rec.der.length,
    ];
  } finally {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// CRL with 100,000 entries: builder alone (entries encoded + one signature), and CrlService
// end to end over the in-memory store (paging 10,000 rows at a time).
const crlRows = [];
{
  const p = await pki({ type: 'ec', curve: 'P-256' });
  const ca = await p.cas.get('individuals');
  const signer = await ca.signer();
  const now = new Date();
  const entries = Array.from({ length: 100_000 }, (_, i) => ({
    serial: serialToHex(generateSerial()),
    revokedAt: now,
    reason: i % 7 === 0 ? 'certificateHold' : 'keyCompromise',
    invalidityDate: i % 10 === 0 ? now : null,
  }));
  const times = [];
  let size = 0;
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const [ms, crl] = await cpuMs(() =>
      buildCrl(
        {
          issuerNameDer: ca.issuer.nameDer,
          issuerKeyId: ca.keyId,
          crlNumber: r + 1,
          thisUpdate: now,
          nextUpdate: new Date(now.getTime() + 86_400_000),
          entries: entries.map(encodeCrlEntry),
        },
        signer,
      ),
    );
    times.push(ms);
    size = crl.length;
  }
  crlRows.push(['CRL builder, 100,000 entries (P-256 CA)', median(times), size]);
  // service path over the memory store
  const notAfter = new Date(now.getTime() + 365 * 86_400_000);
  for (const [i, e] of entries.entries()) {
    const id = `crt_${i}`;
    await p.store.certificates.reserve({
      id,
      caId: 'individuals',
      serial: e.serial,
      profile: 'individual',
      subscriberId: null,
      requestId: null,
      replacesId: null,
      subjectDn: 'CN=x',
      spkiSha256: '00',
      keyUri: null,
      notBefore: now,
      notAfter,
      createdAt: now,
    });
    await p.store.certificates.changeStatus(id, 'pending', {
      status: 'revoked',
      revocationReason: e.reason,
      revokedAt: now,
      invalidityDate: e.invalidityDate,
      at: now,
    });
  }
  const svc = new CrlService({ store: p.store, audit: p.audit, clock: systemClock, cas: p.cas, config: p.config });
  const [ms, rec] = await cpuMs(() => svc.generate('individuals'));
  crlRows.push([`CrlService.generate, ${rec.entryCount.toLocaleString('en')} entries (in-memory store)`, ms, rec.der.length]);
}

// OCSP in-process: cached responses (status read per request, no signature) and nonce requests
// (one P-256 signature each).
const ocspRows = [];
{
  const p = await pki({ type: 'ec', curve: 'P-256' });
  const ocsp = new OcspService({ store: p.store, cas: p.cas, clock: systemClock, config: p.config });
  const issued = await p.issuance.issue(actor, { profile: 'individual', subject, key: { csr: csrs.rsa[0] } });
  const ica = certificateInfo((await p.store.cas.get('individuals')).certificateDer);
  const certId = der.seq(
    der.algId('1.3.14.3.2.26', 'null'),
    der.octets(createHash('sha1').update(ica.subject).digest()),
    der.octets(createHash('sha1').update(ica.publicKeyBits).digest()),
    der.int(Buffer.from(issued.certificate.serial, 'hex')),
  );
  const plain = der.seq(der.seq(der.seq(der.seq(certId))));
  let k = 0;
  const withNonce = () =>
    der.seq(
      der.seq(
        der.seq(der.seq(certId)),
        der.explicit(
          2,
          der.seq(der.seq(der.oid('1.3.6.1.5.5.7.48.1.2'), der.octets(der.octets(Buffer.from(String(k++).padStart(16, '0')))))),
        ),
      ),
    );
  ocspRows.push(['OCSP cached (parse + status lookup + cache hit)', await rate(() => ocsp.respond(plain))]);
  ocspRows.push(['OCSP with nonce (signed per request, P-256 responder)', await rate(() => ocsp.respond(withNonce()))]);
}

console.log('| certificate issuance (in-process) | certs/s | floor: crypto.sign/s | ratio |');
console.log('|---|---:|---:|---:|');
for (const [n, r, f] of rows)
  console.log(
    `| ${n} | ${r.toFixed(0)} | ${Number.isNaN(f) ? '–' : f.toFixed(0)} | ${Number.isNaN(f) ? '–' : ((r / f) * 100).toFixed(0) + '%'} |`,
  );
console.log('\n| CRL | CPU time (ms) | size (bytes) |');
console.log('|---|---:|---:|');
if (sqliteCrl) crlRows.push(sqliteCrl);
for (const [n, t, s] of crlRows) console.log(`| ${n} | ${t.toFixed(0)} | ${s.toLocaleString('en')} |`);
console.log('\n| OCSP (in-process) | responses/s |');
console.log('|---|---:|');
for (const [n, r] of ocspRows) console.log(`| ${n} | ${r.toFixed(0)} |`);
