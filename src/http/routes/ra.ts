import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { pemEncode } from '../../core/bytes.js';
import type { RaService } from '../../pki/ra-service.js';
import type { LifecycleService } from '../../pki/lifecycle-service.js';
import type { SubscriberKind } from '../../pki/ports.js';
import { defineRoute, sendCreated, sendJson, type RouteSpec } from '../route.js';
import { withholdFromReplay } from '../idempotency/gate.js';
import { certificateView, requestView, subscriberView } from '../views.js';
import { KeySpecSchema, SubjectSchema } from './certificates.js';
import { requirePrincipal } from '../auth/middleware.js';
import { isProvinceWide, requireOrganizationScope, type Principal } from '../../core/principal.js';
import { organizationOf } from '../../pki/subscriber-scope.js';
import { safeTextSchema } from '../safe-text-schema.js';

export interface RaPort {
  readonly ra: Pick<
    RaService,
    | 'registerOrganization'
    | 'registerOfficial'
    | 'registerDevice'
    | 'getSubscriber'
    | 'listSubscribers'
    | 'createRequest'
    | 'getRequest'
    | 'listRequests'
    | 'approve'
    | 'reject'
    | 'complete'
  >;
  readonly lifecycle: Pick<LifecycleService, 'find'>;
}

const Id = z.string().trim().min(1).max(128);
const IdParam = z.object({ id: Id });
const Page = { limit: z.coerce.number().int().min(1).max(1000).optional(), offset: z.coerce.number().int().min(0).optional() };
const Note = z.string().max(2000).optional();
const RA = ['admin', 'ra-officer'] as const;
const RA_READ = ['admin', 'ra-officer', 'auditor'] as const;
const REASON = z.union([z.string().min(1).max(64), z.number().int()]);

const RequestBody = z.strictObject({
  kind: z.enum(['new', 'renew', 'rekey', 'change-info', 'revoke']),
  subscriberId: Id,
  profile: z.string().min(1).max(64).optional(),
  caId: z.string().min(1).max(64).optional(),
  certificateId: Id.optional().describe('target of renew / rekey / change-info / revoke'),
  csr: z.string().min(1).max(65536).optional().describe('PKCS#10, PEM or base64 DER; omit for server-side key generation'),
  keySpec: KeySpecSchema.optional(),
  validityDays: z.number().int().min(1).max(3660).optional(),
  subject: SubjectSchema.optional().describe('change-info: the new subject'),
  revocationReason: REASON.optional(),
  invalidityDate: z.iso.datetime({ offset: true }).optional(),
  note: Note,
});

const ReplaceBody = z.strictObject({
  csr: z.string().min(1).max(65536).optional(),
  keySpec: KeySpecSchema.optional(),
  validityDays: z.number().int().min(1).max(3660).optional(),
  note: Note,
});

