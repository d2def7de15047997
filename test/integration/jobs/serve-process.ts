import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/**
 * A real `kyso serve` process (dist/, so `npm run build` first) over a data directory made with
 * the CLI: `kyso init`, a server-held RSA credential for an official, tokens for two signers
 * and the admin. Only 127.0.0.1.
 */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
export const PIN = '864213';
export const OFFICIAL = 'off_job_signer';

export interface ServeWorld {
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly credentialId: string;
  /** A signer acting as OFFICIAL (organization OFFICIAL). */
  readonly signerToken: string;
  /** Another signer of another organization. */
  readonly otherToken: string;
  readonly adminToken: string;
}

export function kyso(args: string[], env: Record<string, string>): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function must(r: { code: number | null; out: string; err: string }): string {
  if (r.code !== 0) throw new Error(`kyso failed (${r.code}): ${r.err}`);
  return r.out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function makeWorld(extraEnv: Record<string, string> = {}): ServeWorld {
  const dataDir = mkdtempSync(join(tmpdir(), 'kyso-jobs-'));
  const env = {
    KYSO_DATA: dataDir,
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_LOG_LEVEL: 'error',
    KYSO_DATABASE_URL: '',
    KYSO_PUBLIC_URL: '',
    KYSO_ENV: '',
    ...extraEnv,
  };
  const init = must(kyso(['init'], env));
  const adminToken = /Admin API token[^\n]*\n\s+(\S+)/.exec(init)?.[1] ?? '';
  const cred = JSON.parse(
    must(kyso(['credential', 'issue', '--profile', 'individual', '--cn', 'Phạm Thị Ký', '--owner', OFFICIAL, '--pin', PIN, '--json'], env)),
  ) as { credentialId: string };
  const token = (args: string[]) => (JSON.parse(must(kyso(['token', 'create', ...args, '--json'], env))) as { token: string }).token;
  return {
    dataDir,
    env,
    credentialId: cred.credentialId,
    signerToken: token(['--role', 'signer', '--org', OFFICIAL, '--official', OFFICIAL]),
    otherToken: token(['--role', 'signer', '--org', 'org_other']),
    adminToken,
  };
}

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export async function serve(w: ServeWorld, env: Record<string, string> = {}): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
    env: { ...process.env, ...w.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('kyso listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`kyso serve exited ${code}: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, exited };
}

/** `n` small distinct one-page PDFs. */
export async function smallPdfs(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    doc.addPage([300, 200]).drawText(`Van ban so ${i}/${n}`, { x: 30, y: 100, size: 14, font });
    out.push(Buffer.from(await doc.save({ useObjectStreams: false })));
  }
  return out;
}

export function jobForm(pdfs: readonly Buffer[], options: Record<string, unknown>): FormData {
  const fd = new FormData();
  pdfs.forEach((p, i) => fd.append('pdf', new Blob([new Uint8Array(p)], { type: 'application/pdf' }), `van-ban-${i + 1}.pdf`));
  fd.set('options', JSON.stringify(options));
  return fd;
}

export async function api(
  url: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: FormData | string,
): Promise<{ status: number; json: any; body: Buffer; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const buf = Buffer.from(await res.arrayBuffer());
  const json = /json/.test(res.headers.get('content-type') ?? '') && buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
  return { status: res.status, json, body: buf, headers: res.headers };
}
