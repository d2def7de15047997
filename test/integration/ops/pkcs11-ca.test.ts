import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, freePort, originalPdf, run } from '../copies/setup.js';
import { cli, exportCas, issueP12, ocspStatus, opensslVerify, startServe, type Served } from './service.js';

/**
 * CA keys on a PKCS#11 token from the first start (SoftHSM2 in a test-owned directory):
 * `kyso init --key-store pkcs11:token=…` generates the root, issuing CA, OCSP responder and TSA
 * keys on the token; `kyso serve` then issues, answers OCSP, stamps time and signs PDFs with them.
 * openssl and pdfsig check every output; the database holds only pkcs11: URIs for those keys.
 */
const MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((p) => existsSync(p));
const TOKEN = 'kyso-ca';
const PIN = '5678';
const CA_IDS = ['root', 'organizations', 'individuals', 'ocsp-individuals', 'tsa'] as const;

let work: string;
let env: NodeJS.ProcessEnv;
let srv: Served | undefined;
let srv2: Served | undefined;
let adminToken: string;
let certs: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyso-pkcs11-'));
  mkdirSync(join(work, 'tokens'));
  writeFileSync(
    join(work, 'softhsm2.conf'),
    `directories.tokendir = ${join(work, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const port = await freePort();
  env = {
    ...process.env,
    SOFTHSM2_CONF: join(work, 'softhsm2.conf'),
    KYSO_PKCS11_MODULE: MODULE!,
    KYSO_PKCS11_PIN: PIN,
    KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
    KYSO_DATA: join(work, 'data'),
    KYSO_LOG_LEVEL: 'silent',
    PORT: String(port),
    KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
  };
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', '1234', '--pin', PIN], { env, stdio: 'pipe' });
  const init = await cli(['init', '--key-store', `pkcs11:token=${TOKEN}`], env);
  expect(init.code, init.stderr).toBe(0);
  expect(init.stdout).toContain(`CA keys: on the PKCS#11 token ${TOKEN}`);
  adminToken = /\n\s+(kyso_\S+)\n/.exec(init.stdout)![1]!;
  // serve needs only the module and PIN: each key URI names its token
  srv = await startServe(env);
  certs = join(work, 'certs');
  mkdirSync(certs);
  await exportCas(srv.url, certs, CA_IDS);
  writeFileSync(join(certs, 'ocsp-individuals.pem'), (await caller(srv.url)('GET', '/pki/ca/ocsp-individuals.pem')).body);
}, 180_000);

