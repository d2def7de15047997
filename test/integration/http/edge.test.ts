import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function expectProblem(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({
    status,
    code,
    type: expect.stringContaining('/problems/'),
    title: expect.any(String),
    detail: expect.any(String),
    instance: expect.any(String),
  });
}

describe('HTTP edge', () => {
  it('ok/health is public JSON with the database kind', async () => {
    const r = await call(h, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', database: 'sqlite' });
    expect(r.headers.get('x-request-id')).toMatch(/.+/);
  });

  it('ok/first start printed an admin token that works', async () => {
    expect(h.adminToken).toMatch(/^kyso_/);
    const r = await call(h, 'GET', '/api/v1/tokens', { token: h.adminToken });
    expect(r.status).toBe(200);
    expect(r.json.items).toHaveLength(1);
    expect(JSON.stringify(r.json)).not.toContain(h.adminToken);
    expect(JSON.stringify(r.json)).not.toMatch(/tokenHash|[0-9a-f]{64}/);
  });

  it('fail/no token → 401 problem UNAUTHENTICATED with WWW-Authenticate', async () => {
    const r = await call(h, 'GET', '/api/v1/tokens');
    expectProblem(r, 401, 'UNAUTHENTICATED');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('fail/unknown or malformed token → 401', async () => {
    expectProblem(await call(h, 'GET', '/api/v1/tokens', { token: 'kyso_' + 'A'.repeat(43) }), 401, 'UNAUTHENTICATED');
    expectProblem(await call(h, 'GET', '/api/v1/tokens', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'UNAUTHENTICATED');
  });

  it('fail/wrong role → 403 FORBIDDEN; least privilege per route', async () => {
    const created = await call(h, 'POST', '/api/v1/tokens', {
      token: h.adminToken,
      json: { role: 'auditor', organizationId: 'sub_audit', label: 'audit team' },
    });
    expect(created.status).toBe(201);
    expect(created.json.token).toMatch(/^kyso_/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const auditor = created.json.token as string;
    expectProblem(await call(h, 'GET', '/api/v1/tokens', { token: auditor }), 403, 'FORBIDDEN');
    const audit = await call(h, 'GET', '/api/v1/audit?action=token.create', { token: auditor });
    expect(audit.status).toBe(200);
    expect(audit.json.items.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(audit.json)).not.toContain(auditor);
    const v = await call(h, 'POST', '/api/v1/audit/verify', { token: auditor });
    expect(v.json).toMatchObject({ ok: true });
  });

  it('fail/malformed JSON → 400 BAD_REQUEST problem', async () => {
    expectProblem(
      await call(h, 'POST', '/api/v1/tokens', {
        token: h.adminToken,
        body: '{"role": "admin",',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'BAD_REQUEST',
    );
  });

  it('fail/oversize JSON body → 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ role: 'admin', label: 'x'.repeat(1_100_000) });
    expectProblem(
      await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, body: big, headers: { 'content-type': 'application/json' } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('fail/non-JSON content type → 415', async () => {
    expectProblem(
      await call(h, 'POST', '/api/v1/tokens', {
        token: h.adminToken,
        body: 'role=admin',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('fail/schema violations → 400 VALIDATION_FAILED naming the field', async () => {
    const r = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'superuser' } });
    expectProblem(r, 400, 'VALIDATION_FAILED');
    expect(r.json.detail).toContain('body.role');
    expectProblem(
      await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'auditor', organizationId: 'sub_audit', extra: 1 } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('fail/revoking a token twice → 409; a revoked token → 401', async () => {
    const c = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'signer', organizationId: 'sub_org' } });
    const id = c.json.id as string;
    expect((await call(h, 'DELETE', `/api/v1/tokens/${id}`, { token: h.adminToken })).status).toBe(204);
    expectProblem(await call(h, 'DELETE', `/api/v1/tokens/${id}`, { token: h.adminToken }), 409, 'CONFLICT');
    expectProblem(await call(h, 'GET', '/api/v1/audit', { token: c.json.token }), 401, 'UNAUTHENTICATED');
    expectProblem(await call(h, 'DELETE', `/api/v1/tokens/tok_nope`, { token: h.adminToken }), 404, 'NOT_FOUND');
  });

  it('fail/unknown route → 404 problem', async () => {
    expectProblem(await call(h, 'GET', '/api/v1/nothing-here'), 404, 'NOT_FOUND');
  });

  it('ok/the OpenAPI document lists every registered Express route and method', async () => {
    const r = await call(h, 'GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    const registered = registeredRoutes(h.server.http.app);
    expect(registered.length).toBeGreaterThan(5);
    for (const { method, path } of registered) {
      const p = path.replace(/:(\w+)/g, '{$1}').replace(/\*(\w+)/g, '{$1}');
      expect(r.json.paths[p]?.[method], `${method.toUpperCase()} ${path} missing from OpenAPI`).toBeDefined();
    }
    const documented = Object.values(r.json.paths as Record<string, object>).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(documented).toBe(registered.length);
  });
});

/** Walks Express 5's router stack (app.router.stack → layer.route / nested routers). */
function registeredRoutes(app: any): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods))
          if (layer.route.methods[m] && m !== '_all') out.push({ method: m, path: layer.route.path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return out;
}
