import { z } from 'zod';
import type { CredentialsWiring } from '../../app/credentials.js';
import type { ApprovalRequest } from '../../core/approval-requests.js';
import type { CredentialInfo } from '../../signing/credential-service.js';
import type { Principal } from '../auth/api-tokens.js';
import { pemEncode } from '../../core/bytes.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import { requirePrincipal } from '../auth/middleware.js';
import { withholdFromReplay } from '../idempotency/gate.js';
import { credentialOwnerOf } from '../../core/principal.js';
import { certificateInfo } from '../../cms/certificate-info.js';
import { subjectField } from '../../signing/subject.js';

/**
 * Server-held credentials under dual control: an RA officer or admin requests a binding (or a
 * PIN reset), a second person approves and receives the one-time activation code to hand to
 * the holder out of band, and the holder alone sets the PIN. No route takes a PIN from anyone
 * but the holder.
 */
const OFFICERS = ['admin', 'ra-officer'] as const;
/** Who may hold a server-held credential (and so act on it as its holder). */
export const HOLDERS = ['signer', 'certifier', 'admin', 'ra-officer'] as const;
export const Id = z.string().min(1).max(128);

/** Requester and approver are people: the principal's id names their token, not the organization it shares with colleagues. */
function person(p: Principal | undefined): Principal {
  return requirePrincipal(p);
}

function requestView(r: ApprovalRequest): Record<string, unknown> {
  return { ...r, requestedAt: r.requestedAt.toISOString(), decidedAt: r.decidedAt?.toISOString() ?? null };
}

function credentialView(c: CredentialInfo): Record<string, unknown> {
  return {
    id: c.id,
    ownerId: c.ownerId,
    label: c.label,
    locked: c.locked,
    activated: c.activated,
    certificate: pemEncode('CERTIFICATE', c.certificate),
    createdAt: c.createdAt.toISOString(),
  };
}

/** What the workstation shows to choose a credential: who the certificate names and until when. */
function ownCredentialView(c: CredentialInfo): Record<string, unknown> {
  const cert = certificateInfo(c.certificate, 'SIGNER_CERT_INVALID');
  return {
    ...credentialView(c),
    subjectCommonName: subjectField(c.certificate, 'CN') ?? null,
    subjectOrganization: subjectField(c.certificate, 'O') ?? null,
    notAfter: cert.notAfter.toISOString(),
  };
}

export function credentialRoutes(port: CredentialsWiring): RouteSpec[] {
  const r = port.requests;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/credentials/mine',
      operationId: 'listOwnCredentials',
      summary:
        'The server-held credentials the caller signs with (owned by the official it acts as, in its organization, whose certificate they still hold).',
      tag: 'credentials',
      auth: HOLDERS,
      responses: { 200: { description: '{ credentials: [...] } (no PIN, no key)' } },
      async handle({ res, principal }) {
        const list = await port.mine(requirePrincipal(principal));
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, { credentials: list.map(ownCredentialView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/credentials',
      operationId: 'requestCredential',
      idempotent: true,
      summary:
        "Request a server-held signing credential for a certificate whose key was kept server-side, for the key's own subject (the official, or the seal custodian recorded on the organization's authority). A second officer approves; no PIN here.",
      tag: 'credentials',
      auth: OFFICERS,
      body: z.strictObject({
        certificateId: Id,
        ownerId: Id.describe("the holder: the certificate's official (subscriber id), or the authority's seal custodian"),
        label: z.string().max(200).optional(),
      }),
      responses: {
        202: { description: 'The pending request' },
        403: { description: 'CREDENTIAL_HOLDER_INVALID' },
        409: { description: 'CREDENTIAL_KEY_BOUND' },
      },
      async handle({ res, body, principal }) {
        const req = await r.requestBinding(person(principal), body);
        res.setHeader('Location', `/api/v1/credential-requests/${req.id}`);
        sendJson(res, 202, requestView(req));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/credentials/:id/pin-reset',
      operationId: 'requestPinReset',
      idempotent: true,
      summary:
        'Request a PIN reset (by the holder, an RA officer or an admin); a second officer approves and a new activation code results.',
      tag: 'credentials',
      auth: HOLDERS,
      params: z.object({ id: Id }),
      responses: { 202: { description: 'The pending request' } },
      async handle({ res, params, principal }) {
        const req = await r.requestPinReset({ ...person(principal), holderId: credentialOwnerOf(requirePrincipal(principal)) }, params.id);
        res.setHeader('Location', `/api/v1/credential-requests/${req.id}`);
        sendJson(res, 202, requestView(req));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/credential-requests',
      operationId: 'listCredentialRequests',
      summary: 'Credential binding and PIN reset requests, newest first.',
      tag: 'credentials',
      auth: [...OFFICERS, 'auditor'],
      query: z.object({ state: z.enum(['pending', 'approved', 'rejected', 'failed']).optional() }),
      responses: { 200: { description: 'items' } },
      async handle({ res, query }) {
        sendJson(res, 200, { items: (await r.list(query.state ? { state: query.state } : {})).map(requestView) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/credential-requests/:id',
      operationId: 'getCredentialRequest',
      summary: 'One credential request.',
      tag: 'credentials',
      auth: [...OFFICERS, 'auditor'],
      params: z.object({ id: Id }),
      responses: { 200: { description: 'The request' }, 404: { description: 'REQUEST_NOT_FOUND' } },
      async handle({ res, params }) {
        sendJson(res, 200, requestView(await r.get(params.id)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/credential-requests/:id/approve',
      operationId: 'approveCredentialRequest',
      idempotent: true,
      summary:
        'Approve (a second RA officer or an admin, never the requester): returns the one-time activation code to hand to the holder out of band.',
      tag: 'credentials',
      auth: OFFICERS,
      params: z.object({ id: Id }),
      responses: {
        200: { description: 'request, credentialId, activationCode, activationExpiresAt' },
        403: { description: 'APPROVER_NOT_ALLOWED' },
      },
      async handle({ res, params, principal }) {
        const a = await r.approve(person(principal), params.id);
        res.setHeader('Cache-Control', 'no-store');
        // the one-time activation code is handed over once, never stored for replay
        withholdFromReplay(res, { id: a.credentialId, location: `/api/v1/credential-requests/${a.request.id}` });
        sendJson(res, 200, {
          request: requestView(a.request),
          credentialId: a.credentialId,
          activationCode: a.activation.code,
          activationExpiresAt: a.activation.expiresAt.toISOString(),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/credential-requests/:id/reject',
      operationId: 'rejectCredentialRequest',
      summary: 'Reject a pending credential request.',
      tag: 'credentials',
      auth: OFFICERS,
      params: z.object({ id: Id }),
      body: z.strictObject({ note: z.string().max(500).optional() }),
      responses: { 200: { description: 'The request' } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, requestView(await r.reject(person(principal), params.id, body?.note)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/credentials/:id/activate',
      operationId: 'activateCredential',
      summary: 'The holder sets the PIN with the one-time activation code (after a binding or a PIN reset).',
      tag: 'credentials',
      auth: HOLDERS,
      params: z.object({ id: Id }),
      body: z.strictObject({ activationCode: z.string().min(1).max(128), pin: z.string().min(6).max(64) }),
      responses: { 200: { description: 'The credential' }, 403: { description: 'ACTIVATION_CODE_INVALID' } },
      async handle({ res, params, body, principal }) {
        const c = await port.requests.activate(credentialOwnerOf(requirePrincipal(principal)), params.id, body.activationCode, body.pin);
        sendJson(res, 200, credentialView(c));
      },
    }),
  ];
}