/** Lists of an RA officer or auditor are limited to its organization; naming another is refused. */
function ownOrganization(p: Principal, asked: string | undefined): { managingOrganizationId?: string } {
  if (isProvinceWide(p)) return asked ? { managingOrganizationId: asked } : {};
  const own = asked ?? p.organizationId;
  requireOrganizationScope(p, own, 'list another organization');
  return { managingOrganizationId: own! };
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Registration authority: subscribers, requests, approval by the managing organization (docs/domain.md). */
export function raRoutes(p: RaPort): RouteSpec[] {
  const subscriberRoutes = (plural: string, kind: SubscriberKind, label: string): RouteSpec[] => {
    const register =
      kind === 'organization'
        ? p.ra.registerOrganization.bind(p.ra)
        : kind === 'individual'
          ? p.ra.registerOfficial.bind(p.ra)
          : p.ra.registerDevice.bind(p.ra);
    return [
      defineRoute({
        method: 'post',
        path: `/api/v1/${plural}`,
        operationId: `register${label}`,
        idempotent: true,
        summary: `Register ${kind === 'individual' ? 'an official' : kind === 'organization' ? 'an organization' : 'a device or service'} (UTF-8 Vietnamese subject, validated UIDs).`,
        tag: 'ra',
        auth: RA,
        body: z.strictObject({
          subject: SubjectSchema,
          managingOrganizationId: Id.nullable()
            .optional()
            .describe(kind === 'organization' ? 'superior agency (optional)' : 'managing organization (required)'),
          ...(kind === 'individual' ? { position: safeTextSchema(200, 0).optional() } : {}),
        }),
        responses: { 201: { description: 'Registered' }, 400: { description: 'UID_INVALID / SUBJECT_INVALID / VALIDATION_FAILED' } },
        async handle({ res, body, principal }) {
          const b = body as { subject: z.infer<typeof SubjectSchema>; managingOrganizationId?: string | null; position?: string };
          const s = await register(
            requirePrincipal(principal),
            clean({ subject: b.subject, managingOrganizationId: b.managingOrganizationId, position: b.position }),
          );
          sendCreated(res, `/api/v1/${plural}/${s.id}`, subscriberView(s));
        },
      }),
      defineRoute({
        method: 'get',
        path: `/api/v1/${plural}`,
        operationId: `list${label}s`,
        summary: `List ${plural}.`,
        tag: 'ra',
        auth: RA_READ,
        query: z.object({ managingOrganizationId: Id.optional(), status: z.enum(['active', 'inactive']).optional(), ...Page }),
        responses: { 200: { description: 'Subscribers' } },
        async handle({ res, query, principal }) {
          const scoped = { ...query, ...ownOrganization(requirePrincipal(principal), query.managingOrganizationId) };
          sendJson(res, 200, { items: (await p.ra.listSubscribers(clean({ kind, ...scoped }))).map(subscriberView) });
        },
      }),
      defineRoute({
        method: 'get',
        path: `/api/v1/${plural}/:id`,
        operationId: `get${label}`,
        summary: `One ${kind === 'individual' ? 'official' : kind}.`,
        tag: 'ra',
        auth: RA_READ,
        params: IdParam,
        responses: { 200: { description: 'Subscriber' }, 404: { description: 'SUBSCRIBER_NOT_FOUND' } },
        async handle({ res, params, principal }) {
          const s = await p.ra.getSubscriber(params.id);
          if (s.kind !== kind) throw new AppError('SUBSCRIBER_NOT_FOUND', `no ${kind} ${params.id}`);
          requireOrganizationScope(requirePrincipal(principal), organizationOf(s), `read ${s.id}`);
          sendJson(res, 200, subscriberView(s));
        },
      }),
    ];
  };

  const decide = (name: 'approve' | 'reject') =>
    defineRoute({
      method: 'post',
      path: `/api/v1/requests/:id/${name}`,
      operationId: `${name}Request`,
      summary:
        name === 'approve'
          ? 'Approve a pending request (an approver of the managing organization, not the requester).'
          : 'Reject a pending request.',
      tag: 'ra',
      auth: RA,
      params: IdParam,
      body: z.strictObject({ note: Note }),
      responses: {
        200: { description: 'The request' },
        403: { description: 'APPROVER_NOT_ALLOWED' },
        409: { description: 'REQUEST_STATE_INVALID' },
      },
      async handle({ res, params, body, principal }) {
        const r = await p.ra[name](requirePrincipal(principal), params.id, body?.note);
        sendJson(res, 200, requestView(r));
      },
    });

  const replace = (kind: 'renew' | 'rekey') =>
    defineRoute({
      method: 'post',
      path: `/api/v1/certificates/:id/${kind}`,
      operationId: `${kind}Certificate`,
      idempotent: true,
      summary:
        kind === 'renew'
          ? 'Request renewal of a certificate (same key, ≤ 3 years); creates a pending request for approval.'
          : 'Request a rekey (new key from a CSR or server-generated); creates a pending request; on completion the old certificate is revoked as superseded.',
      tag: 'certificates',
      auth: RA,
      params: IdParam,
      body: ReplaceBody,
      responses: { 201: { description: 'The request (pending)' }, 404: { description: 'CERT_NOT_FOUND' } },
      async handle({ res, params, body, principal }) {
        const c = await p.lifecycle.find({ id: params.id });
        if (!c.subscriberId) throw new AppError('CERT_NOT_ACTIVE', 'this certificate has no subscriber record; issue a new one instead');
        const r = await p.ra.createRequest(
          requirePrincipal(principal),
          clean({
            kind,
            subscriberId: c.subscriberId,
            certificateId: c.id,
            profile: c.profile,
            caId: c.caId,
            csr: body.csr,
            keySpec: body.keySpec,
            validityDays: body.validityDays,
            note: body.note,
          }),
        );
        sendCreated(res, `/api/v1/requests/${r.id}`, requestView(r));
      },
    });

  return [
    ...subscriberRoutes('organizations', 'organization', 'Organization'),
    ...subscriberRoutes('officials', 'individual', 'Official'),
    ...subscriberRoutes('devices', 'device', 'Device'),
    defineRoute({
      method: 'post',
      path: '/api/v1/requests',
      operationId: 'createRequest',
      idempotent: true,
      summary:
        'Create a request (new, renew, rekey, change-info, revoke); checked now (CSR proof of possession, caps, reasons), carried out after approval.',
      tag: 'ra',
      auth: RA,
      body: RequestBody,
      responses: { 201: { description: 'The request (pending)' } },
      async handle({ res, body, principal }) {
        const r = await p.ra.createRequest(requirePrincipal(principal), clean({ ...body }));
        sendCreated(res, `/api/v1/requests/${r.id}`, requestView(r));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/requests',
      operationId: 'listRequests',
      summary: 'List requests.',
      tag: 'ra',
      auth: RA_READ,
      query: z.object({
        state: z.enum(['pending', 'approved', 'rejected', 'completed', 'failed']).optional(),
        subscriberId: Id.optional(),
        managingOrganizationId: Id.optional(),
        ...Page,
      }),
      responses: { 200: { description: 'Requests' } },
      async handle({ res, query, principal }) {
        const scoped = { ...query, ...ownOrganization(requirePrincipal(principal), query.managingOrganizationId) };
        sendJson(res, 200, { items: (await p.ra.listRequests(clean(scoped))).map(requestView) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/requests/:id',
      operationId: 'getRequest',
      summary: 'One request.',
      tag: 'ra',
      auth: RA_READ,
      params: IdParam,
      responses: { 200: { description: 'Request' }, 404: { description: 'REQUEST_NOT_FOUND' } },
      async handle({ res, params, principal }) {
        const r = await p.ra.getRequest(params.id);
        requireOrganizationScope(requirePrincipal(principal), organizationOf(await p.ra.getSubscriber(r.subscriberId)), `read ${r.id}`);
        sendJson(res, 200, requestView(r));
      },
    }),
    decide('approve'),
    decide('reject'),
    defineRoute({
      method: 'post',
      path: '/api/v1/requests/:id/complete',
      operationId: 'completeRequest',
      idempotent: true,
      summary: 'Carry out an approved request: issue (PKCS#12 returned once for server-side keys) or revoke.',
      tag: 'ra',
      auth: RA,
      params: IdParam,
      body: z.strictObject({
        pkcs12Password: z.string().min(4).max(256).optional(),
        keepKey: z.boolean().optional().describe('keep the generated key server-side (for a PIN-protected signing credential)'),
      }),
      responses: {
        200: { description: 'request, certificate, pem, chain, pkcs12 (base64) or revoked' },
        409: { description: 'REQUEST_STATE_INVALID' },
      },
      async handle({ res, params, body, principal }) {
        const r = await p.ra.complete(
          requirePrincipal(principal),
          params.id,
          clean({ pkcs12Password: body.pkcs12Password, keepKey: body.keepKey }),
        );
        res.setHeader('Cache-Control', 'no-store');
        const issued = r.issued?.certificate.id;
        if (r.issued?.pkcs12 && issued) withholdFromReplay(res, { id: issued, location: `/api/v1/certificates/${issued}` });
        sendJson(res, 200, {
          request: requestView(r.request),
          ...(r.issued
            ? {
                certificate: certificateView(r.issued.certificate),
                pem: r.issued.pem,
                chain: r.issued.chain.map((d) => pemEncode('CERTIFICATE', d)),
                ...(r.issued.pkcs12 ? { pkcs12: r.issued.pkcs12.toString('base64') } : {}),
              }
            : {}),
          ...(r.revoked ? { revoked: certificateView(r.revoked) } : {}),
        });
      },
    }),
    replace('renew'),
    replace('rekey'),
  ];
}
