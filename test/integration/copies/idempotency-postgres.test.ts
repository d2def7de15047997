import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { initialise } from '../../../src/app/init.js';
import { AUTHORITY, caller, certifyForm, freePort, originalPdf, setupCertifierAndAuthority, type CopySetup } from './setup.js';
import { sendWithKey, untilAnswered } from '../http/idempotency-client.js';

/**
 * Idempotency-Key across two `kyso serve` processes on one PostgreSQL database: the same copy
 * request sent three times, in turn to either instance and then all at once, takes one register
 * number and gets the same bytes each time. The (caller, key) primary key decides the one
 * instance that runs it; the other answers 409 IDEMPOTENCY_IN_PROGRESS until the answer is stored.
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
  if (!existsSync(join(ROOT, 'dist/http/idempotency/idempotency-service.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  await admin(`CREATE DATABASE ${DB}`);
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-idem-pg-'));
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

const entries = async () => ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });

describe('Idempotency-Key with two service processes on PostgreSQL', () => {
  it('ok/the same copy request three times in turn to both instances → one register number, the same bytes', async () => {
    const before = (await entries()).length;
    const original = await originalPdf(1);
    const key = randomUUID();
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(
        await sendWithKey(servers[i % 2]!.url, 'POST', '/api/v1/copies', {
          token: s.certifierToken,
          key,
          form: certifyForm(s, { original }, { level: 'B-B' }),
        }),
      );
    for (const a of answers) expect(a.status, a.text()).toBe(200);
    for (const a of answers.slice(1)) {
      expect(a.headers.get('idempotent-replayed')).toBe('true');
      expect(a.body.equals(answers[0]!.body)).toBe(true);
    }
    expect(new Set(answers.map((a) => a.headers.get('x-kyso-copy-number'))).size).toBe(1);
    expect((await entries()).length).toBe(before + 1);
  }, 120_000);

  it('ok/the same copy request three times at once over both instances → one winner, one register number, the same bytes', async () => {
    for (let round = 0; round < 3; round++) {
      const before = (await entries()).length;
      const original = await originalPdf(1 + round);
      const key = randomUUID();
      const answers = await Promise.all(
        [0, 1, 2].map((i) =>
          untilAnswered(() =>
            sendWithKey(servers[i % 2]!.url, 'POST', '/api/v1/copies', {
              token: s.certifierToken,
              key,
              form: certifyForm(s, { original }, { level: 'B-B' }),
            }),
          ),
        ),
      );
      for (const a of answers) expect(a.status, a.text()).toBe(200);
      for (const a of answers.slice(1)) expect(a.body.equals(answers[0]!.body)).toBe(true);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      const after = await entries();
      expect(after.length).toBe(before + 1);
      expect(new Set(after.map((e) => e.number)).size).toBe(after.length);
    }
  }, 180_000);

  it('fail/the key reused with another body on the other instance → 422, nothing certified', async () => {
    const key = randomUUID();
    const first = await sendWithKey(servers[0]!.url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }),
    });
    expect(first.status, first.text()).toBe(200);
    const before = (await entries()).length;
    const other = await sendWithKey(servers[1]!.url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B', copies: 2 }),
    });
    expect(other.status).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await entries()).length).toBe(before);
  }, 120_000);
});
