import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import type { JobService } from '../../jobs/job-service.js';
import { jobPath } from '../../jobs/job-view.js';
import { readMultipart } from '../body.js';
import { defineRoute, sendJson, validationError, type RouteSpec } from '../route.js';
import { actorId, CommonOptions, parseOptions, withAppearanceImage } from './signing.js';
import { PADES_LEVELS } from '../../core/pades-level.js';
import { safeTextSchema } from '../safe-text-schema.js';

export type JobsPort = Pick<JobService, 'submitSign' | 'submitCertify' | 'read' | 'file' | 'cancel' | 'rotateWebhookSecret'>;

const SignJobOptions = CommonOptions.extend({
  signer: z.strictObject({ kind: z.literal('credential'), credentialId: z.string().min(1).max(128), pin: z.string().min(1).max(64) }),
  webhook: z.strictObject({ url: z.string().min(1).max(2000) }).optional(),
});

const CertifyJobRequest = z.strictObject({
  authorityId: z.string().min(2).max(64),
  requesterName: safeTextSchema(500),
  requesterIdDocument: safeTextSchema(500),
  documentType: safeTextSchema(500),
  documentTitle: safeTextSchema(500),
  documentIssuer: safeTextSchema(500),
  copies: z.number().int().min(1).max(100).default(1),
  level: z.enum(PADES_LEVELS).optional(),
  certifier: z.strictObject({ credentialId: z.string().min(1).max(128), title: safeTextSchema(500), pin: z.string().min(1).max(64) }),
  seal: z.strictObject({ credentialId: z.string().min(1).max(128).optional(), pin: z.string().min(1).max(64) }),
  webhook: z.strictObject({ url: z.string().min(1).max(2000) }).optional(),
});

