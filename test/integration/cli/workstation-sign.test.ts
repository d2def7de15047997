import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nssDbTrusting, pdfsig } from '../signing/tools.js';

/**
 * `kyso sign` on an official's workstation: a PKCS#12 file or a SoftHSM2 token, a remote TSA (a
 * `kyso serve` on 127.0.0.1), LTV material fetched from the URLs in the certificates. The
 * command runs in an empty folder with an empty HOME and TMPDIR, and all three stay empty: no
 * ./data, no master key, no temp files. Results are checked by pdfsig and `kyso verify`.
 */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../examples/quyet-dinh.pdf', import.meta.url));
const SOFTHSM =
  ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((p) => existsSync(p)) ??
  '/usr/lib/softhsm/libsofthsm2.so';
const work = mkdtempSync(join(tmpdir(), 'kyso-ws-'));
const serverData = join(work, 'server-data');
const keys = join(work, 'keys');
const outDir = join(work, 'out');
const empty = { cwd: join(work, 'cwd'), home: join(work, 'home'), tmp: join(work, 'tmp') };
const baseEnv = {
  ...process.env,
  KYSO_LOG_LEVEL: 'error',
  KYSO_DATA: '',
  PORT: '',
  KYSO_MASTER_KEY: '',
  KYSO_DATABASE_URL: '',
  KYSO_TSA_URL: '',
};
let server: ChildProcess | undefined;
let url = '';
let admin = '';
let nss = '';

/** The CLI as an official runs it: in an empty folder, HOME and TMPDIR empty too. */
function kysoAtWorkstation(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...baseEnv, HOME: empty.home, TMPDIR: empty.tmp, ...extraEnv };
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: empty.cwd, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * One HTTP exchange on its own connection: the synchronous CLI runs block this process's event
 * loop, so a kept-alive socket may have been closed by the server unnoticed in the meantime.
 */
function request(
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

async function issue(cn: string, cccd: string, password: string): Promise<Buffer> {
  const r = await request('/api/v1/certificates', {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'individual', subject: { commonName: cn, uids: [`CCCD:${cccd}`] }, pkcs12Password: password }),
  });
  const body = JSON.parse(r.body.toString('utf8')) as { pkcs12: string };
  expect(r.status, JSON.stringify(body)).toBe(201);
  return Buffer.from(body.pkcs12, 'base64');
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  for (const d of [keys, outDir, empty.cwd, empty.home, empty.tmp]) mkdirSync(d, { recursive: true });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [BIN, 'serve', '--data', serverData], {
    env: { ...baseEnv, PORT: String(port), KYSO_PUBLIC_URL: url, KYSO_MASTER_KEY: randomBytes(32).toString('hex') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  server.stderr!.on('data', (d: Buffer) => void process.stderr.write(d));
  for (let i = 0; i < 300 && !/kyso_[A-Za-z0-9_-]{20,}/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  admin = /(kyso_[A-Za-z0-9_-]{20,})/.exec(out)?.[1] ?? '';
  expect(admin, out).not.toBe('');
  writeFileSync(join(keys, 'root.pem'), (await request('/pki/ca/root.pem')).body);
  writeFileSync(join(keys, 'individuals.pem'), (await request('/pki/ca/individuals.pem')).body);
  nss = nssDbTrusting(readFileSync(join(keys, 'root.pem'), 'utf8'));
}, 60_000);

afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
  if (nss) rmSync(nss, { recursive: true, force: true });
});

/** Nothing was written in the folder the command ran in, in HOME or in TMPDIR. */
function expectNothingWritten(): void {
  for (const d of Object.values(empty)) expect(readdirSync(d), d).toEqual([]);
}

function expectValid(file: string, signatures: number): void {
  const p = pdfsig(file, nss);
  expect(p.count, p.text).toBe(signatures);
  expect(p.valid, p.text).toBe(signatures);
  expect(p.trusted, p.text).toBe(signatures);
  // kyso's own verifier as a citizen runs it: no data directory, the province root as trust anchor
  const v = spawnSync(process.execPath, [BIN, 'verify', file, '--trust', join(keys, 'root.pem'), '--json'], {
    encoding: 'utf8',
    env: { ...baseEnv, HOME: empty.home },
    cwd: empty.cwd,
  });
  expect(v.status, v.stdout + v.stderr).toBe(0);
  expect((JSON.parse(v.stdout) as { indication: string }).indication).toBe('TOTAL_PASSED');
}

describe('kyso sign --p12 on a workstation', () => {
  it('ok/B-LT with --tsa against a kyso serve: LTV from the certificate URLs, nothing written outside --out', async () => {
    writeFileSync(join(keys, 'an.p12'), await issue('Nguyễn Văn An', '022090001234', 'PW-an'));
    const out = join(outDir, 'an.pdf');
    const r = kysoAtWorkstation([
      'sign',
      EXAMPLE,
      '--out',
      out,
      '--p12',
      join(keys, 'an.p12'),
      '--password',
      'PW-an',
      '--level',
      'B-LT',
      '--tsa',
      `${url}/tsa`,
    ]);
    expect(r.code, r.err).toBe(0);
    // no master-key warning and no data directory: this command opens no keys of a service
    expect(r.err).toBe('');
    expectNothingWritten();
    expect(readdirSync(outDir)).toEqual(['an.pdf']);
    const pdf = readFileSync(out);
    // B-LT: the document security store holds the OCSP answers fetched from the AIA URLs
    expect(pdf.includes(Buffer.from('/DSS'))).toBe(true);
    expect(pdf.includes(Buffer.from('/OCSPs'))).toBe(true);
    expectValid(out, 1);
  });

  it('fail/--level B-T without --tsa or KYSO_TSA_URL → TSA_UNAVAILABLE, exit 69, no output file', () => {
    const out = join(outDir, 'none.pdf');
    const r = kysoAtWorkstation(['sign', EXAMPLE, '--out', out, '--p12', join(keys, 'an.p12'), '--password', 'PW-an', '--level', 'B-T']);
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/^kyso: TSA_UNAVAILABLE: /);
    expect(existsSync(out)).toBe(false);
    expectNothingWritten();
  });

  it('ok/KYSO_TSA_URL stands in for --tsa', () => {
    const out = join(outDir, 'env-tsa.pdf');
    const r = kysoAtWorkstation(['sign', EXAMPLE, '--out', out, '--p12', join(keys, 'an.p12'), '--password', 'PW-an', '--level', 'B-T'], {
      KYSO_TSA_URL: `${url}/tsa`,
    });
    expect(r.code, r.err).toBe(0);
    expectValid(out, 1);
    expectNothingWritten();
  });
});

