import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { initialise } from '../../../src/app/init.js';
import { wireServices } from '../../../src/app/services.js';
import { createPki } from '../../../src/app/pki.js';
import { startServer, type RunningServer } from '../../../src/app/server.js';
import type { Logger } from '../../../src/http/log.js';

/** The real app on 127.0.0.1 (random port) over a temp data dir with SQLite. */
export interface Harness {
  readonly ctx: KysoContext;
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
  readonly adminToken: string;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, log?: Logger): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kyso-http-'));
  // Port first (0 = free port) so the public URL can be fixed after listen: tests override it below.
  const config0 = loadConfig({
    env: { KYSO_DATA: dataDir, KYSO_LOG_LEVEL: 'silent', KYSO_MASTER_KEY: randomBytes(32).toString('hex'), PORT: '0', ...env },
  });
  const ctx = await openContext(config0, { create: true, ...(log ? { log } : {}) });
  const pki = createPki(ctx);
  const init = await initialise(ctx, pki);
  const wired = await wireServices(ctx, { pki, schedule: true });
  const server = await startServer(ctx, { services: wired.http, health: wired.health, timers: wired.timers });
  return {
    ctx,
    server,
    url: server.url,
    dataDir,
    adminToken: init.adminToken ?? '',
    async close() {
      await server.close();
      await ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function call(
  h: Harness,
  method: string,
  path: string,
  o: { token?: string; json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | Buffer | undefined = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(h.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const buf = Buffer.from(await res.arrayBuffer());
  const ct = res.headers.get('content-type') ?? '';
  const json = /json/.test(ct) && buf.length ? (JSON.parse(buf.toString('utf8')) as Record<string, any>) : undefined;
  return { status: res.status, headers: res.headers, body: buf, json: json as Record<string, any> };
}

/** An API token for an official of the seeded commune (ubnd-xa-ha-long) with the signer role. */
export async function signerToken(h: Harness, officialId: string): Promise<string> {
  return (await h.ctx.tokens.create({ role: 'signer', organizationId: 'ubnd-xa-ha-long', officialId, label: officialId })).token;
}
