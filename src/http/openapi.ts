import { z } from 'zod';
import { openApiPath, type RouteSpec } from './route.js';

/**
 * OpenAPI 3.1 document built from the same route specs that Express serves (served at
 * /api/v1/openapi.json). JSON Schema 2020-12 is OpenAPI 3.1's schema dialect, which is what
 * zod's toJSONSchema emits by default.
 */
function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

function objectShape(
  s: z.ZodType | undefined,
): Record<string, { schema: Record<string, unknown>; required: boolean; description?: string }> {
  if (!s) return {};
  const j = schemaOf(s, 'input');
  const props = (j.properties ?? {}) as Record<string, Record<string, unknown>>;
  const req = new Set((j.required ?? []) as string[]);
  const out: Record<string, { schema: Record<string, unknown>; required: boolean; description?: string }> = {};
  for (const [k, v] of Object.entries(props)) {
    const { description, ...rest } = v;
    out[k] = { schema: rest, required: req.has(k), ...(typeof description === 'string' ? { description } : {}) };
  }
  return out;
}

export const PROBLEM_SCHEMA = {
  type: 'object',
  description: "RFC 9457 problem details with kyso's stable error `code` (docs/errors.md).",
  required: ['type', 'title', 'status', 'code', 'detail', 'instance'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    details: { type: 'object' },
  },
} as const;

export function buildOpenApi(specs: readonly RouteSpec[], o: { publicUrl: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const p = openApiPath(s.path);
    const parameters: unknown[] = [];
    const pathNames = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const pshape = objectShape(s.params);
    for (const name of pathNames) {
      if (!name) continue;
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: pshape[name]?.schema ?? { type: 'string' },
        ...(pshape[name]?.description ? { description: pshape[name]?.description } : {}),
      });
    }
    for (const [name, q] of Object.entries(objectShape(s.query))) {
      parameters.push({
        name,
        in: 'query',
        required: q.required,
        schema: q.schema,
        ...(q.description ? { description: q.description } : {}),
      });
    }
    if (s.idempotent) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 257 },
        description:
          'draft-ietf-httpapi-idempotency-key-header: a unique key (e.g. a UUID as a structured-field string, `"…"`) per request of this caller. A retry with the same key and request gets the first answer again (header `Idempotent-Replayed: true`); another request with the key gets 422 IDEMPOTENCY_KEY_REUSED; a retry while the first runs gets 409 IDEMPOTENCY_IN_PROGRESS; an answer that carried a secret is not replayed (409 IDEMPOTENCY_SECRET_NOT_REPLAYED with its id).',
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(s.responses)) {
      const ct = r.contentType ?? 'application/json';
      responses[status] = { description: r.description, content: { [ct]: r.schema ? { schema: schemaOf(r.schema, 'output') } : {} } };
    }
    const problemStatuses = new Set<number>([400, 500]);
    if (s.auth !== 'public') {
      problemStatuses.add(401);
      problemStatuses.add(403);
    }
    if (s.rateLimited) problemStatuses.add(429);
    if (s.idempotent) {
      problemStatuses.add(409);
      problemStatuses.add(422);
    }
    if (s.body || s.rawBody) {
      problemStatuses.add(413);
      problemStatuses.add(415);
    }
    for (const st of problemStatuses) {
      if (!responses[st]) responses[st] = { $ref: `#/components/responses/Problem${st}` };
    }
    const op: Record<string, unknown> = {
      operationId: s.operationId,
      summary: s.summary,
      tags: [s.tag],
      ...(parameters.length ? { parameters } : {}),
      responses,
      security: s.auth === 'public' ? [] : [{ bearerAuth: [] }],
      ...(s.auth !== 'public' ? { 'x-kyso-roles': [...s.auth] } : {}),
      ...(s.rateLimited ? { 'x-kyso-rate-limited': true } : {}),
    };
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(s.body, 'input') } } };
    else if (s.rawBody)
      op.requestBody = {
        required: true,
        description: s.rawBody.description,
        content: { [s.rawBody.contentType]: { schema: s.rawBody.schema ?? { type: 'string', format: 'binary' } } },
      };
    paths[p] ??= {};
    (paths[p] as Record<string, unknown>)[s.method] = op;
  }
  const problemResponses: Record<string, unknown> = {};
  for (const st of [400, 401, 403, 409, 413, 415, 422, 429, 500]) {
    problemResponses[`Problem${st}`] = {
      description: `Problem (HTTP ${st})`,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kyso',
      version: o.version,
      description:
        'Provincial CA (certificates, CRL, OCSP), PAdES signing, verification and electronic certified copies. Errors are RFC 9457 problem+json documents with a stable `code`.',
    },
    servers: [{ url: o.publicUrl }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'Opaque API token (kyso_…); roles admin, ra-officer, signer, certifier, auditor.',
        },
      },
      schemas: { Problem: PROBLEM_SCHEMA },
      responses: problemResponses,
    },
  };
}
