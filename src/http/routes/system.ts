import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { ReadinessReport } from '../../core/readiness.js';
import type { ServiceMetrics } from '../metrics.js';
import { isOperatorRequest } from '../operator-access.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

export interface SystemDeps {
  readonly health: () => Promise<Record<string, unknown>>;
  readonly version: string;
  /** Readiness checks (database, migrations, CA keys, responder certificates); absent = liveness only. */
  readonly ready?: () => Promise<ReadinessReport>;
  readonly metrics?: ServiceMetrics;
  /** Bearer token for operator detail from outside loopback (KYSO_METRICS_TOKEN). */
  readonly metricsToken?: string;
}

/** Liveness, readiness, metrics and the API description. */
export function systemRoutes(deps: SystemDeps, openapi: () => Record<string, unknown>): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary:
        'Service health: database reachable, CA hierarchy present, audit self-check, version. `status` is `degraded` (with `degraded` reasons) when a check found a fault but the service still answers.',
      tag: 'system',
      auth: 'public',
      responses: {
        200: {
          description: 'Up (ok or degraded)',
          schema: z.object({ status: z.enum(['ok', 'degraded']), version: z.string(), degraded: z.array(z.string()).optional() }).loose(),
        },
        503: { description: 'A dependency is down', contentType: 'application/json' },
      },
      async handle({ res }) {
        let facts: Record<string, unknown>;
        try {
          facts = await deps.health();
        } catch {
          res.setHeader('Cache-Control', 'no-store');
          return sendJson(res, 503, { status: 'unavailable', version: deps.version });
        }
        res.setHeader('Cache-Control', 'no-store');
        const degraded = Array.isArray(facts.degraded) && facts.degraded.length > 0;
        sendJson(res, 200, { status: degraded ? 'degraded' : 'ok', version: deps.version, ...facts });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/ready',
      operationId: 'ready',
      summary:
        'Readiness: database reachable, schema migrations current, every active CA key signs, OCSP responder and TSA certificates good. 503 names the failing checks (with reasons for loopback or the metrics token).',
      tag: 'system',
      auth: 'public',
      responses: {
        200: { description: 'Ready to serve' },
        503: { description: 'Not ready: `checks` names what fails' },
      },
      async handle({ req, res }) {
        const report: ReadinessReport = deps.ready ? await deps.ready() : { ready: true, checks: [] };
        const detail = isOperatorRequest(req, deps.metricsToken);
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, report.ready ? 200 : 503, {
          status: report.ready ? 'ready' : 'unready',
          version: deps.version,
          // The reasons can carry host names and driver messages: operators only.
          checks: report.checks.map((c) => (detail || c.ok ? c : { name: c.name, ok: false })),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text format 0.0.4). Open on loopback; elsewhere needs `Authorization: Bearer KYSO_METRICS_TOKEN`.',
      tag: 'system',
      auth: 'public',
      responses: {
        200: { description: 'Metrics', contentType: 'text/plain; version=0.0.4' },
        401: { description: 'Not on loopback and no (or a wrong) metrics token', contentType: 'application/problem+json' },
      },
      async handle({ req, res }) {
        if (!deps.metrics) throw new AppError('NOT_FOUND', 'metrics are not enabled');
        if (!isOperatorRequest(req, deps.metricsToken))
          throw new AppError('UNAUTHENTICATED', 'metrics are open on loopback only; elsewhere send the metrics token');
        res.setHeader('Cache-Control', 'no-store');
        res
          .status(200)
          .type(deps.metrics.contentType())
          .send(await deps.metrics.text());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document.',
      tag: 'system',
      auth: 'public',
      responses: { 200: { description: 'OpenAPI document' } },
      handle({ res }) {
        sendJson(res, 200, openapi());
      },
    }),
  ];
}
