import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalPdf } from '../copies/setup.js';
import { call, startHarness, type Harness } from './harness.js';
import { buildScopeWorld, type RoleName, type ScopeWorld, type Side } from './scope-world.js';

/**
 * Every route the app serves × every role (and no token), in and out of scope, against the
 * hand-written table in docs/access-matrix.md. Requests are real (the app on 127.0.0.1, real
 * tokens); "in scope" uses organization A's things, "out of scope" organization B's.
 */
const COLUMNS = ['none', 'admin', 'ra-officer', 'signer', 'certifier', 'auditor'] as const;
type Column = (typeof COLUMNS)[number];

/** `METHOD path` → cell per column, from the Markdown tables. */
function readMatrix(): Map<string, Record<Column, string>> {
  const md = readFileSync(new URL('../../../docs/access-matrix.md', import.meta.url), 'utf8');
  const rows = new Map<string, Record<Column, string>>();
  for (const line of md.split('\n')) {
    const m = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[3]!.split('|').map((c) => c.trim());
    expect(cells.length, line).toBe(COLUMNS.length);
    const key = `${m[1]} ${m[2]}`;
    expect(rows.has(key), `duplicate row ${key}`).toBe(false);
    rows.set(key, Object.fromEntries(COLUMNS.map((c, i) => [c, cells[i]!])) as Record<Column, string>);
  }
  return rows;
}

