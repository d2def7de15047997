import { z } from 'zod';
import type { ApprovalRequest } from '../../core/approval-requests.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import { certificateView } from '../views.js';
import type { PkiAdminPort } from './certificates.js';
import { requirePrincipal } from '../auth/middleware.js';

/**
 * CA, OCSP responder and TSA certificates are never revoked or suspended through the ordinary
 * certificate routes (CA_CERT_PROTECTED). Over HTTP an admin requests the revocation and a
 * second admin approves it, which carries it out.
 */
export type CaRevocationPort = PkiAdminPort['caRevocation'];

const Id = z.string().min(1).max(128);

function view(r: ApprovalRequest): Record<string, unknown> {
  return { ...r, requestedAt: r.requestedAt.toISOString(), decidedAt: r.decidedAt?.toISOString() ?? null };
}

export function caRevocationRoutes(svc: CaRevocationPort): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/cas/:id/revocation-requests',
      operationId: 'requestCaRevocation',
      idempotent: true,
      summary: 'Request the revocation of a CA, OCSP responder or TSA certificate; a second admin approves.',
      tag: 'cas',
      auth: ['admin'],
      params: z.object({ id: Id }),
      body: z.strictObject({
        reason: z.union([z.string().trim().min(1).max(64), z.number().int()]).describe('RFC 5280 reason name or code'),
        note: z.string().max(500).optional(),
      }),
      responses: { 202: { description: 'The pending request' }, 404: { description: 'CA_UNKNOWN' } },
      async handle({ res, params, body, principal }) {
        const r = await svc.request(requirePrincipal(principal), params.id, body);
        res.setHeader('Location', `/api/v1/ca-revocation-requests/${r.id}`);
        sendJson(res, 202, view(r));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/ca-revocation-requests',
      operationId: 'listCaRevocationRequests',
      summary: 'CA certificate revocation requests, newest first.',
      tag: 'cas',
      auth: ['admin', 'auditor'],
      query: z.object({ state: z.enum(['pending', 'approved', 'rejected', 'failed']).optional() }),
      responses: { 200: { description: 'items' } },
      async handle({ res, query }) {
        sendJson(res, 200, { items: (await svc.list(query.state ? { state: query.state } : {})).map(view) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/ca-revocation-requests/:id/approve',
      operationId: 'approveCaRevocation',
      summary: 'A second admin (never the requester) approves: the CA certificate is revoked now.',
      tag: 'cas',
      auth: ['admin'],
      params: z.object({ id: Id }),
      responses: { 200: { description: 'request and the revoked certificate' }, 403: { description: 'APPROVER_NOT_ALLOWED' } },
      async handle({ res, params, principal }) {
        const a = await svc.approve(requirePrincipal(principal), params.id);
        sendJson(res, 200, { request: view(a.request), certificate: certificateView(a.certificate) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/ca-revocation-requests/:id/reject',
      operationId: 'rejectCaRevocation',
      summary: 'Reject a pending CA certificate revocation.',
      tag: 'cas',
      auth: ['admin'],
      params: z.object({ id: Id }),
      body: z.strictObject({ note: z.string().max(500).optional() }),
      responses: { 200: { description: 'The request' } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, view(await svc.reject(requirePrincipal(principal), params.id, body?.note)));
      },
    }),
  ];
}
