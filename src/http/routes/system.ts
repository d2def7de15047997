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
      summary: 'Service health: database reachable, CA hierarchy present, version.',
      tag: 'system',
      auth: 'public',
      responses: {
        200: { description: 'Healthy', schema: z.object({ status: z.literal('ok'), version: z.string() }).loose() },
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
        sendJson(res, 200, { status: 'ok', version: deps.version, ...facts });
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
