import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { initialise } from '../../../src/app/init.js';
import { createSigning } from '../../../src/app/signing.js';
import { CopyService } from '../../../src/copies/copy-service.js';
import { loadCopyFonts } from '../../../src/app/certified-copies.js';
import { copySignerFromSigning } from '../../../src/signing/index.js';
import {
  AUTHORITY,
  CERTIFIER_ID,
  PIN,
  SEAL_OWNER,
  SEAL_PIN,
  caller,
  certifyForm,
  freePort,
  originalPdf,
  setupCertifierAndAuthority,
  type CopySetup,
} from './setup.js';

/**
 * Two `kyso serve` processes on one PostgreSQL database: 200 concurrent certifications spread
 * over both yield register numbers 1..200 exactly once. Then one instance is killed (SIGKILL)
 * in the middle of a certification: its entry is left `pending` with its number, crash
 * recovery turns it into `failed`, and the next certification takes the next number.
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const ADMIN_URL = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `kyso_test_${randomBytes(6).toString('hex')}`;
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const MASTER = randomBytes(32).toString('hex');

let ctx: KysoContext;
let dataDir: string;
let adminToken: string;
const servers: Array<{ proc: ChildProcess; url: string }> = [];
let s: CopySetup;

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

function env(port: number, publicUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KYSO_DATABASE_URL: DB_URL,
    KYSO_MASTER_KEY: MASTER,
    KYSO_DATA: mkdtempSync(join(dataDir, 'srv-')),
    PORT: String(port),
    KYSO_PUBLIC_URL: publicUrl,
    KYSO_LOG_LEVEL: 'silent',
  };
}

function startServe(port: number, publicUrl: string): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bin/kyso.js'), 'serve'], {
      env: env(port, publicUrl),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kyso serve did not start: ${out}`)), 60_000);
    const on = (b: Buffer) => {
      out += b.toString();
      const m = /kyso listening on (http:\/\/[^\s]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new Error(`kyso serve exited ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  // The servers run the compiled CLI (bin/kyso.js → dist/); build it when it lacks the copies wiring.
  if (!existsSync(join(ROOT, 'dist/app/certified-copies.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  await admin(`CREATE DATABASE ${DB}`);
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-copies-pg-'));
  ctx = await openContext(
    loadConfig({ env: { KYSO_DATA: dataDir, KYSO_DATABASE_URL: DB_URL, KYSO_MASTER_KEY: MASTER, KYSO_LOG_LEVEL: 'silent' } }),
    { create: true },
  );
  const init = await initialise(ctx, createPki(ctx));
  adminToken = init.adminToken ?? '';
  const [p1, p2] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${p1}`;
  servers.push(await startServe(p1, publicUrl), await startServe(p2, publicUrl));
  s = await setupCertifierAndAuthority(ctx, caller(servers[0]!.url), adminToken);
}, 180_000);

afterAll(async () => {
  for (const sv of servers) if (sv.proc.exitCode === null && sv.proc.signalCode === null) sv.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await ctx?.close();
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function signingFor(c: KysoContext) {
  return createSigning(c, {
    repos: { sessions: c.store.signSessions, credentials: c.store.credentials, authorizations: c.store.signingAuthorizations },
  });
}

describe('register numbering with two service processes on PostgreSQL', () => {
  it('ok/200 concurrent certifications over two instances → numbers 1..200 exactly once', async () => {
    const signing = signingFor(ctx);
    const certAuth = await signing.credentials.authorizeBatch(s.certifierCredential, CERTIFIER_ID, PIN, 200);
    const sealAuth = await signing.credentials.authorizeBatch(s.sealCredential, SEAL_OWNER, SEAL_PIN, 200);
    const original = await originalPdf(1);
    const calls = [caller(servers[0]!.url), caller(servers[1]!.url)];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        calls[i % 2]!('POST', '/api/v1/copies', {
          token: s.certifierToken,
          body: certifyForm(s, { original }, { level: 'B-B', authorizationId: certAuth.id, sealAuthorizationId: sealAuth.id }),
        }),
      ),
    );
    for (const r of results) expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
    const numbers = results.map((r) => Number(r.headers.get('x-kyso-copy-number'))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((e) => e.number)).size).toBe(200);
    expect(stored.every((e) => e.status === 'valid')).toBe(true);
  }, 240_000);

  it('fail/kill -9 of an instance mid-certification → its entry is pending, recovery marks it failed; numbering continues without gap', async () => {
    const victim = servers[1]!;
    // A long original keeps the instance busy after the number is allocated.
    const big = await originalPdf(250);
    const pending = caller(victim.url)('POST', '/api/v1/copies', {
      token: s.certifierToken,
      body: certifyForm(s, { original: big }, { level: 'B-B' }),
    }).catch((e: unknown) => e);
    let entry;
    for (let i = 0; i < 400 && !entry; i++) {
      entry = (await ctx.store.registers.list({ authorityId: AUTHORITY, status: 'pending', limit: 10 }))[0];
      if (!entry) await new Promise((r) => setTimeout(r, 25));
    }
    expect(entry, 'the certification never reached the register').toBeDefined();
    victim.proc.kill('SIGKILL');
    await pending;
    expect(entry!.number).toBe(201);
    expect((await ctx.store.registers.get(entry!.id))?.status).toBe('pending');
    // What a restarting instance does (threshold 0: we know the process is gone).
    const signing = signingFor(ctx);
    const recovery = new CopyService({
      registers: ctx.store.registers,
      authorities: ctx.store.authorities,
      audit: ctx.audit,
      clock: ctx.clock,
      fonts: loadCopyFonts(),
      signer: copySignerFromSigning(signing.sign, signing.credentials),
      publicUrl: servers[0]!.url,
      level: 'B-B',
      documents: ctx.store.copyDocuments,
    });
    expect(await recovery.recoverInterrupted(0)).toBe(1);
    expect((await ctx.store.registers.get(entry!.id))?.status).toBe('failed');
    const next = await caller(servers[0]!.url)('POST', '/api/v1/copies', {
      token: s.certifierToken,
      body: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }),
    });
    expect(next.status, next.body.toString('utf8').slice(0, 300)).toBe(200);
    expect(next.headers.get('x-kyso-copy-number')).toBe('202');
    const all = await ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });
    expect(all.map((e) => e.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 202 }, (_, i) => i + 1));
  }, 120_000);
});
