import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { initialise } from '../../../src/app/init.js';
import { caller, freePort, setupCertifierAndAuthority, type CopySetup } from './setup.js';

/**
 * Two `kyso serve` processes (the built CLI) on one PostgreSQL database of the test's own, with a
 * certifier and a certifying authority set up through the first: the ground for the register
 * numbering and Idempotency-Key tests across instances. The database is created here and dropped
 * by `close()`.
 */
export interface TwoInstances {
  readonly ctx: KysoContext;
  readonly servers: Array<{ readonly proc: ChildProcess; readonly url: string }>;
  readonly setup: CopySetup;
  close(): Promise<void>;
}

const ROOT = new URL('../../../', import.meta.url).pathname;
const ADMIN_URL = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

function startServe(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bin/kyso.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

export async function startTwoInstances(label: string): Promise<TwoInstances> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first: the servers run bin/kyso.js');
  const db = `kyso_test_${randomBytes(6).toString('hex')}`;
  const dbUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${db}`);
  const master = randomBytes(32).toString('hex');
  await admin(`CREATE DATABASE ${db}`);
  const dataDir = mkdtempSync(join(tmpdir(), `kyso-${label}-pg-`));
  const ctx = await openContext(
    loadConfig({ env: { KYSO_DATA: dataDir, KYSO_DATABASE_URL: dbUrl, KYSO_MASTER_KEY: master, KYSO_LOG_LEVEL: 'silent' } }),
    { create: true },
  );
  const init = await initialise(ctx, createPki(ctx));
  const [p1, p2] = [await freePort(), await freePort()];
  // Both instances write the first one's URL into certificates and QR codes, as behind one proxy.
  const publicUrl = `http://127.0.0.1:${p1}`;
  const env = (port: number): NodeJS.ProcessEnv => ({
    ...process.env,
    KYSO_DATABASE_URL: dbUrl,
    KYSO_MASTER_KEY: master,
    KYSO_DATA: mkdtempSync(join(dataDir, 'srv-')),
    PORT: String(port),
    KYSO_PUBLIC_URL: publicUrl,
    KYSO_LOG_LEVEL: 'silent',
  });
  const servers = [await startServe(env(p1)), await startServe(env(p2))];
  const setup = await setupCertifierAndAuthority(ctx, caller(servers[0]!.url), init.adminToken ?? '');
  return {
    ctx,
    servers,
    setup,
    async close() {
      for (const sv of servers) if (sv.proc.exitCode === null && sv.proc.signalCode === null) sv.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await ctx.close();
      await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