interface Req {
  readonly path: string;
  readonly json?: unknown;
  readonly form?: () => Promise<FormData>;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

const yearOf = (w: ScopeWorld) => w.year;
const reg = (s: Side, w: ScopeWorld, tail: string) => `/api/v1/authorities/${s.authority}/registers/${yearOf(w)}/${tail}`;

function certifyForm(authorityId: string): () => Promise<FormData> {
  return async () => {
    const fd = new FormData();
    fd.append('original', new Blob([await originalPdf(1)], { type: 'application/pdf' }), 'original.pdf');
    fd.set(
      'request',
      JSON.stringify({
        authorityId,
        requesterName: 'Trần Văn Bình',
        requesterIdDocument: 'CCCD 022090009999',
        documentType: 'Giấy khai sinh',
        documentTitle: 'Giấy khai sinh số 123',
        documentIssuer: 'UBND phường Hồng Gai',
        certifier: { credentialId: 'cred_none', title: 'Công chức Tư pháp', pin: '246810' },
        seal: { pin: '135790' },
      }),
    );
    return fd;
  };
}

/** One request per route, for side A (in scope) or B (out of scope). */
const REQUESTS: Record<string, (s: Side, w: ScopeWorld) => Req> = {
  'GET /health': () => ({ path: '/health' }),
  'GET /ready': () => ({ path: '/ready' }),
  'GET /metrics': () => ({ path: '/metrics' }),
  'GET /api/v1/openapi.json': () => ({ path: '/api/v1/openapi.json' }),
  'GET /pki/ca/:id.crt': () => ({ path: '/pki/ca/root.crt' }),
  'GET /pki/ca/:id.pem': () => ({ path: '/pki/ca/root.pem' }),
  'GET /pki/crl/:id.crl': () => ({ path: '/pki/crl/individuals.crl' }),
  'POST /pki/ocsp': () => ({ path: '/pki/ocsp', body: Buffer.from([0x30, 0x00]), headers: { 'content-type': 'application/ocsp-request' } }),
  'GET /pki/ocsp/*request': () => ({ path: '/pki/ocsp/MAA=' }),
  'POST /tsa': () => ({ path: '/tsa', body: Buffer.from([0x30, 0x00]), headers: { 'content-type': 'application/timestamp-query' } }),
  'GET /api/v1/copies/lookup': () => ({ path: '/api/v1/copies/lookup?code=nope' }),
  'POST /api/v1/verify': () => ({ path: '/api/v1/verify', json: {} }),
  'GET /api/v1/verify/:reportId/signed-revision/:n': () => ({ path: '/api/v1/verify/rep_none/signed-revision/1' }),
  'GET /': () => ({ path: '/' }),
  'GET /verify/copy': () => ({ path: '/verify/copy' }),
  'GET /workstation': () => ({ path: '/workstation' }),
  'GET /audit': () => ({ path: '/audit' }),
  'GET /login': () => ({ path: '/login' }),
  'GET /auth/oidc/login': () => ({ path: '/auth/oidc/login' }),
  'GET /auth/oidc/callback': () => ({ path: '/auth/oidc/callback?code=x&state=y' }),
  'POST /api/v1/session': () => ({ path: '/api/v1/session', json: {} }),
  'GET /api/v1/session': () => ({ path: '/api/v1/session' }),
  'DELETE /api/v1/session': () => ({ path: '/api/v1/session' }),
  'POST /api/v1/accounts': () => ({ path: '/api/v1/accounts', json: {} }),
  'GET /api/v1/accounts': () => ({ path: '/api/v1/accounts' }),
  'GET /api/v1/accounts/:id': () => ({ path: '/api/v1/accounts/acc_none' }),
  'POST /api/v1/accounts/:id/disable': () => ({ path: '/api/v1/accounts/acc_none/disable' }),
  'POST /api/v1/accounts/:id/enable': () => ({ path: '/api/v1/accounts/acc_none/enable' }),
  'POST /api/v1/accounts/:id/password': () => ({
    path: '/api/v1/accounts/acc_none/password',
    json: { password: 'a long enough password' },
  }),

  'POST /api/v1/tokens': (s) => ({ path: '/api/v1/tokens', json: { role: 'auditor', organizationId: s.org, label: 'matrix' } }),
  'GET /api/v1/tokens': () => ({ path: '/api/v1/tokens' }),
  'DELETE /api/v1/tokens/:id': () => ({ path: '/api/v1/tokens/tok_none' }),
  'GET /api/v1/audit': () => ({ path: '/api/v1/audit?limit=1' }),
  'POST /api/v1/audit/verify': () => ({ path: '/api/v1/audit/verify', json: {} }),
  'GET /api/v1/audit/checkpoints': () => ({ path: '/api/v1/audit/checkpoints?limit=1' }),
  'GET /api/v1/audit/checkpoints/latest': () => ({ path: '/api/v1/audit/checkpoints/latest' }),
  'POST /api/v1/audit/checkpoints': () => ({ path: '/api/v1/audit/checkpoints' }),
  'GET /api/v1/audit/keys': () => ({ path: '/api/v1/audit/keys' }),
  'GET /api/v1/audit/proofs/inclusion': () => ({ path: '/api/v1/audit/proofs/inclusion?seq=1' }),
  'GET /api/v1/audit/proofs/consistency': () => ({ path: '/api/v1/audit/proofs/consistency?from=1' }),

  'GET /api/v1/cas': () => ({ path: '/api/v1/cas' }),
  'POST /api/v1/cas/:id/crl': () => ({ path: '/api/v1/cas/individuals/crl' }),
  'POST /api/v1/certificates': (s) => ({
    path: '/api/v1/certificates',
    json: {
      profile: 'individual',
      subscriberId: s.official,
      subject: s.officialSubject,
      pkcs12Password: 'mat-khau-1',
      keySpec: { type: 'ec', curve: 'P-256' },
    },
  }),
  'GET /api/v1/certificates': (s) => ({ path: `/api/v1/certificates?subscriberId=${s.official}` }),
  'GET /api/v1/certificates/:id': (s) => ({ path: `/api/v1/certificates/${s.certificate}` }),
  'POST /api/v1/certificates/:id/revoke': (s) => ({ path: `/api/v1/certificates/${s.certificate}/revoke`, json: { reason: 'superseded' } }),
  'POST /api/v1/certificates/:id/suspend': (s) => ({ path: `/api/v1/certificates/${s.certificate}/suspend`, json: {} }),
  'POST /api/v1/certificates/:id/release': (s) => ({ path: `/api/v1/certificates/${s.certificate}/release`, json: {} }),
  'POST /api/v1/certificates/:id/renew': (s) => ({ path: `/api/v1/certificates/${s.certificate}/renew`, json: {} }),
  'POST /api/v1/certificates/:id/rekey': (s) => ({ path: `/api/v1/certificates/${s.certificate}/rekey`, json: {} }),
  'POST /api/v1/organizations': (s) => ({
    path: '/api/v1/organizations',
    json: { subject: { commonName: 'Phòng Tư pháp', uids: ['MST:5700100993'] }, managingOrganizationId: s.org },
  }),
  'GET /api/v1/organizations': (s) => ({ path: `/api/v1/organizations?managingOrganizationId=${s.org}` }),
  'GET /api/v1/organizations/:id': (s) => ({ path: `/api/v1/organizations/${s.org}` }),
  'POST /api/v1/officials': (s) => ({
    path: '/api/v1/officials',
    json: { subject: { commonName: 'Cán bộ mới', uids: ['CCCD:022198007777'] }, managingOrganizationId: s.org },
  }),
  'GET /api/v1/officials': (s) => ({ path: `/api/v1/officials?managingOrganizationId=${s.org}` }),
  'GET /api/v1/officials/:id': (s) => ({ path: `/api/v1/officials/${s.official}` }),
  'POST /api/v1/devices': (s) => ({
    path: '/api/v1/devices',
    json: { subject: { commonName: 'Máy chủ mới', uids: ['MST:5700100986'] }, managingOrganizationId: s.org },
  }),
  'GET /api/v1/devices': (s) => ({ path: `/api/v1/devices?managingOrganizationId=${s.org}` }),
  'GET /api/v1/devices/:id': (s) => ({ path: `/api/v1/devices/${s.device}` }),
  'POST /api/v1/requests': (s) => ({ path: '/api/v1/requests', json: { kind: 'new', subscriberId: s.official } }),
  'GET /api/v1/requests': (s) => ({ path: `/api/v1/requests?managingOrganizationId=${s.org}` }),
  'GET /api/v1/requests/:id': (s) => ({ path: `/api/v1/requests/${s.request}` }),
  'POST /api/v1/requests/:id/approve': (s) => ({ path: `/api/v1/requests/${s.request}/approve`, json: {} }),
  'POST /api/v1/requests/:id/reject': (s) => ({ path: `/api/v1/requests/${s.request}/reject`, json: {} }),
  'POST /api/v1/requests/:id/complete': (s) => ({ path: `/api/v1/requests/${s.request}/complete`, json: { pkcs12Password: 'mat-khau-1' } }),
  'POST /api/v1/credentials': (s) => ({
    path: '/api/v1/credentials',
    json: { certificateId: s.certificate, ownerId: s.official },
  }),
  'POST /api/v1/credentials/:id/pin-reset': () => ({ path: '/api/v1/credentials/cred_none/pin-reset', json: {} }),
  'POST /api/v1/credentials/:id/authorizations': () => ({
    path: '/api/v1/credentials/cred_none/authorizations',
    json: { pin: '246810', documents: 10 },
  }),
  'DELETE /api/v1/credentials/:id/authorizations/:authorizationId': () => ({
    path: '/api/v1/credentials/cred_none/authorizations/sa_none',
  }),
  'POST /api/v1/credentials/:id/activate': () => ({
    path: '/api/v1/credentials/cred_none/activate',
    json: { activationCode: 'ABCD-EFGH-IJKL', pin: '246810' },
  }),
  'GET /api/v1/credential-requests': () => ({ path: '/api/v1/credential-requests' }),
  'GET /api/v1/credentials/mine': () => ({ path: '/api/v1/credentials/mine' }),
  'GET /api/v1/credential-requests/:id': () => ({ path: '/api/v1/credential-requests/apr_none' }),
  'POST /api/v1/credential-requests/:id/approve': () => ({ path: '/api/v1/credential-requests/apr_none/approve', json: {} }),
  'POST /api/v1/credential-requests/:id/reject': () => ({ path: '/api/v1/credential-requests/apr_none/reject', json: {} }),
  'POST /api/v1/cas/:id/revocation-requests': () => ({
    path: '/api/v1/cas/ca_none/revocation-requests',
    json: { reason: 'keyCompromise' },
  }),
  'GET /api/v1/ca-revocation-requests': () => ({ path: '/api/v1/ca-revocation-requests' }),
  'POST /api/v1/ca-revocation-requests/:id/approve': () => ({ path: '/api/v1/ca-revocation-requests/apr_none/approve', json: {} }),
  'POST /api/v1/ca-revocation-requests/:id/reject': () => ({ path: '/api/v1/ca-revocation-requests/apr_none/reject', json: {} }),

  'POST /api/v1/authorities': () => ({ path: '/api/v1/authorities', json: { id: 'xa-moi', name: 'UBND xã Mới', place: 'xã Mới' } }),
  'GET /api/v1/authorities': () => ({ path: '/api/v1/authorities' }),
  'PUT /api/v1/authorities/:id/stamps': (s) => ({ path: `/api/v1/authorities/${s.authority}/stamps`, form: async () => new FormData() }),
  'GET /api/v1/authorities/:id/stamps': (s) => ({ path: `/api/v1/authorities/${s.authority}/stamps` }),
  'PUT /api/v1/credentials/:id/signature-image': () => ({
    path: '/api/v1/credentials/cred_none/signature-image',
    form: async () => new FormData(),
  }),
  'PATCH /api/v1/authorities/:id': (s) => ({ path: `/api/v1/authorities/${s.authority}`, json: { place: 'xã, tỉnh Quảng Ninh' } }),
  'POST /api/v1/authorities/:id/registers/:year/volumes': (s, w) => ({ path: reg(s, w, 'volumes') }),
  'GET /api/v1/authorities/:id/registers/:year/volumes': (s, w) => ({ path: reg(s, w, 'volumes') }),
  'POST /api/v1/authorities/:id/registers/:year/close': (s, w) => ({ path: reg(s, w, 'close') }),
  'POST /api/v1/authorities/:id/registers/:year/reopen': (s, w) => ({ path: reg(s, w, 'reopen'), json: { reason: 'đóng nhầm' } }),
  'POST /api/v1/authorities/:id/registers/:year/export': (s, w) => ({ path: `${reg(s, w, 'export')}?format=csv`, json: {} }),
  'POST /api/v1/copies': (s) => ({ path: '/api/v1/copies', form: certifyForm(s.authority) }),
  'GET /api/v1/copies': (s) => ({ path: `/api/v1/copies?authority=${s.authority}` }),
  'GET /api/v1/copies/:id': (s) => ({ path: `/api/v1/copies/${s.entry}` }),
  'GET /api/v1/copies/:id/document': (s) => ({ path: `/api/v1/copies/${s.entry}/document` }),
  'POST /api/v1/copies/:id/annul': (s) => ({ path: `/api/v1/copies/${s.entry}/annul`, json: { reason: 'cấp nhầm' } }),
  'DELETE /api/v1/copies/:id': (s) => ({ path: `/api/v1/copies/${s.entry}` }),

  'POST /api/v1/extend': () => ({ path: '/api/v1/extend', form: async () => new FormData() }),
  'POST /api/v1/sign': () => ({ path: '/api/v1/sign', form: async () => new FormData() }),
  'POST /api/v1/sign/batch': () => ({ path: '/api/v1/sign/batch', form: async () => new FormData() }),
  'POST /api/v1/sign/prepare': () => ({ path: '/api/v1/sign/prepare', form: async () => new FormData() }),
  'POST /api/v1/sign/stamp-preview': () => ({ path: '/api/v1/sign/stamp-preview', form: async () => new FormData() }),
  'POST /api/v1/sign/complete': () => ({ path: '/api/v1/sign/complete', json: {} }),
  'POST /api/v1/sign/prepare/batch': () => ({ path: '/api/v1/sign/prepare/batch', form: async () => new FormData() }),
  'POST /api/v1/sign/complete/batch': () => ({ path: '/api/v1/sign/complete/batch', json: {} }),

  'POST /api/v1/jobs/sign': () => ({ path: '/api/v1/jobs/sign', form: async () => new FormData() }),
  'POST /api/v1/jobs/certify': () => ({ path: '/api/v1/jobs/certify', form: async () => new FormData() }),
  'GET /api/v1/jobs/:id': () => ({ path: '/api/v1/jobs/job_unknown' }),
  'GET /api/v1/jobs/:id/files/:n': () => ({ path: '/api/v1/jobs/job_unknown/files/1' }),
  'DELETE /api/v1/jobs/:id': () => ({ path: '/api/v1/jobs/job_unknown' }),
  'POST /api/v1/webhooks/secret': () => ({ path: '/api/v1/webhooks/secret' }),
};

let h: Harness;
let w: ScopeWorld;
let matrix: Map<string, Record<Column, string>>;
let routeKeys: string[];

beforeAll(async () => {
  h = await startHarness();
  w = await buildScopeWorld(h);
  matrix = readMatrix();
  routeKeys = h.server.http.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

async function send(method: string, r: Req, token: string | undefined): Promise<{ status: number; code: unknown }> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | FormData | undefined = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] = 'application/json';
  }
  if (r.form) body = await r.form();
  const res = await fetch(h.url + r.path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

describe('access matrix (docs/access-matrix.md)', () => {
  it('has exactly one row per served route, and no row for a route that does not exist', () => {
    expect(routeKeys.length).toBeGreaterThan(50);
    expect(
      routeKeys.filter((k) => !matrix.has(k)),
      'routes without a row in docs/access-matrix.md',
    ).toEqual([]);
    expect(
      [...matrix.keys()].filter((k) => !routeKeys.includes(k)),
      'rows naming no route',
    ).toEqual([]);
    expect(
      routeKeys.filter((k) => !REQUESTS[k]),
      'routes without a request in this test',
    ).toEqual([]);
  });

  it('every route × role (and no token), in and out of scope, answers as the table says', async () => {
    const mismatches: string[] = [];
    const tokens: Record<Column, string | undefined> = { none: undefined, ...w.tokens };
    for (const key of routeKeys) {
      const row = matrix.get(key);
      const build = REQUESTS[key];
      if (!row || !build) continue;
      const method = key.split(' ')[0]!;
      for (const col of COLUMNS) {
        const cell = row[col];
        const check = (what: string, got: { status: number; code: unknown }, ok: boolean) => {
          if (!ok) mismatches.push(`${key} as ${col} (${what}): expected ${cell}, got ${got.status} ${String(got.code)}`);
        };
        const inScope = await send(method, build(w.a, w), tokens[col]);
        if (cell === 'ok') check('in scope', inScope, inScope.status !== 401 && inScope.status !== 403);
        else if (cell === 'scope') {
          check('in scope', inScope, inScope.status !== 401 && inScope.status !== 403);
          const out = await send(method, build(w.b, w), tokens[col]);
          check('out of scope', out, out.status === 403 && out.code === 'FORBIDDEN_SCOPE');
        } else if (cell === '403') check('role', inScope, inScope.status === 403 && inScope.code === 'FORBIDDEN');
        else if (cell === '401') check('no token', inScope, inScope.status === 401 && inScope.code === 'UNAUTHENTICATED');
        else {
          const m = /^(\d{3}) ([A-Z_]+)$/.exec(cell);
          if (!m) mismatches.push(`${key} as ${col}: unknown cell ${JSON.stringify(cell)}`);
          else check('fixed', inScope, inScope.status === Number(m[1]) && inScope.code === m[2]);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('every non-admin role of the matrix is bound to organization A (the tokens the matrix uses are scoped)', async () => {
    const list = (await call(h, 'GET', '/api/v1/tokens', { token: h.adminToken })).json.items as any[];
    const roles: RoleName[] = ['ra-officer', 'signer', 'certifier', 'auditor'];
    for (const role of roles) expect(list.filter((t) => t.role === role).every((t) => typeof t.organizationId === 'string')).toBe(true);
  });
});
