import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isLoopbackUrl } from '../../../src/config/public-url.js';
import { cookiePolicy } from '../../../src/http/auth/session-cookie.js';
import { call, startHarness, type Harness } from '../http/harness.js';

/** The public URL written into certificates and QR codes: configured, kept from init, never an instance's own port. */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-public-url-'));
const env = {
  ...process.env,
  KYSO_LOG_LEVEL: 'error',
  KYSO_DATA: '',
  PORT: '',
  KYSO_MASTER_KEY: '',
  KYSO_DATABASE_URL: '',
  KYSO_PUBLIC_URL: '',
  KYSO_ENV: '',
};

function kyso(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...env, ...extra }, cwd: work, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** The CRL distribution point URL of a PEM certificate, read by openssl. */
function cdpOf(pemFile: string): string {
  const text = execFileSync('openssl', ['x509', '-in', pemFile, '-noout', '-ext', 'crlDistributionPoints'], { encoding: 'utf8' });
  return /URI:(\S+)/.exec(text)?.[1] ?? '';
}

describe('public URL resolution', () => {
  it('ok/loopback detection', () => {
    for (const u of [
      'http://127.0.0.1:3000',
      'http://localhost',
      'http://a.localhost:1',
      'http://[::1]:3000',
      'http://127.8.0.1',
      'http://0.0.0.0',
    ])
      expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of ['https://kyso.quangninh.gov.vn', 'http://10.0.0.5:3000', 'http://128.0.0.1']) expect(isLoopbackUrl(u), u).toBe(false);
  });

  it('fail/production without a public URL, or with a loopback one → CONFIG_INVALID; ok/with a real one', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyso-pu-prod-'));
    expect(codeOf(() => loadConfig({ env: { KYSO_ENV: 'production', KYSO_DATA: dataDir } }))).toBe('CONFIG_INVALID');
    expect(
      codeOf(() => loadConfig({ env: { KYSO_ENV: 'production', KYSO_DATA: dataDir, KYSO_PUBLIC_URL: 'http://localhost:3000' } })),
    ).toBe('CONFIG_INVALID');
    expect(codeOf(() => loadConfig({ env: { KYSO_ENV: 'staging', KYSO_DATA: dataDir } }))).toBe('CONFIG_INVALID');
    const c = loadConfig({ env: { KYSO_ENV: 'production', KYSO_DATA: dataDir, KYSO_PUBLIC_URL: 'https://kyso.quangninh.gov.vn/' } });
    expect(c).toMatchObject({ publicUrl: 'https://kyso.quangninh.gov.vn', publicUrlSource: 'configured', publicUrlIsLoopback: false });
  });

  it('fail/production with an http public URL → CONFIG_INVALID, so the session cookie always goes out Secure', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyso-pu-prod-http-'));
    const production = (url: string) => loadConfig({ env: { KYSO_ENV: 'production', KYSO_DATA: dataDir, KYSO_PUBLIC_URL: url } });
    for (const url of ['http://kyso.quangninh.gov.vn', 'http://10.0.0.5:3000', 'HTTP://kyso.quangninh.gov.vn:443/'])
      expect(() => production(url), url).toThrow(/config publicUrl: .* is not https; production needs https/);
    expect(codeOf(() => production('http://kyso.quangninh.gov.vn'))).toBe('CONFIG_INVALID');
    expect(cookiePolicy(production('https://kyso.quangninh.gov.vn').publicUrl)).toEqual({ name: '__Host-kyso_session', secure: true });
    // Development keeps plain http (the quick start on a LAN address).
    expect(loadConfig({ env: { KYSO_DATA: dataDir, KYSO_PUBLIC_URL: 'http://10.0.0.5:3000' } }).publicUrl).toBe('http://10.0.0.5:3000');
  });

  it('fail/production start-up stops with exit 78 and CONFIG_INVALID, before anything is created', () => {
    const data = join(work, 'prod');
    const r = kyso(['serve', '--data', data, '--port', '0'], { KYSO_ENV: 'production' });
    expect(r.code, r.out + r.err).toBe(78);
    expect(r.err).toContain('kyso: CONFIG_INVALID:');
    expect(r.err).toContain('KYSO_PUBLIC_URL');
    expect(existsSync(data)).toBe(false);
    const loop = kyso(['init', '--data', data, '--public-url', 'http://127.0.0.1:3000'], { KYSO_ENV: 'production' });
    expect(loop.code).toBe(78);
    expect(loop.err).toContain('loopback');
    const http = kyso(['serve', '--data', data, '--port', '0'], {
      KYSO_ENV: 'production',
      KYSO_PUBLIC_URL: 'http://kyso.quangninh.gov.vn',
    });
    expect(http.code, http.out + http.err).toBe(78);
    expect(http.err).toContain('kyso: CONFIG_INVALID: config publicUrl: KYSO_PUBLIC_URL http://kyso.quangninh.gov.vn is not https');
    expect(existsSync(data)).toBe(false);
  });

  it('ok/kyso init --public-url is written into certificates and kept; a later start on another port uses it, not its own', () => {
    const data = join(work, 'init-url');
    const init = kyso(['init', '--data', data, '--public-url', 'https://kyso.quangninh.gov.vn']);
    expect(init.code, init.err).toBe(0);
    expect(init.out).toContain('public URL: https://kyso.quangninh.gov.vn');
    expect(init.out).not.toContain('loopback');
    const file = join(data, 'public-url.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).publicUrl).toBe('https://kyso.quangninh.gov.vn');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const show = kyso(['config', 'show', '--data', data], { PORT: '4555' });
    expect(JSON.parse(show.out)).toMatchObject({ publicUrl: 'https://kyso.quangninh.gov.vn', publicUrlSource: 'persisted', port: 4555 });
    const ex = kyso(['ca', 'export', '--data', data, '--out-dir', join(work, 'init-url-cas')]);
    expect(ex.code, ex.err).toBe(0);
    expect(cdpOf(join(work, 'init-url-cas', 'individuals.pem'))).toBe('https://kyso.quangninh.gov.vn/pki/crl/root.crl');
    const leaf = join(work, 'leaf.pem');
    const csrKey = join(work, 'k.pem');
    const csr = join(work, 'r.csr');
    execFileSync('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      csrKey,
      '-subj',
      '/CN=x',
      '-out',
      csr,
    ]);
    const issued = kyso(
      [
        'cert',
        'issue',
        '--data',
        data,
        '--profile',
        'individual',
        '--cn',
        'Lê Thị Hoa',
        '--uid',
        'CCCD:022190000033',
        '--csr',
        csr,
        '--out',
        leaf,
      ],
      {
        PORT: '4555',
      },
    );
    expect(issued.code, issued.err).toBe(0);
    expect(cdpOf(leaf)).toMatch(/^https:\/\/kyso\.quangninh\.gov\.vn\/pki\/crl\//);
  });

  it('fail/an instance without a configured or recorded URL beside a hierarchy with another URL (one shared database) stops with CONFIG_INVALID', () => {
    const data = join(work, 'shared-db');
    expect(kyso(['init', '--data', data, '--public-url', 'https://kyso.quangninh.gov.vn']).code).toBe(0);
    rmSync(join(data, 'public-url.json')); // a second instance's data directory has no record
    const r = kyso(['init', '--data', data], { PORT: '4557' });
    expect(r.code, r.out + r.err).toBe(78);
    expect(r.err).toContain('kyso: CONFIG_INVALID:');
    expect(r.err).toContain('KYSO_PUBLIC_URL=https://kyso.quangninh.gov.vn');
    expect(kyso(['init', '--data', data], { KYSO_PUBLIC_URL: 'https://kyso.quangninh.gov.vn' }).code).toBe(0);
  });

  it('ok/without a URL, init announces the loopback URL and keeps it: the quick start still works', () => {
    const data = join(work, 'dev');
    const init = kyso(['init', '--data', data]);
    expect(init.code, init.err).toBe(0);
    expect(init.out).toContain('public URL: http://127.0.0.1:3000');
    expect(init.out).toMatch(/development mode: certificates and QR codes carry the loopback URL/);
    const show = JSON.parse(kyso(['config', 'show', '--data', data], { PORT: '4556' }).out);
    expect(show).toMatchObject({ publicUrl: 'http://127.0.0.1:3000', publicUrlSource: 'persisted', environment: 'development' });
  });

  it('ok/serve prints the development banner with the loopback URL', async () => {
    const data = join(work, 'serve-dev');
    const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], { env, cwd: work });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (/loopback URL/.test(out)) {
            clearTimeout(t);
            resolve();
          }
        });
        child.once('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      expect(out).toMatch(/kyso listening on http:\/\/127\.0\.0\.1:\d+ \(development; public URL http:\/\/127\.0\.0\.1:0\)/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('GET /health', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  it('ok/says in development that certificates and QR codes carry a loopback URL', async () => {
    const r = await call(h, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ environment: 'development', publicUrl: h.ctx.config.publicUrl });
    expect(r.json.publicUrlWarning).toMatch(/certificates and QR codes carry the loopback URL/);
  });
  it('ok/no warning with a real public URL', async () => {
    const real = await startHarness({ KYSO_PUBLIC_URL: 'https://kyso.quangninh.gov.vn' });
    try {
      const r = await call(real, 'GET', '/health');
      expect(r.json.publicUrl).toBe('https://kyso.quangninh.gov.vn');
      expect(r.json.publicUrlWarning).toBeUndefined();
    } finally {
      await real.close();
    }
  });
});
