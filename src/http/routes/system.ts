import { z } from 'zod';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

/** Liveness/readiness and the API description. */
export function systemRoutes(
  deps: { health: () => Promise<Record<string, unknown>>; version: string },
  openapi: () => Record<string, unknown>,
): RouteSpec[] {
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
