import { z } from 'zod';
import { ROLES, publicToken, type ApiTokenService } from '../auth/api-tokens.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { requirePrincipal } from '../auth/middleware.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import { withholdFromReplay } from '../idempotency/gate.js';

const TokenView = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  organizationId: z.string().nullable(),
  authorityId: z.string().nullable(),
  officialId: z.string().nullable(),
  label: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

const CreateToken = z.strictObject({
  role: z.enum(ROLES),
  organizationId: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('The organization the token works for; required for every role but admin.'),
  authorityId: z.string().min(1).max(128).optional().describe('certifier: its certifying authority (required)'),
  officialId: z.string().min(1).max(128).optional().describe('certifier (required) or signer: the official whose credentials it uses'),
  label: z.string().min(1).max(200).optional(),
});

/** API token management (admin only): tokens are shown once at creation, stored hashed; creation and revocation are audited with the scope (never the value). */
export function tokenRoutes(tokens: ApiTokenService, audit?: Pick<AuditLog, 'append'>): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tokens',
      operationId: 'createToken',
      idempotent: true,
      summary: 'Create an API token for a role; the token value is returned once and only its hash is stored.',
      tag: 'tokens',
      auth: ['admin'],
      body: CreateToken,
      responses: { 201: { description: 'Created', schema: TokenView.extend({ token: z.string() }) } },
      async handle({ res, body, principal }) {
        const { token, record } = await tokens.create(body, requirePrincipal(principal));
        res.setHeader('Cache-Control', 'no-store');
        withholdFromReplay(res, { id: record.id });
        sendJson(res, 201, { ...publicToken(record), token });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/tokens',
      operationId: 'listTokens',
      summary: 'List API tokens (without their values).',
      tag: 'tokens',
      auth: ['admin'],
      responses: { 200: { description: 'Tokens', schema: z.object({ items: z.array(TokenView) }) } },
      async handle({ res }) {
        sendJson(res, 200, { items: (await tokens.list()).map(publicToken) });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/tokens/:id',
      operationId: 'revokeToken',
      summary: 'Revoke an API token.',
      tag: 'tokens',
      auth: ['admin'],
      params: z.object({ id: z.string().min(1).max(128) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such token' }, 409: { description: 'Already revoked' } },
      async handle({ res, params, principal }) {
        await tokens.revoke(params.id);
        const by = requirePrincipal(principal);
        await audit?.append({ actor: by.id, role: by.role, action: 'token.revoke', target: params.id, outcome: 'success' });
        res.status(204).end();
      },
    }),
  ];
}
