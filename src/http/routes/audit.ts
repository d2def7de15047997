import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

const AuditQuery = z.object({
  fromSeq: z.coerce.number().int().positive().optional(),
  toSeq: z.coerce.number().int().positive().optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  actionPrefix: z.string().min(1).max(200).optional(),
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
      summary:
        'Search audit events by actor, target (the object acted on), action or action prefix, outcome and period (since inclusive, until exclusive), oldest or newest first, with their chain hashes. A full page carries `next`, the URL of the following page (also in a Link header, RFC 8288).',
      tag: 'audit',
      auth: ['auditor', 'admin'],
      query: AuditQuery,
      responses: { 200: { description: 'Events and, when more may follow, the next page' } },
      async handle({ req, res, query }) {
        const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as typeof query;
        const items = await audit.list(q);
        const limit = q.limit ?? 100;
        const last = items[items.length - 1];
        let next: string | undefined;
        if (last && items.length === limit) {
          // Keyset paging on seq: stable while events are appended (a new event never shifts a page).
          const params = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
          if (q.order === 'desc') params.set('toSeq', String(last.seq - 1));
          else params.set('fromSeq', String(last.seq + 1));
          next = `${req.path}?${params.toString()}`;
          res.setHeader('Link', `<${next}>; rel="next"`);
        }
        sendJson(res, 200, { items, ...(next ? { next } : {}) });
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
