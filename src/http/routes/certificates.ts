import { z } from 'zod';
import { pemEncode } from '../../core/bytes.js';
import type { IssuanceService } from '../../pki/issuance-service.js';
import type { LifecycleService } from '../../pki/lifecycle-service.js';
import type { CrlService } from '../../pki/crl-service.js';
import type { CaRevocationRequestService } from '../../pki/ca-revocation-requests.js';
import type { PkiStore } from '../../pki/ports.js';
import { requirePrincipal } from '../auth/middleware.js';
import { AppError } from '../../core/errors.js';
import { isProvinceWide } from '../../core/principal.js';
import { requireSubscriberScope } from '../../pki/subscriber-scope.js';
import { defineRoute, sendCreated, sendJson, type RouteSpec } from '../route.js';
import { withholdFromReplay } from '../idempotency/gate.js';
import { caView, certificateView, crlView } from '../views.js';
import { safeTextSchema } from '../safe-text-schema.js';

/** What the CA/certificate routes call (src/app passes the PKI services). */
export interface PkiAdminPort {
  readonly store: Pick<PkiStore, 'cas' | 'certificates' | 'subscribers'>;
  /** KYSO_DIRECT_ISSUANCE: RA officers may call POST /api/v1/certificates (own organization's subscribers only). */
  readonly directIssuance: boolean;
  readonly issuance: Pick<IssuanceService, 'issue'>;
  readonly lifecycle: Pick<LifecycleService, 'find' | 'revoke' | 'suspend' | 'release'>;
  readonly crl: Pick<CrlService, 'generate'>;
  readonly caRevocation: Pick<CaRevocationRequestService, 'request' | 'approve' | 'reject' | 'get' | 'list'>;
}

const Str = (max: number) => z.string().trim().min(1).max(max);
/** A subject DN field: shown to relying parties, so held to the safe-text rules. */
const DnText = (max: number) => safeTextSchema(max);
export const SubjectSchema = z.strictObject({
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional()
    .describe('ISO 3166 code, default VN'),
  province: DnText(128).optional().describe('ST'),
  locality: DnText(128).optional().describe('L'),
  organization: DnText(128).optional().describe('O'),
  organizationalUnits: z.array(DnText(128)).max(10).optional().describe('OU, outermost first'),
  commonName: DnText(128).describe('CN'),
  email: z.email().max(128).optional().describe('E'),
  uids: z.array(DnText(64)).max(5).optional().describe('UID values: CCCD:…, CMND:…, MST:…, MNS:…'),
  title: DnText(128).optional(),
});

export const KeySpecSchema = z.union([
  z.strictObject({ type: z.literal('rsa'), bits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]) }),
  z.strictObject({ type: z.literal('ec'), curve: z.enum(['P-256', 'P-384']) }),
]);

const IssueBody = z
  .strictObject({
    profile: Str(64).describe('individual | organization | device'),
    caId: Str(64).optional(),
    subject: SubjectSchema,
    subscriberId: Str(128).optional(),
    validityDays: z.number().int().min(1).max(3660).optional(),
    csr: Str(65536).optional().describe('PKCS#10, PEM or base64 DER (proof of possession is checked)'),
    keySpec: KeySpecSchema.optional().describe('server-side key generation (default RSA-2048)'),
    pkcs12Password: z.string().min(4).max(256).optional().describe('required for server-side key generation; the PKCS#12 is returned once'),
  })
  .refine((b) => (b.csr === undefined) !== (b.pkcs12Password === undefined), {
    message: 'give exactly one of csr or pkcs12Password',
    path: ['csr'],
  });

