import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { caller, run } from '../copies/setup.js';

/** Shared by the operations tests: run the built `kyso` CLI and `kyso serve` as an operator would. */
export const ROOT = new URL('../../../', import.meta.url).pathname;
export const KYSO = join(ROOT, 'bin/kyso.js');

export function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [KYSO, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface Served {
  readonly proc: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

export function startServe(env: NodeJS.ProcessEnv): Promise<Served> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [KYSO, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kyso serve did not start: ${out}`)), 90_000);
    const on = (b: Buffer) => {
      out += b.toString();
      const m = /kyso listening on (http:\/\/[^\s]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        const stop = () =>
          new Promise<void>((r) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return r();
            proc.once('exit', () => r());
            proc.kill('SIGTERM');
          });
        resolve({ proc, url: m[1], stop });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kyso serve exited ${code}: ${out}`));
    });
  });
}

export const subject = (cn: string, uid: string) => ({ commonName: cn, organization: 'UBND tỉnh Quảng Ninh', uids: [uid] });

/** Issues with a server-generated key over HTTP; the PKCS#12 opens with openssl and gives the leaf PEM. */
export async function issueP12(
  url: string,
  token: string,
  dir: string,
  cn: string,
  uid: string,
): Promise<{ id: string; serial: string; leaf: string }> {
  const pw = 'mật-khẩu 1';
  const r = await caller(url)('POST', '/api/v1/certificates', {
    token,
    json: { profile: 'individual', subject: subject(cn, uid), pkcs12Password: pw },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  const p12 = join(dir, `${r.json.certificate.serial}.p12`);
  writeFileSync(p12, Buffer.from(r.json.pkcs12, 'base64'));
  const leaf = join(dir, `${r.json.certificate.serial}.pem`);
  const x = spawnSync('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${pw}`, '-clcerts', '-nokeys', '-out', leaf], {
    encoding: 'utf8',
  });
  expect(x.status, x.stderr).toBe(0);
  return { id: r.json.certificate.id, serial: r.json.certificate.serial, leaf };
}

/** Writes the CA certificates the service publishes (`/pki/ca/{id}.pem`) into `dir`; returns their PEMs. */
export async function exportCas(url: string, dir: string, ids: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const r = await caller(url)('GET', `/pki/ca/${id}.pem`);
    expect(r.status).toBe(200);
    out[id] = r.body.toString('utf8');
    writeFileSync(join(dir, `${id}.pem`), r.body);
  }
  return out;
}

export function opensslVerify(dir: string, leaf: string, issuing = 'individuals'): string {
  const v = spawnSync(
    'openssl',
    ['verify', '-no-CApath', '-no-CAstore', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, `${issuing}.pem`), leaf],
    {
      encoding: 'utf8',
    },
  );
  return v.stdout + v.stderr;
}

/** `openssl ocsp` against the service: checks the response signature with the delegated responder's certificate. */
export async function ocspStatus(url: string, dir: string, leaf: string, issuing = 'individuals'): Promise<string> {
  const r = await run('openssl', [
    'ocsp',
    '-issuer',
    join(dir, `${issuing}.pem`),
    '-cert',
    leaf,
    '-url',
    `${url}/pki/ocsp`,
    '-VAfile',
    join(dir, `ocsp-${issuing}.pem`),
    '-no_nonce',
  ]);
  expect(r.out).toMatch(/Response verify OK/);
  const m = new RegExp(`${leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\w+)`).exec(r.out);
  return m?.[1] ?? `no status in: ${r.out}`;
}
