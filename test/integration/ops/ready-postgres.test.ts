import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';

/**
 * `kyso serve` on a PostgreSQL cluster the test owns: GET /ready is 200, turns 503 naming the
 * database while the cluster is stopped (without hanging: the probe has a time budget), and
 * returns to 200 once it is back, with no restart of kyso.
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
let pgc: PrivatePostgres;
let kyso: ChildProcess | undefined;
let url = '';
let dataDir = '';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ready = async () => {
  const r = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(15_000) });
  return { status: r.status, body: (await r.json()) as { status: string; checks: Array<{ name: string; ok: boolean; reason?: string }> } };
};

beforeAll(async () => {
  pgc = await startPrivatePostgres();
  dataDir = mkdtempSync(join(tmpdir(), 'kyso-ready-'));
  const env = {
    ...process.env,
    KYSO_DATA: dataDir,
    KYSO_DATABASE_URL: pgc.url,
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_LOG_LEVEL: 'warn',
    PORT: '0',
  };
  kyso = spawn(process.execPath, [join(ROOT, 'bin/kyso.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  kyso.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  kyso.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  url = await waitFor('kyso serve to listen', async () => /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 60_000);
}, 120_000);

afterAll(async () => {
  kyso?.kill('SIGKILL');
  pgc?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /ready follows the database', () => {
  it('ok → 503 (database) while PostgreSQL is stopped → ok again when it returns', async () => {
    const first = await waitFor('ready', async () => {
      const r = await ready();
      return r.status === 200 ? r : undefined;
    });
    expect(first.body.checks.every((c) => c.ok)).toBe(true);

    pgc.stop();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unready');
    const db = down.body.checks.find((c) => c.name === 'database')!;
    expect(db.ok).toBe(false);
    expect(db.reason).toBeTruthy();
    // /health keeps its contract: it answers (quickly) and reports the database as down
    expect((await fetch(`${url}/health`, { signal: AbortSignal.timeout(15_000) })).status).toBe(503);

    pgc.start();
    const back = await waitFor('ready again', async () => {
      const r = await ready();
      return r.status === 200 ? r : undefined;
    });
    expect(back.body.checks.map((c) => c.ok)).toEqual([true, true, true]);
  }, 120_000);
});
