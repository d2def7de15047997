import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { nssDbTrusting } from '../signing/tools.js';
import {
  AUTHORITY,
  caller,
  certifyForm,
  freePort,
  originalPdf,
  run,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
} from './setup.js';

/**
 * Every signed copy is kept and can be downloaded again by the certifier and the register's
 * readers (GET /api/v1/copies/{id}/document), byte for byte, checked against the register's
 * SHA-256 — on SQLite (files in the data directory) and on PostgreSQL (the copy_documents table).
 */
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PG_ADMIN = process.env.KYSO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

interface Running {
  h: Harness;
  call: Caller;
  s: CopySetup;
  nss: string;
}

async function start(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env });
  const call = caller(h.url);
  const s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
  const root = await call('GET', '/pki/ca/root.pem');
  return { h, call, s, nss: nssDbTrusting(root.body.toString('utf8')) };
}

async function certify(r: Running): Promise<{ id: string; copy: Buffer }> {
  const res = await r.call('POST', '/api/v1/copies', {
    token: r.s.certifierToken,
    body: certifyForm(r.s, { original: await originalPdf(1) }, { level: 'B-B' }),
  });
  expect(res.status, res.body.toString()).toBe(200);
  return { id: res.headers.get('x-kyso-copy-id')!, copy: res.body };
}

async function pdfsigValid(r: Running, pdf: Buffer): Promise<number> {
  const file = join(r.h.dataDir, `check-${randomBytes(4).toString('hex')}.pdf`);
  writeFileSync(file, pdf);
  const out = await run('pdfsig', ['-nssdir', `sql:${r.nss}`, file]);
  return (out.out.match(/Signature Validation: Signature is Valid\./g) ?? []).length;
}

describe('copy download on SQLite (files in the data directory)', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start({});
  }, 120_000);
  afterAll(async () => {
    await r?.h.close();
  });

  it('ok/certify, then download twice: identical bytes, the register hash, two valid signatures', async () => {
    const { id, copy } = await certify(r);
    const first = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.certifierToken });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/pdf');
    expect(first.headers.get('cache-control')).toBe('no-store');
    const second = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.auditorToken });
    expect(second.status).toBe(200);
    expect(first.body.equals(copy)).toBe(true);
    expect(second.body.equals(first.body)).toBe(true);
    const entry = await r.call('GET', `/api/v1/copies/${id}`, { token: r.s.auditorToken });
    expect(entry.json.copySha256).toBe(sha(first.body));
    expect(first.headers.get('x-kyso-copy-sha256')).toBe(sha(first.body));
    expect(await pdfsigValid(r, second.body)).toBe(2);
    // kept as a private file named by its hash
    const h = sha(copy);
    const file = join(r.h.dataDir, 'copies', h.slice(0, 2), `${h}.pdf`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).equals(copy)).toBe(true);
  });

  it('fail/no token → 401; a signer token → 403 FORBIDDEN; unknown id → 404; the public lookup stays without personal data', async () => {
    const { id } = await certify(r);
    expect((await r.call('GET', `/api/v1/copies/${id}/document`)).status).toBe(401);
    const signer = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.signerToken });
    expect(signer.status).toBe(403);
    expect(signer.json.code).toBe('FORBIDDEN');
    const none = await r.call('GET', '/api/v1/copies/ent_nope/document', { token: r.s.certifierToken });
    expect([none.status, none.json.code]).toEqual([404, 'COPY_NOT_FOUND']);
    const entry = await r.call('GET', `/api/v1/copies/${id}`, { token: r.s.auditorToken });
    const lookup = await r.call('GET', `/api/v1/copies/lookup?code=${encodeURIComponent(entry.json.lookupCode)}`);
    expect(lookup.status).toBe(200);
    expect(JSON.stringify(lookup.json)).not.toMatch(/Trần Văn Bình|022090009999|document"/);
  });

  it('fail/a requester document that is not CCCD:/CMND:/PASSPORT: → 400 UID_INVALID, no register number taken', async () => {
    const before = (await r.call('GET', `/api/v1/copies?authority=${AUTHORITY}`, { token: r.s.auditorToken })).json.items.length;
    const fd = certifyForm(r.s, { original: await originalPdf(1) }, { level: 'B-B' });
    const request = JSON.parse(String(fd.get('request')));
    fd.set('request', JSON.stringify({ ...request, requesterIdDocument: 'số 123 phố Huế' }));
    const res = await r.call('POST', '/api/v1/copies', { token: r.s.certifierToken, body: fd });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('UID_INVALID');
    expect((await r.call('GET', `/api/v1/copies?authority=${AUTHORITY}`, { token: r.s.auditorToken })).json.items.length).toBe(before);
  });

  it('fail/a stored copy altered at rest is refused with COPY_DOCUMENT_CORRUPT (problem+json), never served', async () => {
    const { id, copy } = await certify(r);
    const h = sha(copy);
    const file = join(r.h.dataDir, 'copies', h.slice(0, 2), `${h}.pdf`);
    const altered = Buffer.from(copy);
    altered.write('X', 200, 'latin1');
    writeFileSync(file, altered);
    const res = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.certifierToken });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json.code).toBe('COPY_DOCUMENT_CORRUPT');
    expect(res.body.includes(Buffer.from('%PDF-'))).toBe(false);
  });
});

describe('copy download on PostgreSQL (the copy_documents table)', () => {
  const db = `kyso_test_${randomBytes(6).toString('hex')}`;
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${db}`);
  let r: Running;
  beforeAll(async () => {
    await pgAdmin(`CREATE DATABASE ${db}`);
    r = await start({ KYSO_DATABASE_URL: url });
  }, 120_000);
  afterAll(async () => {
    await r?.h.close();
    await pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });

  it('ok/download twice: identical bytes, stored in the database (not in the data directory), pdfsig valid', async () => {
    const { id, copy } = await certify(r);
    const a = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.certifierToken });
    const b = await r.call('GET', `/api/v1/copies/${id}/document`, { token: r.s.certifierToken });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.equals(copy) && b.body.equals(copy)).toBe(true);
    expect(await pdfsigValid(r, a.body)).toBe(2);
    expect(existsSync(join(r.h.dataDir, 'copies'))).toBe(false);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const rows = await c.query('SELECT pdf FROM copy_documents WHERE sha256 = $1', [sha(copy)]);
      expect(rows.rows).toHaveLength(1);
      expect(Buffer.from(rows.rows[0].pdf).equals(copy)).toBe(true);
    } finally {
      await c.end();
    }
    expect((await r.call('GET', `/api/v1/copies?authority=${AUTHORITY}`, { token: r.s.auditorToken })).json.items).toHaveLength(1);
  });
});