const IdParam = z.object({ id: Str(128) });
const ListQuery = z.object({
  caId: Str(64).optional(),
  status: z.enum(['pending', 'active', 'on-hold', 'revoked', 'failed']).optional(),
  profile: Str(64).optional(),
  subscriberId: Str(128).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
const InvalidityDate = z.iso.datetime({ offset: true }).optional().describe('RFC 5280 §5.3.2 invalidity date');

const READ_ROLES = ['admin', 'ra-officer', 'auditor'] as const;
const WRITE_ROLES = ['admin', 'ra-officer'] as const;

/** CAs, CRL trigger, direct issuance and lifecycle of certificates (RFC 5280). */
export function certificateRoutes(pki: PkiAdminPort): RouteSpec[] {
  const lifecycle = (name: 'revoke' | 'suspend' | 'release', summary: string) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/certificates/:id/${name}`,
      operationId: `${name}Certificate`,
      summary,
      tag: 'certificates',
      auth: WRITE_ROLES,
      params: IdParam,
      body:
        name === 'revoke'
          ? z.strictObject({
              reason: z
                .union([Str(64), z.number().int()])
                .optional()
                .describe('RFC 5280 reason name or code; default unspecified'),
              invalidityDate: InvalidityDate,
            })
          : name === 'suspend'
            ? z.strictObject({ invalidityDate: InvalidityDate })
            : z.strictObject({}),
      responses: {
        200: { description: 'The certificate after the change' },
        404: { description: 'CERT_NOT_FOUND' },
        409: { description: 'CERT_ALREADY_REVOKED / CERT_NOT_ON_HOLD / CERT_NOT_ACTIVE' },
      },
      async handle({ res, params, body, principal }) {
        const b = (body ?? {}) as { reason?: string | number; invalidityDate?: string };
        const actor = requirePrincipal(principal);
        const ref = { id: params.id };
        const inv = b.invalidityDate ? { invalidityDate: b.invalidityDate } : {};
        const c =
          name === 'revoke'
            ? await pki.lifecycle.revoke(actor, ref, { ...(b.reason !== undefined ? { reason: b.reason } : {}), ...inv })
            : name === 'suspend'
              ? await pki.lifecycle.suspend(actor, ref, inv)
              : await pki.lifecycle.release(actor, ref);
        sendJson(res, 200, certificateView(c));
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/cas',
      operationId: 'listCas',
      summary: 'The CA hierarchy: root, issuing CAs, OCSP responders, TSA.',
      tag: 'cas',
      auth: READ_ROLES,
      responses: { 200: { description: 'CAs' } },
      async handle({ res }) {
        sendJson(res, 200, { items: (await pki.store.cas.list()).map(caView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/cas/:id/crl',
      operationId: 'generateCrl',
      summary: 'Generate a new CRL for a CA now (it is also regenerated on a schedule).',
      tag: 'cas',
      auth: ['admin'],
      params: IdParam,
      responses: { 201: { description: 'The new CRL (download at url)' }, 404: { description: 'CA_UNKNOWN' } },
      async handle({ res, params }) {
        sendJson(res, 201, crlView(await pki.crl.generate(params.id)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/certificates',
      operationId: 'issueCertificate',
      idempotent: true,
      summary:
        'Issue a certificate directly (admin / RA officer): from a CSR, or with server-side key generation returning a one-time PKCS#12.',
      tag: 'certificates',
      auth: WRITE_ROLES,
      body: IssueBody,
      responses: {
        201: { description: 'certificate (record), pem, chain (PEM, issuer first), pkcs12 (base64, only for server-side keys)' },
      },
      async handle({ res, body, principal }) {
        const actor = requirePrincipal(principal);
        // Four eyes by default: an RA officer's issuance goes through a request that another officer of
        // the subscriber's organization approves, unless the operator turned direct issuance on.
        if (!isProvinceWide(actor) && !pki.directIssuance)
          throw new AppError('FORBIDDEN', 'direct issuance is off (KYSO_DIRECT_ISSUANCE); create a request and have it approved');
        const r = await pki.issuance.issue(actor, {
          profile: body.profile,
          subject: body.subject,
          ...(body.caId ? { caId: body.caId } : {}),
          ...(body.subscriberId ? { subscriberId: body.subscriberId } : {}),
          ...(body.validityDays ? { validityDays: body.validityDays } : {}),
          key:
            body.csr !== undefined
              ? { csr: body.csr }
              : {
                  pkcs12Password: body.pkcs12Password!,
                  ...(body.keySpec ? { generate: body.keySpec } : {}),
                  friendlyName: body.subject.commonName,
                },
        });
        res.setHeader('Cache-Control', 'no-store');
        // a server-generated key leaves only inside the one-time PKCS#12: never stored for replay
        if (r.pkcs12) withholdFromReplay(res, { id: r.certificate.id, location: `/api/v1/certificates/${r.certificate.id}` });
        sendCreated(res, `/api/v1/certificates/${r.certificate.id}`, {
          certificate: certificateView(r.certificate),
          pem: r.pem,
          chain: r.chain.map((d) => pemEncode('CERTIFICATE', d)),
          ...(r.pkcs12 ? { pkcs12: r.pkcs12.toString('base64') } : {}),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/certificates',
      operationId: 'listCertificates',
      summary: 'List certificates, newest first.',
      tag: 'certificates',
      auth: READ_ROLES,
      query: ListQuery,
      responses: { 200: { description: 'Certificates' } },
      async handle({ res, query, principal }) {
        const actor = requirePrincipal(principal);
        if (!isProvinceWide(actor)) {
          if (!query.subscriberId)
            throw new AppError('VALIDATION_FAILED', 'name the subscriber whose certificates to list', {
              details: { field: 'subscriberId' },
            });
          await requireSubscriberScope(actor, pki.store.subscribers, query.subscriberId, 'list certificates');
        }
        const rows = await pki.store.certificates.list(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)));
        sendJson(res, 200, { items: rows.map((c) => certificateView(c)) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/certificates/:id',
      operationId: 'getCertificate',
      summary: 'One certificate with its PEM.',
      tag: 'certificates',
      auth: READ_ROLES,
      params: IdParam,
      responses: { 200: { description: 'Certificate' }, 404: { description: 'CERT_NOT_FOUND' } },
      async handle({ res, params, principal }) {
        const c = await pki.lifecycle.find({ id: params.id });
        await requireSubscriberScope(requirePrincipal(principal), pki.store.subscribers, c.subscriberId, `read ${c.id}`);
        sendJson(res, 200, { ...certificateView(c), pem: c.der ? pemEncode('CERTIFICATE', c.der) : null });
      },
    }),
    lifecycle('revoke', 'Revoke (permanent) with an RFC 5280 reason and optional invalidity date. Twice → 409 CERT_ALREADY_REVOKED.'),
    lifecycle('suspend', 'Suspend (certificateHold).'),
    lifecycle('release', 'Release from hold (removeFromCRL); 409 CERT_NOT_ON_HOLD otherwise.'),
  ];
}
