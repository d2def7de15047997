import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from './harness.js';

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr })),
  );
}

let h: Harness;
let dir: string;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  admin = h.adminToken;
  dir = mkdtempSync(join(tmpdir(), 'kyso-pki-http-'));
  for (const id of ['root', 'individuals', 'organizations', 'ocsp-individuals']) {
    const r = await call(h, 'GET', `/pki/ca/${id}.pem`);
    expect(r.status).toBe(200);
    writeFileSync(join(dir, `${id}.pem`), r.body);
  }
});
afterAll(async () => {
  await h?.close();
});

const PW = 'mật-khẩu 1';
const subject = (cn: string, uid = 'CCCD:001204567890') => ({
  commonName: cn,
  organization: 'UBND tỉnh Quảng Ninh',
  organizationalUnits: ['Sở Tư pháp', 'Phòng Hành chính'],
  uids: [uid],
});

async function issueP12(cn: string): Promise<{ id: string; serial: string; leaf: string }> {
  const r = await call(h, 'POST', '/api/v1/certificates', {
    token: admin,
    json: { profile: 'individual', subject: subject(cn), pkcs12Password: PW },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  const p12 = join(dir, `${r.json.certificate.serial}.p12`);
  writeFileSync(p12, Buffer.from(r.json.pkcs12, 'base64'));
  const leaf = join(dir, `${r.json.certificate.serial}.pem`);
  // The PKCS#12 from server-side key generation opens with OpenSSL.
  execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${PW}`, '-clcerts', '-nokeys', '-out', leaf]);
  const key = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${PW}`, '-nocerts', '-nodes']).toString();
  expect(key).toMatch(/PRIVATE KEY/);
  return { id: r.json.certificate.id, serial: r.json.certificate.serial, leaf };
}

/** Async: the server runs in this process, so a synchronous child would deadlock it. */
async function ocspStatus(leaf: string): Promise<string> {
  const r = await run('openssl', [
    'ocsp',
    '-issuer',
    join(dir, 'individuals.pem'),
    '-cert',
    leaf,
    '-url',
    `${h.url}/pki/ocsp`,
    '-VAfile',
    join(dir, 'ocsp-individuals.pem'),
    '-no_nonce',
  ]);
  expect(r.stderr + r.stdout).toMatch(/Response verify OK/);
  const m = new RegExp(`${leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\w+)`).exec(r.stdout);
  return m?.[1] ?? `no status in: ${r.stdout}`;
}

function problem(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json.code).toBe(code);
}

