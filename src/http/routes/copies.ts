import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { PADES_LEVELS } from '../../core/pades-level.js';
import type { CertifiedCopiesWiring, CertifyInput } from '../../app/certified-copies.js';
import type { RegisterEntryRecord } from '../../copies/ports.js';
import { readMultipart, SMALL_PART_BYTES, type MultipartBody } from '../body.js';
import { defineRoute, sendJson, validationError, type RouteSpec } from '../route.js';
import { registersRoutes } from './registers.js';
import { requirePrincipal } from '../auth/middleware.js';
import { safeTextSchema } from '../safe-text-schema.js';
import { stampRoutes } from './stamps.js';

/**
 * Certified copies from originals over HTTP. `POST /api/v1/copies` returns the signed copy PDF
 * itself (kept in the copy store too: `GET /api/v1/copies/{id}/document` serves it again); the
 * register facts travel in headers: X-Kyso-Copy-Id, X-Kyso-Copy-Number,
 * X-Kyso-Copy-Year, X-Kyso-Copy-Volume, X-Kyso-Lookup-Code, X-Kyso-Lookup-Url, and Location
 * points at the entry.
 */
export type CopiesPort = Pick<
  CertifiedCopiesWiring,
  'certify' | 'lookupByCode' | 'lookupByNumber' | 'registers' | 'copies' | 'credentials' | 'stamps'
>;

const Text = safeTextSchema(500);
const Secret = z.union([
  z.strictObject({ pin: z.string().min(1).max(64) }),
  z.strictObject({ authorizationId: z.string().min(1).max(128) }),
]);
const CertifyJson = z.strictObject({
  authorityId: z.string().min(2).max(64),
  requesterName: Text,
  requesterIdDocument: Text.describe(
    "the requester's identity document by type: CCCD:…, CMND:… or PASSPORT:… (checked, stored as KIND:value)",
  ),
  documentType: Text,
  documentTitle: Text,
  documentIssuer: Text,
  copies: z.number().int().min(1).max(100).default(1),
  level: z.enum(PADES_LEVELS).optional().describe('PAdES level; default B-LT with the in-process TSA, else B-B; never lowered'),
  certifier: z.intersection(z.strictObject({ credentialId: z.string().min(1).max(128), title: Text }).passthrough(), Secret),
  seal: z.intersection(z.object({ credentialId: z.string().min(1).max(128).optional() }).passthrough(), Secret),
});

function parseRequest(body: MultipartBody): z.infer<typeof CertifyJson> {
  const raw = body.fields.request;
  if (raw === undefined)
    throw new AppError('VALIDATION_FAILED', 'form field "request" (JSON) is required', { details: { field: 'request' } });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AppError('BAD_REQUEST', 'form field "request" is not valid JSON');
  }
  const r = CertifyJson.safeParse(json);
  if (!r.success) throw validationError('request', r.error);
  return r.data;
}

function secret(s: { pin?: unknown; authorizationId?: unknown }): { pin: string } | { authorizationId: string } {
  return typeof s.pin === 'string' ? { pin: s.pin } : { authorizationId: String(s.authorizationId) };
}

/** The register entry as shown to certifiers and auditors (includes the requester: not public). */
export function entryView(e: RegisterEntryRecord): Record<string, unknown> {
  return {
    ...e,
    certifiedAt: e.certifiedAt.toISOString(),
    statusChangedAt: e.statusChangedAt?.toISOString() ?? null,
  };
}

const READERS = ['certifier', 'admin', 'auditor'] as const;
const IdParam = z.object({ id: z.string().min(1).max(128) });
const CODE_DOC = 'verification code printed on the copy, e.g. 7K3M-Q9TX-2B4';

