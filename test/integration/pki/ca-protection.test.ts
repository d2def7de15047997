import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../http/harness.js';
import type { CertificateRecord } from '../../../src/pki/ports.js';

/**
 * CA certificates (root, issuing CAs, OCSP responders, TSA) cannot be suspended or revoked
 * through the ordinary routes and commands — an RA officer once put the root, an issuing CA and
 * the TSA on hold, and the TSA kept granting timestamps. Only `kyso ca revoke --confirm` at the
 * server, or an admin request a second admin approves, revokes them; the TSA and the OCSP
 * responders refuse to answer while their own certificate is not good (checked with openssl).
 */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const MASTER = randomBytes(32).toString('hex');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000, env }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

let h: Harness;
let dir: string;
let officer: string;
let secondAdmin: string;
const caCert: Record<string, CertificateRecord> = {};

function kyso(args: string[]) {
  const env = { ...process.env, KYSO_MASTER_KEY: MASTER, KYSO_LOG_LEVEL: 'error', KYSO_DATABASE_URL: '', PORT: '' };
  return run(process.execPath, [BIN, ...args, '--data', h.dataDir], env);
}

beforeAll(async () => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  h = await startHarness({ KYSO_MASTER_KEY: MASTER });
  dir = mkdtempSync(join(tmpdir(), 'kyso-ca-protect-'));
  const token = async (role: string, scope: Record<string, string> = {}) =>
    (await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role, ...scope } })).json.token as string;
  officer = await token('ra-officer', { organizationId: 'org_so_noi_vu' });
  secondAdmin = await token('admin');
  for (const profile of ['root-ca', 'issuing-ca', 'ocsp-responder', 'tsa'])
    for (const c of await h.ctx.store.certificates.list({ profile })) caCert[`${c.caId}/${c.subjectDn}`] = c;
  for (const id of ['root', 'individuals', 'organizations', 'ocsp-individuals', 'ocsp-organizations', 'tsa']) {
    const r = await call(h, 'GET', `/pki/ca/${id}.pem`);
    expect(r.status).toBe(200);
    writeFileSync(join(dir, `${id}.pem`), r.body);
  }
  writeFileSync(join(dir, 'chain.pem'), Buffer.concat([readFileSync(join(dir, 'individuals.pem')), readFileSync(join(dir, 'root.pem'))]));
  writeFileSync(join(dir, 'doc.txt'), 'Quyết định số 12/QĐ-UBND');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function certOf(caId: string): Promise<CertificateRecord> {
  const ca = (await h.ctx.store.cas.get(caId))!;
  return (await h.ctx.store.certificates.findBySerial(ca.parentId ?? ca.id, ca.serial))!;
}

async function hold(caId: string): Promise<void> {
  // The state the old code let an RA officer leave behind.
  const c = await certOf(caId);
  const now = new Date();
  expect(
    await h.ctx.store.certificates.changeStatus(c.id, 'active', {
      status: 'on-hold',
      revocationReason: 'certificateHold',
      revokedAt: now,
      invalidityDate: null,
      at: now,
    }),
  ).toBe(true);
}

async function timestampText(name: string): Promise<string> {
  const q = join(dir, `${name}.tsq`);
  expect((await run('openssl', ['ts', '-query', '-data', join(dir, 'doc.txt'), '-sha256', '-cert', '-out', q])).code).toBe(0);
  const r = await call(h, 'POST', '/tsa', { body: readFileSync(q), headers: { 'content-type': 'application/timestamp-query' } });
  expect(r.status).toBe(200);
  const tsr = join(dir, `${name}.tsr`);
  writeFileSync(tsr, r.body);
  return (await run('openssl', ['ts', '-reply', '-in', tsr, '-text'])).stdout;
}