describe('PKI over HTTP', () => {
  it('ok/CA certificates are served as DER (application/pkix-cert) and PEM; the hierarchy is listed', async () => {
    const der = await call(h, 'GET', '/pki/ca/root.crt');
    expect(der.status).toBe(200);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    expect(der.body[0]).toBe(0x30);
    const cas = await call(h, 'GET', '/api/v1/cas', { token: admin });
    expect(cas.json.items.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['root', 'organizations', 'individuals']));
    problem(await call(h, 'GET', '/pki/ca/nope.crt'), 404, 'CA_UNKNOWN');
  });

  it('ok/issued chain verifies with openssl; OCSP good → revoked; revoke twice → 409', async () => {
    const c = await issueP12('Nguyễn Văn An');
    const v = spawnSync(
      'openssl',
      ['verify', '-no-CApath', '-no-CAstore', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'individuals.pem'), c.leaf],
      { encoding: 'utf8' },
    );
    expect(v.stdout).toContain(': OK');
    expect(await ocspStatus(c.leaf)).toBe('good');
    const rv = await call(h, 'POST', `/api/v1/certificates/${c.id}/revoke`, { token: admin, json: { reason: 'keyCompromise' } });
    expect(rv.status).toBe(200);
    expect(rv.json).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect(await ocspStatus(c.leaf)).toBe('revoked');
    problem(
      await call(h, 'POST', `/api/v1/certificates/${c.id}/revoke`, { token: admin, json: { reason: 'keyCompromise' } }),
      409,
      'CERT_ALREADY_REVOKED',
    );

    // The CRL (generated on demand here, also on a schedule) lists it and verifies with openssl.
    const gen = await call(h, 'POST', '/api/v1/cas/individuals/crl', { token: admin });
    expect(gen.status).toBe(201);
    const crl = await call(h, 'GET', '/pki/crl/individuals.crl');
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    expect(crl.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(crl.headers.get('last-modified')).toBeTruthy();
    const etag = crl.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const crlFile = join(dir, 'individuals.crl');
    writeFileSync(crlFile, crl.body);
    const chain = join(dir, 'chain.pem');
    writeFileSync(chain, readFileSync(join(dir, 'individuals.pem'), 'utf8') + readFileSync(join(dir, 'root.pem'), 'utf8'));
    const ver = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', chain, '-verify', '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(ver.stderr + ver.stdout).toMatch(/verify OK/);
    expect(ver.stdout.toUpperCase().replace(/:/g, '')).toContain(c.serial.toUpperCase());
    expect(ver.stdout).toContain('Key Compromise');
    const again = await call(h, 'GET', '/pki/crl/individuals.crl', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('ok/suspend → OCSP revoked (hold), release → good again; release twice → 409 CERT_NOT_ON_HOLD', async () => {
    const c = await issueP12('Trần Thị Bình');
    expect(await ocspStatus(c.leaf)).toBe('good');
    expect((await call(h, 'POST', `/api/v1/certificates/${c.id}/suspend`, { token: admin, json: {} })).json.status).toBe('on-hold');
    expect(await ocspStatus(c.leaf)).toBe('revoked');
    expect((await call(h, 'POST', `/api/v1/certificates/${c.id}/release`, { token: admin, json: {} })).json.status).toBe('active');
    expect(await ocspStatus(c.leaf)).toBe('good');
    problem(await call(h, 'POST', `/api/v1/certificates/${c.id}/release`, { token: admin, json: {} }), 409, 'CERT_NOT_ON_HOLD');
  });

  it('ok/OCSP GET (RFC 5019) is cacheable; garbage gets an OCSP malformedRequest response', async () => {
    const c = await issueP12('Lê Văn Cường');
    const reqFile = join(dir, 'req.der');
    execFileSync('openssl', ['ocsp', '-issuer', join(dir, 'individuals.pem'), '-cert', c.leaf, '-no_nonce', '-reqout', reqFile]);
    const b64 = encodeURIComponent(readFileSync(reqFile).toString('base64'));
    const r = await call(h, 'GET', `/pki/ocsp/${b64}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/ocsp-response');
    expect(r.headers.get('cache-control')).toMatch(/max-age=\d+.*public/);
    const respFile = join(dir, 'resp.der');
    writeFileSync(respFile, r.body);
    const txt = execFileSync('openssl', ['ocsp', '-respin', respFile, '-resp_text', '-noverify']).toString();
    expect(txt).toMatch(/Cert Status: good/);

    for (const garbage of [Buffer.from('not an OCSP request'), Buffer.from([0x30, 0x03, 0x02, 0x01])]) {
      const g = await call(h, 'POST', '/pki/ocsp', { body: garbage, headers: { 'content-type': 'application/ocsp-request' } });
      expect(g.status).toBe(200);
      expect(g.headers.get('content-type')).toBe('application/ocsp-response');
      expect(g.body.toString('hex')).toBe('30030a0101');
    }
    for (const path of ['/pki/ocsp/%%%not-url-encoding', '/pki/ocsp/bm90LW9jc3A=', '/pki/ocsp/!!!']) {
      const gg = await call(h, 'GET', path);
      expect(gg.headers.get('content-type')).toBe('application/ocsp-response');
      expect(gg.body.toString('hex'), path).toBe('30030a0101');
    }
  });

  it('fail/bad input: unknown profile, bad UID digits, malformed CSR, missing key choice — nothing issued', async () => {
    const before = (await call(h, 'GET', '/api/v1/certificates?limit=1000', { token: admin })).json.items.length;
    problem(
      await call(h, 'POST', '/api/v1/certificates', {
        token: admin,
        json: { profile: 'wizard', subject: subject('X'), pkcs12Password: PW },
      }),
      400,
      'PROFILE_UNKNOWN',
    );
    problem(
      await call(h, 'POST', '/api/v1/certificates', {
        token: admin,
        json: { profile: 'individual', subject: subject('X', 'CCCD:12345'), pkcs12Password: PW },
      }),
      400,
      'UID_INVALID',
    );
    problem(
      await call(h, 'POST', '/api/v1/certificates', {
        token: admin,
        json: {
          profile: 'individual',
          subject: subject('X'),
          csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIBzz==\n-----END CERTIFICATE REQUEST-----',
        },
      }),
      400,
      'CSR_MALFORMED',
    );
    problem(
      await call(h, 'POST', '/api/v1/certificates', { token: admin, json: { profile: 'individual', subject: subject('X') } }),
      400,
      'VALIDATION_FAILED',
    );
    problem(
      await call(h, 'POST', '/api/v1/certificates/crt_nope/revoke', { token: admin, json: { reason: 'keyCompromise' } }),
      404,
      'CERT_NOT_FOUND',
    );
    const after = (await call(h, 'GET', '/api/v1/certificates?limit=1000', { token: admin })).json.items.length;
    expect(after).toBe(before);
  });

  it('ok/RA: organization + official registered, request approved by the managing organization, completed with a PKCS#12', async () => {
    const org = await call(h, 'POST', '/api/v1/organizations', {
      token: admin,
      json: { subject: { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', uids: ['MST:5700100256'] } },
    });
    expect(org.status, JSON.stringify(org.json)).toBe(201);
    const other = await call(h, 'POST', '/api/v1/organizations', {
      token: admin,
      json: { subject: { commonName: 'Sở Y tế tỉnh Quảng Ninh', uids: ['MST:5700100263'] } },
    });
    const off = await call(h, 'POST', '/api/v1/officials', {
      token: admin,
      json: { subject: subject('Phạm Minh Đức', 'CCCD:022198001234'), managingOrganizationId: org.json.id, position: 'Phó Giám đốc' },
    });
    expect(off.status, JSON.stringify(off.json)).toBe(201);
    const mk = async (scope: string) =>
      (await call(h, 'POST', '/api/v1/tokens', { token: admin, json: { role: 'ra-officer', organizationId: scope } })).json.token as string;
    const officerA = await mk(org.json.id);
    const officerA2 = await mk(org.json.id);
    const officerB = await mk(other.json.id);
    const req = await call(h, 'POST', '/api/v1/requests', { token: officerA, json: { kind: 'new', subscriberId: off.json.id } });
    expect(req.status, JSON.stringify(req.json)).toBe(201);
    expect(req.json.state).toBe('pending');
    problem(await call(h, 'POST', `/api/v1/requests/${req.json.id}/approve`, { token: officerB, json: {} }), 403, 'FORBIDDEN_SCOPE');
    problem(await call(h, 'POST', `/api/v1/requests/${req.json.id}/approve`, { token: officerA, json: {} }), 403, 'APPROVER_NOT_ALLOWED');
    problem(
      await call(h, 'POST', `/api/v1/requests/${req.json.id}/complete`, { token: officerA, json: { pkcs12Password: PW } }),
      409,
      'REQUEST_STATE_INVALID',
    );
    const ok = await call(h, 'POST', `/api/v1/requests/${req.json.id}/approve`, { token: officerA2, json: { note: 'đồng ý' } });
    expect(ok.json.state).toBe('approved');
    const done = await call(h, 'POST', `/api/v1/requests/${req.json.id}/complete`, { token: officerA, json: { pkcs12Password: PW } });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.certificate.subscriberId).toBe(off.json.id);
    expect(done.json.pkcs12).toBeTruthy();
    problem(
      await call(h, 'GET', '/api/v1/organizations', {
        token: (await call(h, 'POST', '/api/v1/tokens', { token: admin, json: { role: 'signer', organizationId: org.json.id } })).json
          .token,
      }),
      403,
      'FORBIDDEN',
    );
  });
});
