import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync as require_write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/** Spawns the real `kyso` launcher (bin/kyso.js → dist/, built by `npm test` / `npm run build`). */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-'));
const data = join(work, 'data');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, cwd: work });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectFailure(r: ReturnType<typeof kyso>, exit: number, code: string) {
  expect(r.code, r.out + r.err).toBe(exit);
  expect(r.err).toContain(`kyso: ${code}:`);
  expect(r.err).not.toMatch(/\n\s+at /); // never a stack trace
}

let leafSerial = '';
beforeAll(() => {
  expect(existsSync(join(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url)))), 'run `npm run build` first').toBe(true);
});

describe('kyso CLI', () => {
  it('ok/init creates the hierarchy and prints an admin token once', () => {
    const r = kyso(['init', '--data', data]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/kyso_[A-Za-z0-9_-]{43}/);
    expect(r.out).toMatch(/root/);
    expect(r.out).toMatch(/individuals/);
    const again = kyso(['init', '--data', data]);
    expect(again.code).toBe(0);
    expect(again.out).not.toMatch(/kyso_[A-Za-z0-9_-]{43}/);
  });

  it('ok/cert issue --p12 writes a PKCS#12 that openssl opens; the chain verifies after ca export', () => {
    const p12 = join(work, 'out.p12');
    const r = kyso([
      'cert',
      'issue',
      '--data',
      data,
      '--profile',
      'individual',
      '--cn',
      'Nguyễn Văn An',
      '--o',
      'UBND tỉnh Quảng Ninh',
      '--ou',
      'Văn phòng',
      '--ou',
      'Phòng Tổng hợp',
      '--uid',
      'CCCD:001204567890',
      '--p12',
      p12,
      '--password',
      'PW',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(/issued ([0-9a-f]+)/.exec(r.out)?.[1]).toMatch(/^[0-9a-f]{16,40}$/);
    const leaf = join(work, 'leaf.pem');
    execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:PW', '-clcerts', '-nokeys', '-out', leaf]);
    const subj = execFileSync('openssl', ['x509', '-in', leaf, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus']).toString();
    expect(subj).toContain('CN=Nguyễn Văn An');
    expect(subj).toContain('OU=Văn phòng');

    const out = join(work, 'cas');
    const ex = kyso(['ca', 'export', '--data', data, '--out-dir', out]);
    expect(ex.code, ex.err).toBe(0);
    for (const f of ['root.pem', 'individuals.pem', 'organizations.pem']) expect(existsSync(join(out, f))).toBe(true);
    const v = spawnSync(
      'openssl',
      ['verify', '-no-CApath', '-no-CAstore', '-CAfile', join(out, 'root.pem'), '-untrusted', join(out, 'individuals.pem'), leaf],
      { encoding: 'utf8' },
    );
    expect(v.stdout, v.stderr).toContain(': OK');
  });

  it('ok/cert issue --csr --out issues for an openssl-made CSR (proof of possession checked)', () => {
    const key = join(work, 'csr.key');
    const csr = join(work, 'req.csr');
    execFileSync('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      '/CN=ignored',
    ]);
    const cert = join(work, 'csr-cert.pem');
    const r = kyso([
      'cert',
      'issue',
      '--data',
      data,
      '--profile',
      'organization',
      '--cn',
      'Sở Tư pháp tỉnh Quảng Ninh',
      '--uid',
      'MST:5700100256',
      '--csr',
      csr,
      '--out',
      cert,
    ]);
    expect(r.code, r.err).toBe(0);
    const pub1 = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-pubkey']).toString();
    const pub2 = execFileSync('openssl', ['pkey', '-in', key, '-pubout']).toString();
    expect(pub1).toBe(pub2);
  });

  it('ok/cert list --json lists an issued certificate', () => {
    // Independent of the contract test above: its own leaf (CSR-free, server key, longer password).
    const r0 = kyso([
      'cert',
      'issue',
      '--data',
      data,
      '--profile',
      'individual',
      '--cn',
      'Lê Văn Cường',
      '--uid',
      'CCCD:031099004321',
      '--p12',
      join(work, 'list.p12'),
      '--password',
      'PW-list',
      '--json',
    ]);
    expect(r0.code, r0.err).toBe(0);
    leafSerial = (JSON.parse(r0.out) as { serial: string }).serial;
    const r = kyso(['cert', 'list', '--data', data, '--json']);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as { serial: string; status: string; caId: string }[];
    expect(rows.find((x) => x.serial === leafSerial)).toMatchObject({ status: 'active', caId: 'individuals' });
  });

  it('ok/cert revoke, then the CRL from `kyso crl` lists it and verifies with openssl; revoke twice → exit 67', () => {
    const r = kyso(['cert', 'revoke', '--data', data, '--serial', leafSerial, '--reason', 'keyCompromise']);
    expect(r.code, r.err).toBe(0);
    expectFailure(
      kyso(['cert', 'revoke', '--data', data, '--serial', leafSerial, '--reason', 'keyCompromise']),
      67,
      'CERT_ALREADY_REVOKED',
    );
    const crl = join(work, 'file.crl');
    const c = kyso(['crl', '--data', data, '--ca', 'individuals', '--out', crl]);
    expect(c.code, c.err).toBe(0);
    const out = join(work, 'cas-crl');
    expect(kyso(['ca', 'export', '--data', data, '--out-dir', out]).code).toBe(0);
    const v = spawnSync(
      'openssl',
      ['crl', '-inform', 'DER', '-in', crl, '-CAfile', join(out, 'individuals.pem'), '-verify', '-noout', '-text'],
      { encoding: 'utf8' },
    );
    expect(v.stderr + v.stdout).toMatch(/verify OK/);
    expect(v.stdout.replace(/:/g, '').toUpperCase()).toContain(leafSerial.toUpperCase());
  });

  it('fail/bad input gives a clear message and a non-zero exit, never a stack trace', () => {
    const base = ['cert', 'issue', '--data', data, '--cn', 'X', '--p12', join(work, 'x.p12'), '--password', 'PW'];
    expectFailure(kyso([...base, '--profile', 'wizard', '--uid', 'CCCD:001204567890']), 64, 'PROFILE_UNKNOWN');
    expectFailure(kyso([...base, '--profile', 'individual', '--uid', 'CCCD:0012345']), 64, 'UID_INVALID');
    expectFailure(
      kyso(['cert', 'revoke', '--data', data, '--serial', '0123456789abcdef', '--reason', 'keyCompromise']),
      66,
      'CERT_NOT_FOUND',
    );
    expectFailure(kyso(['cert', 'list', '--data', data], { PORT: 'eighty' }), 78, 'CONFIG_INVALID');
    const usage = kyso(['cert', 'issue', '--data', data]);
    expect(usage.code).toBe(64);
    expect(usage.err).toMatch(/required option/);
    expect(existsSync(join(work, 'x.p12'))).toBe(false);
  });

  it('ok/sign with a PKCS#12, then verify exits 0; unsigned 2; tampered 1; not a PDF 3; timestamp verifies with openssl ts', () => {
    const p12 = join(work, 'signer.p12');
    expect(
      kyso([
        'cert',
        'issue',
        '--data',
        data,
        '--profile',
        'individual',
        '--cn',
        'Trần Thị Bình',
        '--uid',
        'CCCD:022198001234',
        '--p12',
        p12,
        '--password',
        'PW-signer',
      ]).code,
    ).toBe(0);
    const example = fileURLToPath(new URL('../../../examples/quyet-dinh.pdf', import.meta.url));
    const signed = join(work, 'signed.pdf');
    const s = kyso([
      'sign',
      example,
      '--out',
      signed,
      '--p12',
      p12,
      '--password',
      'PW-signer',
      '--data',
      data,
      '--visible',
      '1,50,50,220,90',
      '--reason',
      'Phê duyệt',
    ]);
    expect(s.code, s.err).toBe(0);
    const original = readFileSync(example);
    const out = readFileSync(signed);
    expect(out.subarray(0, original.length).equals(original)).toBe(true);
    const v = kyso(['verify', signed, '--data', data]);
    expect(v.code, v.out + v.err).toBe(0);
    expect(v.out).toContain('HỢP LỆ');
    expect(kyso(['verify', example, '--data', data]).code).toBe(2);
    const tampered = Buffer.from(out);
    // Byte 10 is inside the binary comment on line 2 (`%\x81\x81…`): the file still parses, the digest breaks.
    expect(tampered[9]).toBe(0x25);
    tampered[10] = 0x82;
    const bad = join(work, 'tampered.pdf');
    require_write(bad, tampered);
    expect(kyso(['verify', bad, '--data', data]).code).toBe(1);
    expect(kyso(['verify', example.replace(/\.pdf$/, '.mjs').replace('quyet-dinh', 'make-result-pdf'), '--data', data]).code).toBe(3);
    expect(kyso(['verify', join(work, 'missing.pdf')]).code).toBe(3);

    // extend: a new /DSS and an archive timestamp appended; earlier bytes untouched; still TOTAL_PASSED.
    const extended = join(work, 'extended.pdf');
    const e = kyso(['extend', signed, '--out', extended, '--data', data]);
    expect(e.code, e.err).toBe(0);
    const ext = readFileSync(extended);
    expect(ext.subarray(0, out.length).equals(out)).toBe(true);
    const ve = kyso(['verify', extended, '--data', data, '--json']);
    expect(ve.code, ve.err).toBe(0);
    expect((JSON.parse(ve.out) as { signatures: { kind: string }[] }).signatures.map((x) => x.kind)).toEqual([
      'approval',
      'documentTimestamp',
    ]);

    const cas = join(work, 'cas-ts');
    expect(kyso(['ca', 'export', '--data', data, '--out-dir', cas]).code).toBe(0);
    const tsr = join(work, 'signed.tsr');
    expect(kyso(['timestamp', signed, '--out', tsr, '--data', data]).code).toBe(0);
    const ts = spawnSync(
      'openssl',
      ['ts', '-verify', '-data', signed, '-in', tsr, '-CAfile', join(cas, 'root.pem'), '-untrusted', join(cas, 'organizations.pem')],
      { encoding: 'utf8' },
    );
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
  });

  it('ok/serve answers /health and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], { env, cwd: work });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listen line: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', database: 'sqlite' });
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(readFileSync(join(data, 'master.key')).length).toBeGreaterThan(40);
  });
});