/** Copies, the public lookup, and (from ./registers.ts) authorities, registers and credentials. */
export function copiesRoutes(port: CopiesPort, limits: { uploadBytes: number; requestBytes?: number | undefined }): RouteSpec[] {
  return [
    ...registersRoutes(port),
    ...stampRoutes(port.stamps),
    defineRoute({
      method: 'get',
      path: '/api/v1/copies/lookup',
      operationId: 'lookupCopy',
      summary:
        'Public lookup of a certified copy: by its verification code, the public facts (no requester, no certifier id); by authority + year + number, only whether the number exists and its status. Rate-limited.',
      tag: 'copies',
      auth: 'public',
      rateLimited: true,
      query: z.union([
        z.strictObject({ code: z.string().min(1).max(40).describe(CODE_DOC) }),
        z.strictObject({
          authority: z.string().min(2).max(64),
          year: z.coerce.number().int().min(2000).max(9999),
          number: z.coerce.number().int().min(1).max(10_000_000),
        }),
      ]),
      responses: {
        200: {
          description:
            'By code: authority, number, date, document type and title, pages, copy SHA-256, status. By number: authorityId, year, number, status only.',
        },
        400: { description: 'LOOKUP_CODE_INVALID' },
        404: { description: 'COPY_NOT_FOUND' },
      },
      async handle({ res, query }) {
        const facts =
          'code' in query ? await port.lookupByCode(query.code) : await port.lookupByNumber(query.authority, query.year, query.number);
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, facts);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/copies',
      operationId: 'certifyCopy',
      idempotent: true,
      summary:
        'Certify a copy from its original: allocates the register number, stamps the statement, QR and code, signs (certifier, then the authority seal) and returns the signed copy PDF. Register facts in X-Kyso-Copy-* / X-Kyso-Lookup-* headers.',
      tag: 'copies',
      auth: ['certifier'],
      rawBody: {
        contentType: 'multipart/form-data',
        description:
          'Parts: `original` (one PDF) OR one or more `image` parts (JPEG/PNG scans, ≥ 200 dpi, in page order); `request` (JSON: authorityId, requesterName, requesterIdDocument, documentType, documentTitle, documentIssuer, copies, level?, certifier {credentialId, title, pin | authorizationId}, seal {credentialId?, pin | authorizationId}); optional `signatureImage` and `sealImage` (PNG).',
        schema: {
          type: 'object',
          properties: {
            original: { type: 'string', format: 'binary' },
            image: { type: 'array', items: { type: 'string', format: 'binary' } },
            request: { type: 'string', description: 'JSON' },
            signatureImage: { type: 'string', format: 'binary' },
            sealImage: { type: 'string', format: 'binary' },
          },
          required: ['request'],
        },
      },
      responses: {
        200: { description: 'The signed certified copy', contentType: 'application/pdf' },
        403: { description: 'CERTIFIER_NOT_ALLOWED, FORBIDDEN (credential not yours), PIN_INVALID' },
        404: { description: 'AUTHORITY_UNKNOWN' },
        400: { description: 'PDF_MALFORMED' },
        422: { description: 'IMAGE_INVALID, PDF_ENCRYPTED' },
      },
      async handle({ req, res, principal }) {
        // the original and the images are read into memory to be certified anyway: small parts skip the temp file
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: 202,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const r = parseRequest(body);
        const originals = body.files.filter((f) => f.field === 'original');
        const images = body.files.filter((f) => f.field === 'image');
        if (originals.length + (images.length > 0 ? 1 : 0) !== 1 || originals.length > 1) {
          throw new AppError('VALIDATION_FAILED', 'give exactly one `original` PDF part, or one or more `image` parts', {
            details: { field: 'original' },
          });
        }
        const signatureImage = body.files.find((f) => f.field === 'signatureImage')?.data;
        const sealImage = body.files.find((f) => f.field === 'sealImage')?.data;
        const input: CertifyInput = {
          authorityId: r.authorityId,
          original: originals[0] ? { pdf: originals[0].data } : { images: images.map((f) => f.data) },
          requesterName: r.requesterName,
          requesterIdDocument: r.requesterIdDocument,
          documentType: r.documentType,
          documentTitle: r.documentTitle,
          documentIssuer: r.documentIssuer,
          copies: r.copies,
          ...(r.level ? { level: r.level } : {}),
          certifier: {
            credentialId: r.certifier.credentialId,
            title: r.certifier.title,
            ...secret(r.certifier),
            ...(signatureImage ? { signatureImage } : {}),
          },
          seal: {
            ...(typeof r.seal.credentialId === 'string' ? { credentialId: r.seal.credentialId } : {}),
            ...secret(r.seal),
            ...(sealImage ? { image: sealImage } : {}),
          },
        };
        const out = await port.certify(requirePrincipal(principal), input);
        const e = out.entry;
        res.status(200).type('application/pdf');
        res.setHeader('Content-Disposition', `attachment; filename="ban-sao-chung-thuc-${e.year}-${e.number}.pdf"`);
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Location', `/api/v1/copies/${e.id}`);
        res.setHeader('X-Kyso-Copy-Id', e.id);
        res.setHeader('X-Kyso-Copy-Number', String(e.number));
        res.setHeader('X-Kyso-Copy-Year', String(e.year));
        res.setHeader('X-Kyso-Copy-Volume', String(e.volume));
        res.setHeader('X-Kyso-Lookup-Code', e.lookupCode);
        res.setHeader('X-Kyso-Lookup-Url', out.lookupUrl);
        res.setHeader('X-Kyso-Fee-Total', String(e.feeTotal));
        res.send(out.copy);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/copies',
      operationId: 'listCopies',
      summary: 'List register entries by authority, year, status and certification date range.',
      tag: 'copies',
      auth: READERS,
      query: z.strictObject({
        authority: z.string().min(2).max(64).optional(),
        year: z.coerce.number().int().min(2000).max(9999).optional(),
        status: z.enum(['pending', 'valid', 'failed', 'annulled']).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        offset: z.coerce.number().int().min(0).optional(),
      }),
      responses: { 200: { description: 'items: register entries' } },
      async handle({ res, query, principal }) {
        const items = await port.registers.list(requirePrincipal(principal), {
          ...(query.authority ? { authorityId: query.authority } : {}),
          ...(query.year ? { year: query.year } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          limit: query.limit ?? 100,
          offset: query.offset ?? 0,
        });
        sendJson(res, 200, { items: items.map(entryView) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/copies/:id',
      operationId: 'getCopy',
      summary: 'One register entry.',
      tag: 'copies',
      auth: READERS,
      params: IdParam,
      responses: { 200: { description: 'Register entry' }, 404: { description: 'COPY_NOT_FOUND' } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, entryView(await port.registers.get(requirePrincipal(principal), params.id)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/copies/:id/document',
      operationId: 'downloadCopy',
      summary:
        "The signed certified copy of a register entry, byte for byte as certified (checked against the register's SHA-256 before it is sent). Not public: the copy carries the requester's document.",
      tag: 'copies',
      auth: READERS,
      params: IdParam,
      responses: {
        200: { description: 'application/pdf: the signed copy; X-Kyso-Copy-Sha256 header' },
        404: { description: 'COPY_NOT_FOUND, COPY_DOCUMENT_MISSING' },
        409: { description: 'COPY_STATE_INVALID (no signed copy was produced)' },
        500: { description: 'COPY_DOCUMENT_CORRUPT' },
      },
      async handle({ res, params, principal }) {
        const { entry, pdf } = await port.copies.document(requirePrincipal(principal), params.id);
        res.status(200).type('application/pdf');
        res.setHeader('Content-Disposition', `attachment; filename="ban-sao-chung-thuc-${entry.year}-${entry.number}.pdf"`);
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('X-Kyso-Copy-Sha256', entry.copySha256 ?? '');
        res.send(pdf);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/copies/:id/annul',
      operationId: 'annulCopy',
      summary: 'Annul a certified copy (a new state with reason and author; the entry and its number stay).',
      tag: 'copies',
      auth: ['certifier', 'admin'],
      params: IdParam,
      body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
      responses: { 200: { description: 'The annulled entry' }, 409: { description: 'COPY_STATE_INVALID' } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, entryView(await port.copies.annul(requirePrincipal(principal), params.id, body.reason)));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/copies/:id',
      operationId: 'deleteCopy',
      summary: 'Always refused: register entries are kept permanently (Decree 23/2015 Art. 13); annul instead.',
      tag: 'copies',
      auth: READERS,
      params: IdParam,
      responses: { 403: { description: 'DELETE_FORBIDDEN' } },
      handle() {
        throw new AppError(
          'DELETE_FORBIDDEN',
          'register entries are never deleted; annul the copy instead (POST /api/v1/copies/{id}/annul)',
        );
      },
    }),
  ];
}
