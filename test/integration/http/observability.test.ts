import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../../src/http/log.js';
import { call, startHarness, type Harness } from './harness.js';

/**
 * GET /ready, GET /metrics and the request id on every log line, through the real app. The
 * metrics text is read back by the Prometheus project's own parser (Debian's
 * python3-prometheus-client), not by our code.
 */
const run = promisify(execFile);
const METRICS_TOKEN = 'metrics-token-' + 'x'.repeat(32);
const lines: string[] = [];
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-obs-'));
  h = await startHarness(
    { KYSO_METRICS_TOKEN: METRICS_TOKEN },
    createJsonLogger('debug', (l) => void lines.push(l)),
  );
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Samples parsed by prometheus_client.parser: `name{labels} value` per line, as JSON. */
async function parseMetrics(text: string): Promise<Array<{ name: string; labels: Record<string, string>; value: number }>> {
  const file = join(dir, 'metrics.txt');
  writeFileSync(file, text);
  const script = [
    'import json, sys',
    'from prometheus_client.parser import text_string_to_metric_families',
    'out = []',
    'for fam in text_string_to_metric_families(open(sys.argv[1]).read()):',
    '    for s in fam.samples:',
    '        out.append({"name": s.name, "labels": s.labels, "value": s.value})',
    'print(json.dumps(out))',
  ].join('\n');
  const { stdout } = await run('/usr/bin/python3', ['-c', script, file]);
  return JSON.parse(stdout) as Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const sample = (all: Awaited<ReturnType<typeof parseMetrics>>, name: string, labels: Record<string, string> = {}) =>
  all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('readiness', () => {
  it('ok/GET /ready answers 200 when the database, schema, CA keys and responder certificates are fine', async () => {
    const r = await call(h, 'GET', '/ready');
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.status).toBe('ready');
    expect(r.json.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['migrations', true],
      ['ca', true],
    ]);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('fail/a CA key the key store cannot open → 503 naming the CA; the reasons are for operators only', async () => {
    const cas = await h.ctx.store.cas.list();
    const tsa = cas.find((c) => c.id === 'tsa')!;
    // The operator's mistake this probe exists for: a key reference that no longer resolves
    // (a token pulled out, a wrong master key, a sealed row restored from another service).
    await h.ctx.store.cas.updateCertificate('tsa', { ...tsa, keyUri: 'kyso-key:missing-key' });
    try {
      const r = await call(h, 'GET', '/ready');
      expect(r.status).toBe(503);
      expect(r.json.status).toBe('unready');
      const ca = r.json.checks.find((c: { name: string }) => c.name === 'ca');
      expect(ca.ok).toBe(false);
      expect(ca.reason).toMatch(/^tsa: key-unusable/);
      // Through a proxy (X-Forwarded-For) without the token: which check fails, not why.
      const outside = await call(h, 'GET', '/ready', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(outside.status).toBe(503);
      expect(outside.json.checks.find((c: { name: string }) => c.name === 'ca')).toEqual({ name: 'ca', ok: false });
    } finally {
      await h.ctx.store.cas.updateCertificate('tsa', tsa);
    }
    expect((await call(h, 'GET', '/ready')).status).toBe(200);
  });
});

describe('metrics', () => {
  it('ok/counts requests by route template, issuances from the audit log, OCSP answers, and reports audit size and CRL age', async () => {
    const before = await parseMetrics((await call(h, 'GET', '/metrics')).body.toString('utf8'));
    const issued0 = sample(before, 'kyso_certificates_issued_total') ?? 0;

    const issue = await call(h, 'POST', '/api/v1/certificates', {
      token: h.adminToken,
      json: { profile: 'individual', subject: { commonName: 'Nguyễn Văn An', uids: ['CCCD:022090001234'] }, pkcs12Password: 'mat-khau-1' },
    });
    expect(issue.status, JSON.stringify(issue.json)).toBe(201);
    await call(h, 'GET', `/api/v1/certificates/${issue.json.certificate.id}`, { token: h.adminToken });

    // A real OCSP request for the new certificate, made by OpenSSL.
    const p12 = join(dir, 'a.p12');
    writeFileSync(p12, Buffer.from(issue.json.pkcs12, 'base64'));
    await run('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:mat-khau-1', '-clcerts', '-nokeys', '-out', join(dir, 'leaf.pem')]);
    writeFileSync(join(dir, 'issuer.pem'), (await call(h, 'GET', '/pki/ca/individuals.pem')).body);
    await run('openssl', [
      'ocsp',
      '-issuer',
      join(dir, 'issuer.pem'),
      '-cert',
      join(dir, 'leaf.pem'),
      '-reqout',
      join(dir, 'req.der'),
      '-no_nonce',
    ]);
    const ocsp = await call(h, 'POST', '/pki/ocsp', {
      body: readFileSync(join(dir, 'req.der')),
      headers: { 'content-type': 'application/ocsp-request' },
    });
    expect(ocsp.status).toBe(200);

    const r = await call(h, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = await parseMetrics(r.body.toString('utf8'));
    expect(sample(after, 'kyso_certificates_issued_total')).toBe(issued0 + 1);
    // The label is the route's template, never the concrete id (bounded label values).
    expect(
      sample(after, 'kyso_http_requests_total', { method: 'GET', route: '/api/v1/certificates/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.some((s) => s.labels.route?.includes(issue.json.certificate.id))).toBe(false);
    expect(
      sample(after, 'kyso_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/certificates' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'kyso_ocsp_requests_total', { status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'kyso_audit_events_total', { action: 'certificate.issue', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    const auditSize = sample(after, 'kyso_audit_log_size')!;
    const head = (await h.ctx.audit.list({ order: 'desc', limit: 1 }))[0]!.seq;
    expect(auditSize).toBeGreaterThan(0);
    expect(auditSize).toBeLessThanOrEqual(head);
    const crlAge = sample(after, 'kyso_crl_age_seconds', { ca: 'individuals' });
    expect(crlAge).toBeGreaterThanOrEqual(0);
    expect(crlAge).toBeLessThan(3600);
    // Process metrics from prom-client's defaults.
    expect(sample(after, 'kyso_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('ok/every business counter is exposed from the start (a dashboard finds zero, not a missing series)', async () => {
    const text = (await call(h, 'GET', '/metrics')).body.toString('utf8');
    expect(text).toMatch(/^# TYPE kyso_pin_failures_total counter$/m);
    expect(text).toMatch(/^# TYPE kyso_pin_locks_total counter$/m);
    expect(text).toMatch(/^# TYPE kyso_signatures_total counter$/m);
    expect(text).toMatch(/^# TYPE kyso_copies_certified_total counter$/m);
    expect(text).toMatch(/^# TYPE kyso_tsa_requests_total counter$/m);
  });

  it('fail/from outside loopback (a proxy adds X-Forwarded-For): 401 without the metrics token or with a wrong one, 200 with it', async () => {
    const fwd = { 'x-forwarded-for': '203.0.113.9' };
    const none = await call(h, 'GET', '/metrics', { headers: fwd });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await call(h, 'GET', '/metrics', { headers: fwd, token: METRICS_TOKEN + 'x' })).status).toBe(401);
    // An API token is not the metrics token.
    expect((await call(h, 'GET', '/metrics', { headers: fwd, token: h.adminToken })).status).toBe(401);
    const ok = await call(h, 'GET', '/metrics', { headers: fwd, token: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.body.toString('utf8')).toContain('kyso_http_requests_total');
  });
});

describe('logs', () => {
  it('ok/every line written while a request is served carries its request id (the state change it made included)', async () => {
    lines.length = 0;
    const r = await call(h, 'POST', '/api/v1/tokens', {
      token: h.adminToken,
      json: { role: 'admin', label: 'obs' },
      headers: { 'x-request-id': 'req-obs-7' },
    });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = records.filter((rec) => rec.requestId === 'req-obs-7');
    // the request line, and the audit line of what it changed (or refused)
    expect(mine.map((rec) => rec.msg)).toContain('request');
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(mine.some((rec) => rec.msg === 'audit event' && rec.action === 'token.create')).toBe(true);
    // no line of this request without its id
    expect(records.filter((rec) => rec.msg === 'audit event' && rec.action === 'token.create' && rec.requestId !== 'req-obs-7')).toEqual(
      [],
    );
    expect(lines.join('')).not.toContain(h.adminToken);
    expect(lines.join('')).not.toContain(r.json.token);
  });
});