afterAll(async () => {
  await srv?.stop();
  await srv2?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!MODULE)('CA keys generated on a PKCS#11 token (SoftHSM2)', () => {
  it('ok/the database keeps only pkcs11: URIs for the CA, OCSP and TSA keys, and no sealed copy of any of them', () => {
    const db = new BetterSqlite3(join(work, 'data', 'kyso.sqlite'), { readonly: true });
    try {
      const cas = db.prepare('SELECT id, key_uri, certificate_der FROM cas').all() as {
        id: string;
        key_uri: string;
        certificate_der: Buffer;
      }[];
      expect(cas.map((c) => c.id).sort()).toEqual(
        ['individuals', 'ocsp-individuals', 'ocsp-organizations', 'ocsp-root', 'organizations', 'root', 'tsa'].sort(),
      );
      for (const c of cas) expect(c.key_uri).toMatch(new RegExp(`^pkcs11:token=${TOKEN};object=ca:[a-z-]+;id=[%0-9a-f]+;type=private$`));
      const caSpkis = new Set(
        cas.map((c) =>
          createHash('sha256')
            .update(new X509Certificate(c.certificate_der).publicKey.export({ format: 'der', type: 'spki' }))
            .digest('hex'),
        ),
      );
      const sealed = db.prepare('SELECT uri, public_key_spki FROM sealed_keys').all() as { uri: string; public_key_spki: Buffer }[];
      for (const k of sealed) expect(caSpkis.has(createHash('sha256').update(k.public_key_spki).digest('hex')), k.uri).toBe(false);
    } finally {
      db.close();
    }
  });

  it('fail/init with a wrong PIN or an unknown token → PIN_INVALID (77) / KEY_NOT_FOUND (66), the PIN never printed', async () => {
    const other = { ...env, KYSO_DATA: join(work, 'other'), KYSO_PKCS11_PIN: '0000-wrong' };
    const wrong = await cli(['init', '--key-store', `pkcs11:token=${TOKEN}`], other);
    expect(wrong.code).toBe(77);
    expect(wrong.stderr).toMatch(/^kyso: PIN_INVALID: /);
    expect(wrong.stdout + wrong.stderr).not.toContain('0000-wrong');
    const unknown = await cli(['init', '--key-store', 'pkcs11:token=no-such-token'], { ...env, KYSO_DATA: join(work, 'other2') });
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toMatch(/^kyso: KEY_NOT_FOUND: no PKCS#11 token labelled no-such-token/);
  });

  it('ok/issued certificate chains with openssl; openssl ocsp checks the token-signed response', async () => {
    const c = await issueP12(srv!.url, adminToken, certs, 'Nguyễn Văn An', 'CCCD:001204567890');
    expect(opensslVerify(certs, c.leaf)).toContain(': OK');
    expect(await ocspStatus(srv!.url, certs, c.leaf)).toBe('good');
  });

  it('ok/TSA token signed on the token passes openssl ts -verify', async () => {
    const data = join(work, 'data.txt');
    writeFileSync(data, 'Kết quả giải quyết thủ tục hành chính');
    const q = join(work, 'q.tsq');
    expect((await run('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', q])).code).toBe(0);
    const r = await fetch(`${srv!.url}/tsa`, {
      method: 'POST',
      body: readFileSync(q),
      headers: { 'content-type': 'application/timestamp-query' },
    });
    expect(r.status).toBe(200);
    writeFileSync(join(work, 'r.tsr'), Buffer.from(await r.arrayBuffer()));
    const v = await run('openssl', [
      'ts',
      '-verify',
      '-data',
      data,
      '-in',
      join(work, 'r.tsr'),
      '-CAfile',
      join(certs, 'root.pem'),
      '-untrusted',
      join(certs, 'organizations.pem'),
    ]);
    expect(v.out).toContain('Verification: OK');
  });

  it('ok/a PDF signed B-T (timestamp from the token-held TSA key) passes pdfsig', async () => {
    const pw = 'mật-khẩu 1';
    const issued = await caller(srv!.url)('POST', '/api/v1/certificates', {
      token: adminToken,
      json: {
        profile: 'individual',
        subject: { commonName: 'Trần Thị Bình', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001204567891'] },
        pkcs12Password: pw,
      },
    });
    expect(issued.status).toBe(201);
    const form = new FormData();
    form.set('pdf', new Blob([new Uint8Array(await originalPdf(1))], { type: 'application/pdf' }), 'in.pdf');
    form.set('p12', new Blob([new Uint8Array(Buffer.from(issued.json.pkcs12, 'base64'))], { type: 'application/x-pkcs12' }), 'signer.p12');
    form.set('options', JSON.stringify({ level: 'B-T', signer: { kind: 'pkcs12', password: pw } }));
    const signed = await caller(srv!.url)('POST', '/api/v1/sign', { token: adminToken, body: form });
    expect(signed.status, signed.body.toString('utf8').slice(0, 300)).toBe(200);
    writeFileSync(join(work, 'signed.pdf'), signed.body);
    const sig = await run('pdfsig', [join(work, 'signed.pdf')]);
    expect(sig.out).toContain('Signature Validation: Signature is Valid');
    expect(sig.out).toContain('Signature Type: ETSI.CAdES.detached');
  });

  it('ok/backup of a token-backed installation holds references only and says so; the restored service signs with the same token', async () => {
    const archive = join(work, 'kyso.backup');
    const b = await cli(['backup', '--out', archive], env);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('referenced by URI only');
    expect(b.stdout).toMatch(/tsa\s+pkcs11:token=kyso-ca;/);
    const json = await cli(['backup', '--out', join(work, 'second.backup'), '--json'], env);
    const summary = JSON.parse(json.stdout) as { tokenKeys: { caId: string; keyUri: string }[]; sealedKeys: number };
    expect(summary.tokenKeys.map((k) => k.caId).sort()).toEqual(
      ['individuals', 'ocsp-individuals', 'ocsp-organizations', 'ocsp-root', 'organizations', 'root', 'tsa'].sort(),
    );
    const port2 = await freePort();
    const env2: NodeJS.ProcessEnv = { ...env, KYSO_DATA: join(work, 'restored'), PORT: String(port2) };
    delete env2.KYSO_PUBLIC_URL;
    const r = await cli(['restore', archive], env2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('referenced by URI only');
    srv2 = await startServe(env2);
    const c = await issueP12(srv2.url, adminToken, certs, 'Lê Văn Cường', 'CCCD:001204567892');
    expect(opensslVerify(certs, c.leaf)).toContain(': OK');
    expect(await ocspStatus(srv2.url, certs, c.leaf)).toBe('good');
  });
});
