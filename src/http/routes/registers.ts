import { z } from 'zod';
import type { CertifiedCopiesWiring } from '../../app/certified-copies.js';
import type { AuthorityRecord, VolumeRecord } from '../../copies/ports.js';
import { defineRoute, sendCreated, sendJson, type RouteSpec } from '../route.js';
import { requirePrincipal } from '../auth/middleware.js';
import { credentialRoutes } from './credentials.js';
import { signingAuthorizationRoutes } from './signing-authorizations.js';
import { safeTextSchema } from '../safe-text-schema.js';

/**
 * Certifying authorities, the register (sổ chứng thực: volumes, year-end closing, export) and
 * the server-held signing credentials certifiers and seals use (./credentials.ts; Decree 23/2015 Art. 13).
 */
export type RegistersPort = Pick<CertifiedCopiesWiring, 'registers' | 'credentials'>;

const AuthorityId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/);
const Name = safeTextSchema(300);
const YearParams = z.object({ id: AuthorityId, year: z.coerce.number().int().min(2000).max(9999) });

function authorityView(a: AuthorityRecord): Record<string, unknown> {
  return { ...a, createdAt: a.createdAt.toISOString() };
}
function volumeView(v: VolumeRecord): Record<string, unknown> {
  return { ...v, openedAt: v.openedAt.toISOString(), closedAt: v.closedAt?.toISOString() ?? null };
}

/** What an authority is tied to, the same on creation and change. */
const AUTHORITY_LINKS = {
  organizationId: z.string().min(1).max(128).nullable().optional(),
  sealCredentialId: z.string().min(1).max(128).nullable().optional(),
  sealCustodianId: z
    .string()
    .min(1)
    .max(128)
    .nullable()
    .optional()
    .describe("who keeps the organization's seal (Decree 30/2020 Art. 32): the only holder of the seal credential"),
};

const MANAGERS = ['admin', 'certifier'] as const;
const READERS = ['admin', 'certifier', 'auditor'] as const;

export function registersRoutes(port: RegistersPort): RouteSpec[] {
  const r = port.registers;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/authorities',
      operationId: 'createAuthority',
      idempotent: true,
      summary: "Register a certifying authority (commune People's Committee, notary office) with its seal credential.",
      tag: 'registers',
      auth: ['admin'],
      body: z.strictObject({
        id: AuthorityId,
        name: Name,
        place: Name,
        ...AUTHORITY_LINKS,
      }),
      responses: { 201: { description: 'The authority' }, 409: { description: 'CONFLICT' } },
      async handle({ res, body, principal }) {
        const a = await r.createAuthority(requirePrincipal(principal), body);
        sendCreated(res, `/api/v1/authorities/${a.id}`, authorityView(a));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/authorities',
      operationId: 'listAuthorities',
      summary: 'List certifying authorities.',
      tag: 'registers',
      auth: READERS,
      responses: { 200: { description: 'items' } },
      async handle({ res }) {
        sendJson(res, 200, { items: (await r.listAuthorities()).map(authorityView) });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/authorities/:id',
      operationId: 'updateAuthority',
      summary: "Change an authority's name, place, organization, seal credential or seal custodian.",
      tag: 'registers',
      auth: ['admin'],
      params: z.object({ id: AuthorityId }),
      body: z.strictObject({
        name: Name.optional(),
        place: Name.optional(),
        ...AUTHORITY_LINKS,
      }),
      responses: { 200: { description: 'The authority' }, 404: { description: 'AUTHORITY_UNKNOWN' } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, authorityView(await r.updateAuthority(requirePrincipal(principal), params.id, body)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/authorities/:id/registers/:year/volumes',
      operationId: 'openRegisterVolume',
      summary: 'Open the next volume (quyển) of the year; numbering continues across volumes.',
      tag: 'registers',
      auth: MANAGERS,
      params: YearParams,
      responses: { 201: { description: 'The new volume' }, 409: { description: 'REGISTER_CLOSED' } },
      async handle({ res, params, principal }) {
        sendJson(res, 201, volumeView(await r.openVolume(requirePrincipal(principal), params.id, params.year)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/authorities/:id/registers/:year/volumes',
      operationId: 'listRegisterVolumes',
      summary: "Volumes of the year's register.",
      tag: 'registers',
      auth: READERS,
      params: YearParams,
      responses: { 200: { description: 'items' } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, { items: (await r.listVolumes(requirePrincipal(principal), params.id, params.year)).map(volumeView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/authorities/:id/registers/:year/close',
      operationId: 'closeRegisterYear',
      summary: "Close the year's register with its total; later certifications for that year are refused (REGISTER_CLOSED).",
      tag: 'registers',
      auth: MANAGERS,
      params: YearParams,
      responses: {
        200: { description: 'authorityId, year, total, closedAt, closedBy' },
        403: { description: 'FORBIDDEN_SCOPE (another authority)' },
      },
      async handle({ res, params, principal }) {
        const c = await r.closeYear(requirePrincipal(principal), params.id, params.year);
        sendJson(res, 200, { ...c, closedAt: c.closedAt.toISOString() });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/authorities/:id/registers/:year/reopen',
      operationId: 'reopenRegisterYear',
      summary: 'Reopen a year closed by mistake (admin only, with a reason; audited). Numbering continues after the last number.',
      tag: 'registers',
      auth: ['admin'],
      params: YearParams,
      body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
      responses: { 200: { description: 'authorityId, year' }, 409: { description: 'CONFLICT (the year is not closed)' } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, await r.reopenYear(requirePrincipal(principal), params.id, params.year, body.reason));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/authorities/:id/registers/:year/export',
      operationId: 'exportRegister',
      summary: "Export the year's register as CSV, or as a PDF signed with the authority seal (needs the seal PIN or an authorization).",
      tag: 'registers',
      auth: READERS,
      params: YearParams,
      query: z.object({ format: z.enum(['csv', 'pdf']).default('csv') }),
      body: z.strictObject({
        seal: z
          .union([
            z.strictObject({ credentialId: z.string().min(1).max(128).optional(), pin: z.string().min(1).max(64) }),
            z.strictObject({ credentialId: z.string().min(1).max(128).optional(), authorizationId: z.string().min(1).max(128) }),
          ])
          .optional(),
      }),
      responses: { 200: { description: 'text/csv or application/pdf', contentType: 'text/csv' } },
      async handle({ res, params, query, body, principal }) {
        res.setHeader('Cache-Control', 'no-store');
        const name = `so-chung-thuc-${params.id}-${params.year}`;
        if (query.format === 'csv') {
          const csv = await r.exportCsv(requirePrincipal(principal), params.id, params.year);
          res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
          return void res.send(csv);
        }
        const pdf = await r.exportSignedPdf(requirePrincipal(principal), params.id, params.year, body?.seal ?? {});
        res.status(200).type('application/pdf').setHeader('Content-Disposition', `attachment; filename="${name}.pdf"`);
        res.send(pdf);
      },
    }),
    ...credentialRoutes(port.credentials),
    ...signingAuthorizationRoutes(port.credentials),
  ];
}
