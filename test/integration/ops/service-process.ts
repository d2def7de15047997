import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * `kyso init` and `kyso serve` as separate processes of the compiled CLI (bin/kyso.js → dist/),
 * as an operator runs them: what the several-instance and crash-loop tests start, kill and restart.
 */
export const ROOT = new URL('../../../', import.meta.url).pathname;
const KYSO = join(ROOT, 'bin/kyso.js');

/** Builds dist/ when it is missing (the servers run the compiled CLI). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
}

/** `kyso init` once; returns the admin token it prints (shown once, only its hash is stored). */
export function kysoInit(env: NodeJS.ProcessEnv): string {
  const out = execFileSync(process.execPath, [KYSO, 'init'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = /Admin API token[^\n]*\n\s+(\S+)/.exec(out);
  if (!m?.[1]) throw new Error(`kyso init printed no admin token:\n${out}`);
  return m[1];
}

export interface ServeProcess {
  readonly proc: ChildProcess;
  readonly url: string;
  /** Resolves when the process has exited (after a kill or a crash). */
  readonly exited: Promise<void>;
  alive(): boolean;
}

/** Starts `kyso serve` and resolves once it prints its listening line. */
export function startServe(env: NodeJS.ProcessEnv, port: number, timeoutMs = 60_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [KYSO, 'serve', '--port', String(port)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`kyso serve did not start within ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    const on = (b: Buffer) => {
      if (out.length < 64_000) out += b.toString();
      const m = /kyso listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], exited, alive: () => proc.exitCode === null && proc.signalCode === null });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`kyso serve exited (${code ?? signal}) before listening: ${out.slice(-2000)}`));
    });
  });
}

/** SIGKILL: no shutdown handler runs, exactly like a power cut of the process. */
export async function killHard(s: ServeProcess): Promise<void> {
  if (s.alive()) s.proc.kill('SIGKILL');
  await s.exited;
}

/** A database of its own on the PostgreSQL the tests use (never the shared one's other databases). */
export async function pgDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    url: adminUrl.replace(/\/[^/]*$/, `/${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
