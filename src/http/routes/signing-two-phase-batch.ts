import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { readMultipart, SMALL_PART_BYTES } from '../body.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import {
  actorId,
  certificateBytes,
  MULTIPART_DOC,
  parseOptions,
  PreparedSession,
  PrepareRequestOptions,
  sendBatchAnswer,
  SIGN_ROLES,
  withAppearanceImage,
  type SigningPort,
} from './signing.js';

/** Documents per request, as POST /api/v1/sign/batch. */
const MAX_DOCUMENTS = 50;

const SessionId = z.string().min(1).max(128);
const CompleteBatchBody = z.strictObject({
  items: z
    .array(
      z.union([
        z.strictObject({ sessionId: SessionId, signature: z.base64().min(4).max(4096) }),
        z.strictObject({ sessionId: SessionId, cms: z.base64().min(4).max(65536) }),
      ]),
    )
    .min(1)
    .max(MAX_DOCUMENTS),
});

/**
 * Two-phase signing for a selection (a USB token's "ký hàng loạt": the workstation prepares the
 * files in groups, the token signs them after one confirmation and one PIN, the page completes
 * them in groups). The single routes POST /api/v1/sign/prepare and /complete are unchanged; these
 * answer one result per document, each with its own error, like POST /api/v1/sign/batch.
 */
export function twoPhaseBatchRoutes(sign: SigningPort, limits: { uploadBytes: number; requestBytes?: number | undefined }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/prepare/batch',
      operationId: 'signPrepareBatch',
      idempotent: true,
      summary:
        'Two-phase signing, step 1 for several PDFs with one certificate chain (checked once): one session or one error per document.',
      tag: 'signing',
      auth: SIGN_ROLES,
      rawBody: MULTIPART_DOC(' with `certificates` (signer first); up to 50 `pdf` parts'),
      responses: {
        200: {
          description: 'Per-document results',
          schema: z.object({
            results: z.array(
              z.object({
                index: z.number(),
                ok: z.boolean(),
                session: PreparedSession.optional(),
                error: z.object({ code: z.string(), message: z.string() }).optional(),
              }),
            ),
          }),
        },
      },
      async handle({ req, res, principal }) {
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: MAX_DOCUMENTS + 2,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const o = parseOptions(PrepareRequestOptions, body);
        const pdfs = body.files.filter((f) => f.field === 'pdf').map((f) => f.data);
        if (pdfs.length === 0) throw new AppError('VALIDATION_FAILED', 'at least one `pdf` part is required');
        if (pdfs.length > MAX_DOCUMENTS) throw new AppError('VALIDATION_FAILED', `at most ${MAX_DOCUMENTS} documents per batch`);
        const { certificates, ...common } = o;
        const r = await sign.prepareBatch(pdfs, {
          ...withAppearanceImage(common, body),
          certificates: certificates.map(certificateBytes),
          actorId: actorId(principal),
        });
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, {
          results: r.results.map((x) => ({
            index: x.index,
            ok: x.ok,
            ...(x.session
              ? {
                  session: {
                    sessionId: x.session.sessionId,
                    algorithm: x.session.algorithm,
                    hash: x.session.hash,
                    digest: x.session.digest.toString('base64'),
                    signedAttributes: x.session.signedAttributes.toString('base64'),
                    expiresAt: x.session.expiresAt.toISOString(),
                  },
                }
              : {}),
            ...(x.error ? { error: x.error } : {}),
          })),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/complete/batch',
      operationId: 'signCompleteBatch',
      idempotent: true,
      summary:
        'Two-phase signing, step 2 for several sessions: `{items: [{sessionId, signature}]}`; one result per item (base64 signed PDF or its error), or as multipart/form-data (`results` + one PDF part per signed document) with `Accept: multipart/form-data`.',
      tag: 'signing',
      auth: SIGN_ROLES,
      body: CompleteBatchBody,
      responses: { 200: { description: 'Per-item results (index = position in `items`)' } },
      async handle({ req, res, body, principal }) {
        const items = body.items.map((i) => ({
          sessionId: i.sessionId,
          input: 'signature' in i ? { signature: Buffer.from(i.signature, 'base64') } : { cms: Buffer.from(i.cms, 'base64') },
        }));
        const r = await sign.completeBatch(items, actorId(principal));
        res.setHeader('Cache-Control', 'no-store');
        sendBatchAnswer(req, res, r);
      },
    }),
  ];
}
