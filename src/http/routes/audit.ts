import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

const AuditQuery = z.object({
  fromSeq: z.coerce.number().int().positive().optional(),
  toSeq: z.coerce.number().int().positive().optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

/** The hash-chained audit log, for auditors (and admins). */
export function auditRoutes(audit: AuditLog): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      operationId: 'listAudit',
      summary: 'List audit events (who, role, what, when, outcome) with their chain hashes.',
      tag: 'audit',
      auth: ['auditor', 'admin'],
      query: AuditQuery,
      responses: { 200: { description: 'Events' } },
      async handle({ res, query }) {
        const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
        sendJson(res, 200, { items: await audit.list(q) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/audit/verify',
      operationId: 'verifyAudit',
      summary: 'Recompute the whole hash chain; reports the first broken event if any.',
      tag: 'audit',
      auth: ['auditor', 'admin'],
      responses: { 200: { description: 'Chain verification result (ok true/false)' } },
      async handle({ res }) {
        sendJson(res, 200, await audit.verifyChain());
      },
    }),
  ];
}