const JobView = z.object({
  id: z.string(),
  kind: z.enum(['sign', 'certify']),
  state: z.enum(['running', 'completed', 'cancelled']),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  progress: z.object({ total: z.number(), done: z.number(), failed: z.number(), cancelled: z.number() }),
  files: z.array(
    z.object({
      n: z.number(),
      name: z.string(),
      state: z.enum(['pending', 'running', 'done', 'failed', 'cancelled']),
      sha256: z.string().optional(),
      bytes: z.number().optional(),
      url: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
  webhook: z
    .object({
      url: z.string(),
      deliveries: z.array(
        z.object({
          state: z.enum(['pending', 'delivered', 'failed']),
          attempts: z.array(z.object({ at: z.string(), status: z.number().nullable(), error: z.string().nullable() })),
        }),
      ),
    })
    .optional(),
});

const JOB_CREATORS = ['signer', 'certifier', 'admin'] as const;
const JOB_READERS = ['signer', 'certifier', 'admin', 'auditor'] as const;
const IdParams = z.strictObject({ id: z.string().min(1).max(128) });

function parseJsonField<T>(schema: z.ZodType<T>, raw: string | undefined, field: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '{}');
  } catch {
    throw new AppError('BAD_REQUEST', `form field "${field}" is not valid JSON`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw validationError(field, r.error);
  return r.data;
}

function who(p: Principal | undefined): Principal {
  if (!p) throw new AppError('UNAUTHENTICATED', 'authentication required');
  return p;
}

/** Jobs for long work (docs/jobs.md): submit, poll, download, cancel; and the caller's webhook secret. */
export function jobRoutes(jobs: JobsPort, limits: { uploadBytes: number; requestBytes?: number | undefined }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/jobs/sign',
      operationId: 'submitSignJob',
      // A retry with the same Idempotency-Key gets the first answer (a job id and its Location, no secret).
      idempotent: true,
      summary:
        'Submit many PDFs to be signed with a server-held credential (PIN checked once, never stored); 202 with the job and its Location.',
      tag: 'jobs',
      auth: JOB_CREATORS,
      rawBody: {
        contentType: 'multipart/form-data',
        description:
          'Parts: `pdf` (one per file, up to 500), `options` (JSON: the signing options of /api/v1/sign/batch, `signer: {kind: "credential", credentialId, pin}`, optional `webhook: {url}`), optional `image`.',
        schema: {
          type: 'object',
          properties: {
            pdf: { type: 'array', items: { type: 'string', format: 'binary' } },
            options: { type: 'string', description: 'JSON options' },
            image: { type: 'string', format: 'binary' },
          },
          required: ['pdf', 'options'],
        },
      },
      responses: { 202: { description: 'Job accepted', schema: JobView } },
      async handle({ req, res, principal }) {
        const p = who(principal);
        const body = await readMultipart(req, { fileBytes: limits.uploadBytes, requestBytes: limits.requestBytes, files: 502 });
        const o = parseOptions(SignJobOptions, body);
        const files = body.files.filter((f) => f.field === 'pdf').map((f) => ({ name: f.filename, data: f.data }));
        const { signer, webhook, ...common } = o;
        const view = await jobs.submitSign({
          principal: p,
          actorId: actorId(p),
          files,
          options: withAppearanceImage(common, body),
          credentialId: signer.credentialId,
          pin: signer.pin,
          ...(webhook ? { webhookUrl: webhook.url } : {}),
        });
        res.setHeader('Location', jobPath(view.id));
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 202, view);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/jobs/certify',
      operationId: 'submitCertifyJob',
      // A retry with the same Idempotency-Key gets the first answer (a job id and its Location, no secret).
      idempotent: true,
      summary:
        "Submit several originals to be certified as copies (one register entry each) in the certifier's authority; both PINs checked once, never stored; 202 with the job.",
      tag: 'jobs',
      auth: ['certifier'],
      rawBody: {
        contentType: 'multipart/form-data',
        description:
          'Parts: `original` (one PDF per copy, up to 500), `request` (JSON: the fields of POST /api/v1/copies with `certifier {credentialId, title, pin}`, `seal {credentialId?, pin}`, optional `webhook {url}`).',
        schema: {
          type: 'object',
          properties: { original: { type: 'array', items: { type: 'string', format: 'binary' } }, request: { type: 'string' } },
          required: ['original', 'request'],
        },
      },
      responses: { 202: { description: 'Job accepted', schema: JobView } },
      async handle({ req, res, principal }) {
        const p = who(principal);
        const body = await readMultipart(req, { fileBytes: limits.uploadBytes, requestBytes: limits.requestBytes, files: 500 });
        const { certifier, seal, webhook, ...request } = parseJsonField(CertifyJobRequest, body.fields.request, 'request');
        const view = await jobs.submitCertify({
          principal: p,
          files: body.files.filter((f) => f.field === 'original').map((f) => ({ name: f.filename, data: f.data })),
          request,
          certifier,
          seal,
          ...(webhook ? { webhookUrl: webhook.url } : {}),
        });
        res.setHeader('Location', jobPath(view.id));
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 202, view);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/jobs/:id',
      operationId: 'getJob',
      summary:
        "A job's state, progress (done/total, per-file state) and download URLs; for its creator, an admin or its organization's auditor.",
      tag: 'jobs',
      auth: JOB_READERS,
      params: IdParams,
      responses: { 200: { description: 'Job', schema: JobView } },
      async handle({ res, params, principal }) {
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, await jobs.read(params.id, who(principal)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/jobs/:id/files/:n',
      operationId: 'getJobFile',
      summary: 'A signed file of the job (409 JOB_FILE_NOT_READY until it is done).',
      tag: 'jobs',
      auth: JOB_READERS,
      params: z.strictObject({ id: z.string().min(1).max(128), n: z.coerce.number().int().min(1).max(100_000) }),
      responses: { 200: { description: 'Signed PDF', contentType: 'application/pdf' } },
      async handle({ res, params, principal }) {
        const f = await jobs.file(params.id, params.n, who(principal));
        res.status(200).type('application/pdf').setHeader('Content-Disposition', `attachment; filename="${f.name}"`);
        res.setHeader('Cache-Control', 'no-store');
        res.send(f.pdf);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/jobs/:id',
      operationId: 'cancelJob',
      summary: 'Cancel a job: files not yet signed are not signed; its batch authorization is revoked. Creator or admin.',
      tag: 'jobs',
      auth: JOB_CREATORS,
      params: IdParams,
      responses: { 200: { description: 'Job', schema: JobView } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, await jobs.cancel(params.id, who(principal)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/webhooks/secret',
      operationId: 'rotateWebhookSecret',
      summary: "Create or replace the caller's webhook signing secret (HMAC-SHA256); shown once.",
      tag: 'jobs',
      auth: JOB_CREATORS,
      responses: { 201: { description: 'The new secret', schema: z.object({ secret: z.string() }) } },
      async handle({ res, principal }) {
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 201, await jobs.rotateWebhookSecret(who(principal)));
      },
    }),
  ];
}