describe('kyso sign --pkcs11 on a SoftHSM2 token', () => {
  let hsmEnv: Record<string, string>;
  beforeAll(async () => {
    // The official's USB token: key and certificate imported from what the CA issued.
    const hsm = join(work, 'softhsm');
    mkdirSync(join(hsm, 'tokens'), { recursive: true });
    writeFileSync(
      join(hsm, 'softhsm2.conf'),
      `directories.tokendir = ${join(hsm, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    hsmEnv = { SOFTHSM2_CONF: join(hsm, 'softhsm2.conf') };
    const env = { ...process.env, ...hsmEnv };
    run('softhsm2-util', ['--init-token', '--free', '--label', 'usb-token', '--so-pin', '87654321', '--pin', '123456'], env);
    writeFileSync(join(keys, 'binh.p12'), await issue('Trần Thị Bình', '022190004321', 'PW-binh'));
    run('openssl', [
      'pkcs12',
      '-in',
      join(keys, 'binh.p12'),
      '-passin',
      'pass:PW-binh',
      '-nocerts',
      '-nodes',
      '-out',
      join(hsm, 'key.pem'),
    ]);
    run('openssl', [
      'pkcs12',
      '-in',
      join(keys, 'binh.p12'),
      '-passin',
      'pass:PW-binh',
      '-clcerts',
      '-nokeys',
      '-out',
      join(hsm, 'cert.pem'),
    ]);
    run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(hsm, 'key.pem'), '-out', join(hsm, 'key8.pem')]);
    run('openssl', ['x509', '-in', join(hsm, 'cert.pem'), '-outform', 'DER', '-out', join(hsm, 'cert.der')]);
    run(
      'softhsm2-util',
      ['--import', join(hsm, 'key8.pem'), '--token', 'usb-token', '--label', 'binh', '--id', 'a1', '--pin', '123456'],
      env,
    );
    run(
      'pkcs11-tool',
      [
        '--module',
        SOFTHSM,
        '--login',
        '--pin',
        '123456',
        '--token-label',
        'usb-token',
        '--write-object',
        join(hsm, 'cert.der'),
        '--type',
        'cert',
        '--id',
        'a1',
        '--label',
        'binh',
      ],
      env,
    );
  });

  it('ok/signs B-LT on the token with --tsa; the certificate is read from the token, the issuer from --chain', () => {
    const out = join(outDir, 'binh.pdf');
    const r = kysoAtWorkstation(
      [
        'sign',
        EXAMPLE,
        '--out',
        out,
        '--pkcs11',
        'pkcs11:token=usb-token;object=binh',
        '--pin',
        '123456',
        '--pkcs11-module',
        SOFTHSM,
        '--chain',
        join(keys, 'individuals.pem'),
        '--level',
        'B-LT',
        '--tsa',
        `${url}/tsa`,
        '--visible',
        '1,320,80,220,90',
      ],
      hsmEnv,
    );
    expect(r.code, r.err).toBe(0);
    expectNothingWritten();
    expectValid(out, 1);
    const p = pdfsig(out, nss);
    expect(p.text).toContain('Trần Thị Bình');
  });

  it('ok/a token with one key needs only its label; KYSO_PKCS11_MODULE names the module', () => {
    const out = join(outDir, 'binh-short.pdf');
    const r = kysoAtWorkstation(
      ['sign', EXAMPLE, '--out', out, '--pkcs11', 'pkcs11:token=usb-token', '--pin', '123456', '--chain', join(keys, 'individuals.pem')],
      {
        ...hsmEnv,
        KYSO_PKCS11_MODULE: SOFTHSM,
      },
    );
    expect(r.code, r.err).toBe(0);
    expectValid(out, 1);
  });

  it('fail/a wrong PIN → PIN_INVALID exit 77; an unknown token → KEY_NOT_FOUND exit 66; neither writes anything', () => {
    const out = join(outDir, 'refused.pdf');
    const common = ['sign', EXAMPLE, '--out', out, '--pkcs11-module', SOFTHSM];
    const wrong = kysoAtWorkstation([...common, '--pkcs11', 'pkcs11:token=usb-token;object=binh', '--pin', '000000'], hsmEnv);
    expect(wrong.code).toBe(77);
    expect(wrong.err).toMatch(/^kyso: PIN_INVALID: /);
    const missing = kysoAtWorkstation([...common, '--pkcs11', 'pkcs11:token=other;object=binh', '--pin', '123456'], hsmEnv);
    expect(missing.code).toBe(66);
    expect(missing.err).toMatch(/^kyso: KEY_NOT_FOUND: /);
    expect(existsSync(out)).toBe(false);
    expect(wrong.err + missing.err).not.toContain('000000');
    expectNothingWritten();
  });
});
