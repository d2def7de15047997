import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { pemDecodeAll } from '../../../src/core/bytes.js';
import { encodeOcspRequest, parseOcspResponse } from '../../../src/cms/ocsp.js';
import { encodeTimestampRequest } from '../../../src/cms/timestamp-request.js';
import { AUTHORITY, PIN, caller, certifyForm, freePort, originalPdf, setupCertifierAndAuthority, type CopySetup } from '../copies/setup.js';
import { allCertificates, allEntries, auditProblems, copyProblems, registerProblems, serialProblems } from './invariants.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import { ensureBuilt, killHard, kysoInit, pgDatabase, startServe, type ServeProcess } from './service-process.js';

/**
 * Three `kyso serve` processes on one PostgreSQL database behind a round-robin proxy, under a
 * bounded mixed load for KYSO_LOAD_SECONDS (default 120): certificate issuance (CSR and server
 * key), revocation, OCSP, PDF signing, copy certification, verification and TSA requests. Then:
 * no 5xx and no OCSP internalError, serials unique, register numbers unique and gap-free, every
 * OCSP answer (from each instance) matches the certificate's status in the database, the audit
 * chain verifies. The load is bounded (KYSO_LOAD_WORKERS requests in flight, default 3) because
 * CI has two cores for the three services, PostgreSQL and the test.
 */
const SECONDS = Number(process.env.KYSO_LOAD_SECONDS ?? 120);
const WORKERS = Number(process.env.KYSO_LOAD_WORKERS ?? 3);

type Op = 'issue' | 'revoke' | 'ocsp' | 'sign' | 'certify' | 'verify' | 'tsa';
/** Relative frequencies: cheap reads often, the costly signatures less. */
const WEIGHTS: Record<Op, number> = { issue: 3, revoke: 1, ocsp: 5, sign: 2, certify: 2, verify: 1, tsa: 3 };

interface Issued {
  readonly id: string;
  readonly der: Buffer;
  readonly issuer: Buffer;
}

let db: Awaited<ReturnType<typeof pgDatabase>>;
let dataDir: string;
let ctx: KysoContext;
let proxy: RoundRobinProxy;
let adminToken: string;
let s: CopySetup;
let csrPem: string;
const servers: ServeProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  db = await pgDatabase(`kyso_load_${randomBytes(6).toString('hex')}`);
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-load-'));
  proxy = await startRoundRobinProxy();
  const env = {
    KYSO_DATABASE_URL: db.url,
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_PUBLIC_URL: proxy.url,
    KYSO_LOG_LEVEL: 'silent',
    // the limiter would count every request as the proxy's one address; it is not what is measured here
    KYSO_RATE_LIMIT: '0',
  };
  adminToken = kysoInit({ ...env, KYSO_DATA: join(dataDir, 'init') });
  for (let i = 0; i < 3; i++) servers.push(await startServe({ ...env, KYSO_DATA: join(dataDir, `serve-${i}`) }, await freePort()));
  proxy.setTargets(servers.map((x) => x.url));
  ctx = await openContext(loadConfig({ env: { ...env, KYSO_DATA: join(dataDir, 'init') } }));
  s = await setupCertifierAndAuthority(ctx, caller(proxy.url), adminToken);
  const key = join(dataDir, 'csr-key.pem');
  csrPem = execFileSync(
    'openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=load'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}, 240_000);