async function issueLeaf(profile: 'individual' | 'organization', cn: string, uid: string): Promise<string> {
  const r = await call(h, 'POST', '/api/v1/certificates', {
    token: h.adminToken,
    json: { profile, subject: { commonName: cn, uids: [uid] }, pkcs12Password: 'p12-pass' },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  const file = join(dir, `${r.json.certificate.serial}.pem`);
  writeFileSync(file, r.json.pem);
  return file;
}

async function ocspText(issuer: string, leaf: string): Promise<string> {
  const r = await run('openssl', [
    'ocsp',
    '-issuer',
    join(dir, `${issuer}.pem`),
    '-cert',
    leaf,
    '-url',
    `${h.url}/pki/ocsp`,
    '-no_nonce',
    '-noverify',
  ]);
  return r.stdout + r.stderr;
}

describe('CA certificates are protected', () => {
  it('fail/an RA officer (or an admin) suspending or revoking the root, an issuing CA, an OCSP responder or the TSA → 403 CA_CERT_PROTECTED, nothing changes', async () => {
    for (const caId of ['root', 'individuals', 'ocsp-individuals', 'tsa']) {
      const c = await certOf(caId);
      for (const [token, action, body] of [
        [officer, 'suspend', {}],
        [officer, 'revoke', { reason: 'keyCompromise' }],
        [h.adminToken, 'suspend', {}],
        [h.adminToken, 'revoke', { reason: 'cACompromise' }],
      ] as const) {
        const r = await call(h, 'POST', `/api/v1/certificates/${c.id}/${action}`, { token, json: body });
        expect(r.status, `${caId} ${action}: ${JSON.stringify(r.json)}`).toBe(403);
        expect(r.json.code).toBe('CA_CERT_PROTECTED');
      }
      expect((await certOf(caId)).status).toBe('active');
    }
    expect(Object.keys(caCert).length).toBeGreaterThanOrEqual(6);
    const refused = (await h.ctx.store.audit.list({ limit: 1000 })).filter(
      (e) => e.outcome === 'failure' && JSON.stringify(e.details).includes('CA_CERT_PROTECTED'),
    );
    expect(refused.length).toBe(16);
    // The CLI's ordinary commands refuse too.
    const root = await certOf('root');
    const cli = await kyso(['cert', 'suspend', '--serial', root.serial, '--ca', 'root']);
    expect(cli.code, cli.stderr).toBe(77);
    expect(cli.stderr).toContain('kyso: CA_CERT_PROTECTED:');
    expect((await certOf('root')).status).toBe('active');
  }, 120_000);

  it('fail/the TSA on hold answers a PKIStatus rejection (systemFailure), not granted; released, it grants again', async () => {
    expect(await timestampText('before')).toContain('Status: Granted.');
    await hold('tsa');
    const text = await timestampText('held');
    expect(text).toContain('Status: Rejected.');
    expect(text).toMatch(/Failure info:\s*\n?\s*the request cannot be handled due to system failure/i);
    expect(text).toContain('TSA certificate is on-hold');
    const released = await call(h, 'POST', `/api/v1/certificates/${(await certOf('tsa')).id}/release`, { token: h.adminToken, json: {} });
    expect(released.status, JSON.stringify(released.json)).toBe(200);
    expect(await timestampText('released')).toContain('Status: Granted.');
  }, 60_000);

  it('fail/an OCSP responder on hold answers tryLater; revoked by two admins it answers internalError (RFC 6960 §2.3)', async () => {
    const person = await issueLeaf('individual', 'Đinh Văn Tâm', 'CCCD:022198006666');
    expect(await ocspText('individuals', person)).toMatch(/: good/);
    await hold('ocsp-individuals');
    expect(await ocspText('individuals', person)).toMatch(/Responder Error: trylater \(3\)/);

    const org = await issueLeaf('organization', 'Sở Nội vụ tỉnh Quảng Ninh', 'MST:5700100305');
    expect(await ocspText('organizations', org)).toMatch(/: good/);
    const req = await call(h, 'POST', '/api/v1/cas/ocsp-organizations/revocation-requests', {
      token: h.adminToken,
      json: { reason: 'keyCompromise' },
    });
    expect(req.status, JSON.stringify(req.json)).toBe(202);
    const approve = (token: string) => call(h, 'POST', `/api/v1/ca-revocation-requests/${req.json.id}/approve`, { token });
    const own = await approve(h.adminToken);
    expect([own.status, own.json.code]).toEqual([403, 'APPROVER_NOT_ALLOWED']);
    const ra = await approve(officer);
    expect([ra.status, ra.json.code]).toEqual([403, 'FORBIDDEN']);
    expect((await certOf('ocsp-organizations')).status).toBe('active');
    const ok = await approve(secondAdmin);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.certificate).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect(ok.json.request).toMatchObject({ state: 'approved', kind: 'ca.revoke', target: 'ocsp-organizations' });
    expect(await ocspText('organizations', org)).toMatch(/Responder Error: internalerror \(2\)/);
    const again = await approve(secondAdmin);
    expect([again.status, again.json.code]).toEqual([409, 'REQUEST_STATE_INVALID']);
  }, 120_000);

  it('ok/kyso ca revoke needs --confirm; with it the TSA certificate is revoked (audited) and the TSA refuses', async () => {
    const noConfirm = await kyso(['ca', 'revoke', 'tsa', '--reason', 'cessationOfOperation']);
    expect(noConfirm.code).toBe(64);
    expect(noConfirm.stderr).toContain('kyso: VALIDATION_FAILED:');
    expect((await certOf('tsa')).status).toBe('active');
    const done = await kyso(['ca', 'revoke', 'tsa', '--reason', 'cessationOfOperation', '--confirm']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/revoked CA certificate tsa/);
    expect(await certOf('tsa')).toMatchObject({ status: 'revoked', revocationReason: 'cessationOfOperation' });
    const text = await timestampText('revoked');
    expect(text).toContain('Status: Rejected.');
    expect(text).toContain('TSA certificate is revoked');
    const events = await h.ctx.store.audit.list({ limit: 1000 });
    expect(events.some((e) => e.action === 'certificate.revoke' && e.outcome === 'success' && e.actor.startsWith('cli:'))).toBe(true);
  }, 120_000);
});
