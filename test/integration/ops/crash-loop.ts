import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { FileCopyDocumentStore } from '../../../src/store/index.js';
import { AUTHORITY, PIN, caller, certifyForm, freePort, originalPdf, setupCertifierAndAuthority, type CopySetup } from '../copies/setup.js';
import { allCertificates, allEntries, auditProblems, copyProblems, registerProblems, serialProblems } from './invariants.js';
import { ensureBuilt, killHard, kysoInit, pgDatabase, startServe, type ServeProcess } from './service-process.js';

/**
 * Crash loop: one `kyso serve` receives an issuance, a signing or a certification and is killed
 * with SIGKILL at a random moment of it, restarted, and the invariants are checked after every
 * restart. A request answered before the kill must be durable (an acknowledged certification's
 * entry is valid with its copy, an acknowledged certificate is active); one that was not answered
 * may or may not exist, but never as a hole, a duplicate or a half-written copy.
 */

export type CrashOp = 'issue' | 'sign' | 'certify';
const OPS: readonly CrashOp[] = ['issue', 'sign', 'certify'];

export interface CrashLoopOptions {
  readonly runs: number;
  readonly postgres?: boolean;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface CrashLoopResult {
  readonly runs: number;
  readonly seed: number;
  readonly database: 'sqlite' | 'postgres';
  readonly killsByOp: Record<CrashOp, number>;
  /** Requests answered before the kill (their effects were then checked as durable). */
  readonly acknowledged: Record<CrashOp, number>;
  readonly restarts: number;
  readonly invariantChecks: number;
  readonly certificates: number;
  readonly registerEntries: Record<string, number>;
  /** Stored copies that no entry names (each is also a problem: the entry names its copy before it is stored). */
  readonly orphanCopies: number;
  readonly problems: string[];
  readonly wallSeconds: number;
  /** Where the time went (ms summed over the runs): restarts, invariant checks, requests up to the kill. */
  readonly timeMs: { readonly restart: number; readonly check: number; readonly request: number };
}

/** mulberry32: a small seeded generator so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const started = Date.now();
  const seed = o.seed ?? randomBytes(4).readUInt32BE(0);
  const random = prng(seed);
  const log = o.log ?? (() => undefined);
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'kyso-crash-'));
  const db = o.postgres ? await pgDatabase(`kyso_crash_${randomBytes(6).toString('hex')}`) : undefined;
  const port = await freePort();
  const env: Record<string, string> = {
    KYSO_DATA: dataDir,
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    KYSO_LOG_LEVEL: 'silent',
    KYSO_RATE_LIMIT: '0',
    ...(db ? { KYSO_DATABASE_URL: db.url } : {}),
  };
  let server: ServeProcess | undefined;
  let ctx: KysoContext | undefined;
  const problems: string[] = [];
  const killsByOp: Record<CrashOp, number> = { issue: 0, sign: 0, certify: 0 };
  const acknowledged: Record<CrashOp, number> = { issue: 0, sign: 0, certify: 0 };
  let restarts = 0;
  let checks = 0;
  let orphans = 0;
  const timeMs = { restart: 0, check: 0, request: 0 };
  try {
    const adminToken = kysoInit(env);
    server = await startServe(env, port);
    ctx = await openContext(loadConfig({ env }));
    const call = caller(server.url);
    const s = await setupCertifierAndAuthority(ctx, call, adminToken);
    const documents = ctx.store.dialect === 'sqlite' ? new FileCopyDocumentStore(join(dataDir, 'copies')) : ctx.store.copyDocuments;
    const original = await originalPdf(1);
    const toSign = await originalPdf(1, 'CONG VAN');
    const ackedCertificates: string[] = [];
    const ackedEntries: number[] = [];

    const request = (op: CrashOp, i: number) => send(call, s, adminToken, op, i, original, toSign);

    // One unkilled request of each kind measures how long each takes here, so kills fall inside
    // them. Measured cold on purpose: after every restart the request meets a cold process too.
    const duration: Record<CrashOp, number> = { issue: 0, sign: 0, certify: 0 };
    for (const op of OPS) {
      const t0 = Date.now();
      const r = await request(op, 0);
      duration[op] = Math.max(20, Date.now() - t0);
      if (r.status !== 200 && r.status !== 201) problems.push(`warm-up ${op} answered ${r.status}: ${r.text}`);
    }
    log(`warm-up durations (ms): ${JSON.stringify(duration)}; seed ${seed}`);

    for (let run = 1; run <= o.runs; run++) {
      const op = OPS[Math.floor(random() * OPS.length)]!;
      const t0 = Date.now();
      // Mostly inside the request (where the state changes happen); one run in seven waits for the
      // answer and kills right after it, so acknowledged work is checked for durability too.
      const afterAnswer = random() < 1 / 7;
      const delay = afterAnswer ? Number.POSITIVE_INFINITY : Math.floor(random() * duration[op] * 1.2);
      const pending = request(op, run).then(
        (r) => ({ answered: true as const, ...r }),
        () => ({ answered: false as const, status: 0, text: '', id: undefined }),
      );
      const first = afterAnswer ? await pending : await Promise.race([pending, sleep(delay).then(() => undefined)]);
      await killHard(server);
      killsByOp[op]++;
      const r = first ?? (await pending);
      const t1 = Date.now();
      timeMs.request += t1 - t0;
      if (r.answered && r.status >= 500) problems.push(`run ${run}: ${op} answered ${r.status}: ${r.text}`);
      if (r.answered && (r.status === 200 || r.status === 201)) {
        acknowledged[op]++;
        if (op === 'issue' && r.id) ackedCertificates.push(r.id);
        if (op === 'certify' && r.id) ackedEntries.push(Number(r.id));
      }
      try {
        server = await startServe(env, port);
        restarts++;
        timeMs.restart += Date.now() - t1;
      } catch (e) {
        problems.push(`run ${run}: the service did not start after the kill: ${(e as Error).message}`);
        break;
      }
      const t2 = Date.now();
      const found = await checkAll(ctx, caller(server.url), s.auditorToken, documents, db ? undefined : join(dataDir, 'copies'));
      checks++;
      orphans = found.orphans;
      const certs = await allCertificates(ctx);
      const byId = new Map(certs.map((c) => [c.id, c]));
      for (const id of ackedCertificates)
        if (byId.get(id)?.status !== 'active')
          problems.push(`run ${run}: acknowledged certificate ${id} is ${byId.get(id)?.status ?? 'missing'}`);
      const entries = await allEntries(ctx, AUTHORITY);
      const byNumber = new Map(entries.map((e) => [e.number, e]));
      for (const n of ackedEntries)
        if (byNumber.get(n)?.status !== 'valid')
          problems.push(`run ${run}: acknowledged certification ${n} is ${byNumber.get(n)?.status ?? 'missing'}`);
      const when = afterAnswer ? 'after the answer' : `after ${delay} ms`;
      for (const p of found.problems) problems.push(`run ${run} (${op}, kill ${when}): ${p}`);
      timeMs.check += Date.now() - t2;
      if (run % 10 === 0 || found.problems.length)
        log(`run ${run}/${o.runs}: ${found.problems.length} problem(s); kills ${JSON.stringify(killsByOp)}`);
      if (problems.length > 50) break;
    }
    const certs = await allCertificates(ctx);
    const entries = await allEntries(ctx, AUTHORITY);
    const registerEntries: Record<string, number> = {};
    for (const e of entries) registerEntries[e.status] = (registerEntries[e.status] ?? 0) + 1;
    return {
      runs: o.runs,
      seed,
      database: db ? 'postgres' : 'sqlite',
      killsByOp,
      acknowledged,
      restarts,
      invariantChecks: checks,
      certificates: certs.length,
      registerEntries,
      orphanCopies: orphans,
      problems: [...new Set(problems)],
      wallSeconds: Math.round((Date.now() - started) / 1000),
      timeMs,
    };
  } finally {
    if (server) await killHard(server);
    await ctx?.close();
    await db?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function checkAll(
  ctx: KysoContext,
  call: ReturnType<typeof caller>,
  auditorToken: string,
  documents: Parameters<typeof copyProblems>[1],
  copyDir: string | undefined,
): Promise<{ problems: string[]; orphans: number }> {
  const certs = await allCertificates(ctx);
  const entries = await allEntries(ctx, AUTHORITY);
  const copies = await copyProblems(entries, documents, copyDir);
  return {
    problems: [
      ...serialProblems(certs),
      ...registerProblems(entries),
      ...copies.problems,
      ...copies.orphans.map((f) => `stored copy ${f} is named by no register entry`),
      ...(await auditProblems(call, auditorToken)),
    ],
    orphans: copies.orphans.length,
  };
}

/** One small request of each kind; `id` is the certificate id (issue) or the register number (certify). */
async function send(
  call: ReturnType<typeof caller>,
  s: CopySetup,
  adminToken: string,
  op: CrashOp,
  i: number,
  original: Buffer,
  toSign: Buffer,
): Promise<{ status: number; text: string; id: string | undefined }> {
  if (op === 'issue') {
    const r = await call('POST', '/api/v1/certificates', {
      token: adminToken,
      json: {
        profile: 'individual',
        subject: {
          commonName: `Người thử ${i}`,
          organization: 'UBND xã Hạ Long',
          uids: [`CCCD:0221980${String(10000 + i).padStart(5, '0')}`],
        },
        keySpec: { type: 'ec', curve: 'P-256' },
        pkcs12Password: 'crash-loop',
      },
    });
    return { status: r.status, text: r.body.toString('utf8').slice(0, 300), id: r.json?.certificate?.id };
  }
  if (op === 'sign') {
    const form = new FormData();
    form.append('pdf', new Blob([toSign], { type: 'application/pdf' }), 'doc.pdf');
    form.set('options', JSON.stringify({ level: 'B-B', signer: { kind: 'credential', credentialId: s.certifierCredential, pin: PIN } }));
    const r = await call('POST', '/api/v1/sign', { token: s.signerToken, body: form });
    return { status: r.status, text: r.status === 200 ? '' : r.body.toString('utf8').slice(0, 300), id: undefined };
  }
  const r = await call('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { original }, { level: 'B-B' }) });
  return {
    status: r.status,
    text: r.status === 200 ? '' : r.body.toString('utf8').slice(0, 300),
    id: r.headers.get('x-kyso-copy-number') ?? undefined,
  };
}