afterAll(async () => {
  for (const x of servers) await killHard(x);
  await proxy?.close();
  await ctx?.close();
  await db?.drop().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function pick<T>(xs: readonly T[]): T | undefined {
  return xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined;
}

function pickOp(): Op {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  let r = Math.random() * total;
  for (const [op, w] of Object.entries(WEIGHTS) as [Op, number][]) if ((r -= w) < 0) return op;
  return 'ocsp';
}

describe('three instances on one PostgreSQL behind a round-robin proxy', () => {
  it(
    `ok/mixed load for ${SECONDS} s → no 5xx, unique serials, gap-free register, OCSP matches the database, audit chain verifies`,
    async () => {
      const call = caller(proxy.url);
      const original = await originalPdf(1);
      const toSign = await originalPdf(1, 'CONG VAN');
      const issued: Issued[] = [];
      const active: Issued[] = [];
      const revokedAcked = new Set<string>();
      const signedPdfs: Buffer[] = [];
      const copyNumbers: number[] = [];
      const counts: Record<string, number> = {};
      const failures: string[] = [];
      const note = (op: Op, status: number, detail = '') => {
        counts[`${op} ${status}`] = (counts[`${op} ${status}`] ?? 0) + 1;
        if (status < 200 || status >= 300) failures.push(`${op} → ${status} ${detail}`.slice(0, 400));
      };
      const text = (b: Buffer) => b.toString('utf8').slice(0, 300);

      async function one(op: Op, n: number): Promise<void> {
        switch (op) {
          case 'issue': {
            const viaCsr = n % 2 === 0;
            const r = await call('POST', '/api/v1/certificates', {
              token: adminToken,
              json: {
                profile: 'individual',
                subject: {
                  commonName: `Người dùng ${n}`,
                  organization: 'UBND tỉnh Quảng Ninh',
                  uids: [`CCCD:0012${String(n).padStart(8, '0')}`],
                },
                ...(viaCsr ? { csr: csrPem } : { keySpec: { type: 'ec', curve: 'P-256' }, pkcs12Password: 'load-test' }),
              },
            });
            note(op, r.status, text(r.body));
            if (r.status === 201) {
              const c = {
                id: r.json.certificate.id as string,
                der: pemDecodeAll(r.json.pem)[0]!,
                issuer: pemDecodeAll(r.json.chain[0])[0]!,
              };
              issued.push(c);
              active.push(c);
            }
            return;
          }
          case 'revoke': {
            // taken out of the pool first: two workers never revoke the same certificate
            const c = active.splice(Math.floor(Math.random() * active.length), 1)[0];
            if (!c) return;
            const r = await call('POST', `/api/v1/certificates/${c.id}/revoke`, { token: adminToken, json: { reason: 'superseded' } });
            note(op, r.status, text(r.body));
            if (r.status === 200) revokedAcked.add(c.id);
            return;
          }
          case 'ocsp': {
            const c = pick(issued);
            if (!c) return;
            const wasRevoked = revokedAcked.has(c.id);
            const res = await fetch(`${proxy.url}/pki/ocsp`, {
              method: 'POST',
              headers: { 'content-type': 'application/ocsp-request' },
              body: encodeOcspRequest(c.der, c.issuer),
            });
            const body = Buffer.from(await res.arrayBuffer());
            note(op, res.status);
            const parsed = parseOcspResponse(body);
            if (parsed.status !== 0) failures.push(`ocsp: response status ${parsed.status} for ${c.id}`);
            // a revocation acknowledged before the request was sent is visible on every instance
            else if (wasRevoked && parsed.responses[0]?.status !== 'revoked')
              failures.push(`ocsp: ${c.id} was revoked but an instance answered ${parsed.responses[0]?.status}`);
            return;
          }
          case 'sign': {
            const form = new FormData();
            form.append('pdf', new Blob([toSign], { type: 'application/pdf' }), 'doc.pdf');
            const level = n % 3 === 0 ? 'B-T' : 'B-B';
            form.set('options', JSON.stringify({ level, signer: { kind: 'credential', credentialId: s.certifierCredential, pin: PIN } }));
            const r = await call('POST', '/api/v1/sign', { token: s.signerToken, body: form });
            note(op, r.status, text(r.body));
            if (r.status === 200 && signedPdfs.length < 8) signedPdfs.push(r.body);
            return;
          }
          case 'certify': {
            const r = await call('POST', '/api/v1/copies', {
              token: s.certifierToken,
              body: certifyForm(s, { original }, { level: 'B-B' }),
            });
            note(op, r.status, text(r.body));
            if (r.status === 200) {
              copyNumbers.push(Number(r.headers.get('x-kyso-copy-number')));
              if (signedPdfs.length < 8) signedPdfs.push(r.body);
            }
            return;
          }
          case 'verify': {
            const pdf = pick(signedPdfs);
            if (!pdf) return;
            const res = await fetch(`${proxy.url}/api/v1/verify`, {
              method: 'POST',
              headers: { 'content-type': 'application/pdf' },
              body: pdf,
            });
            const body = Buffer.from(await res.arrayBuffer());
            note(op, res.status, text(body));
            return;
          }
          case 'tsa': {
            const digest = createHash('sha256').update(randomBytes(16)).digest();
            const res = await fetch(`${proxy.url}/tsa`, {
              method: 'POST',
              headers: { 'content-type': 'application/timestamp-query' },
              body: encodeTimestampRequest({ hash: 'sha256', digest, nonce: BigInt(n), certReq: true }),
            });
            const body = Buffer.from(await res.arrayBuffer());
            note(op, res.status, res.status === 200 ? '' : text(body));
            return;
          }
        }
      }

      const deadline = Date.now() + SECONDS * 1000;
      let seq = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (Date.now() < deadline) {
            const op = issued.length < 3 ? 'issue' : pickOp();
            const n = ++seq;
            await one(op, n).catch((e: unknown) => failures.push(`${op}: ${e instanceof Error ? e.message : String(e)}`));
          }
        }),
      );
      process.stdout.write(`load: ${seq} requests through the proxy ${JSON.stringify(proxy.forwarded)}: ${JSON.stringify(counts)}\n`);

      // every instance took part and none failed
      expect(failures.slice(0, 20)).toEqual([]);
      expect(proxy.forwarded.every((n) => n > 0)).toBe(true);
      for (const x of servers) expect(x.alive()).toBe(true);
      for (const op of ['issue', 'revoke', 'ocsp', 'sign', 'certify', 'tsa'] as const)
        expect(counts[`${op} ${op === 'issue' ? 201 : 200}`] ?? 0).toBeGreaterThan(0);

      // serials unique per CA, over every record
      const certs = await allCertificates(ctx);
      expect(serialProblems(certs)).toEqual([]);

      // register numbers 1..n exactly once; every acknowledged certification is valid with its copy
      const entries = await allEntries(ctx, AUTHORITY);
      expect(registerProblems(entries)).toEqual([]);
      expect(new Set(copyNumbers).size).toBe(copyNumbers.length);
      expect(entries.filter((e) => e.status === 'valid').length).toBe(copyNumbers.length);
      expect(entries.every((e) => e.status === 'valid')).toBe(true);
      expect((await copyProblems(entries, ctx.store.copyDocuments)).problems).toEqual([]);

      // OCSP from each instance (three consecutive requests go round the proxy once) equals the database status
      const byId = new Map(certs.map((c) => [c.id, c]));
      const mismatches: string[] = [];
      for (const c of issued) {
        const stored = byId.get(c.id)!;
        const want = stored.status === 'active' ? 'good' : stored.status === 'revoked' ? 'revoked' : 'unknown';
        if (revokedAcked.has(c.id) && want !== 'revoked') mismatches.push(`${c.id}: revocation acknowledged but stored ${stored.status}`);
        for (let k = 0; k < 3; k++) {
          const res = await fetch(`${proxy.url}/pki/ocsp`, {
            method: 'POST',
            headers: { 'content-type': 'application/ocsp-request' },
            body: encodeOcspRequest(c.der, c.issuer),
          });
          const got = parseOcspResponse(Buffer.from(await res.arrayBuffer())).responses[0]?.status;
          if (got !== want) mismatches.push(`${c.id}: database ${stored.status}, OCSP ${got}`);
        }
      }
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(revokedAcked.size).toBeGreaterThan(0);

      expect(await auditProblems(call, s.auditorToken)).toEqual([]);
      process.stdout.write(
        `load result: ${JSON.stringify({ seconds: SECONDS, workers: WORKERS, requests: seq, certificates: issued.length, revoked: revokedAcked.size, copies: copyNumbers.length, ocspChecked: issued.length * 3 })}\n`,
      );
    },
    240_000 + SECONDS * 1000,
  );
});
