import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { PADES_LEVELS } from '../../core/pades-level.js';
import { APPEARANCE_KINDS, DOCMDP_PERMISSIONS } from '../../core/sign-options.js';
import { SIGNATURE_ALGORITHMS } from '../../core/signature-algorithms.js';
import type { SignService } from '../../signing/sign-service.js';
import type { SignOptions, SignerSource } from '../../signing/types.js';
import { readMultipart, requireFile, SMALL_PART_BYTES, type MultipartBody } from '../body.js';
import { defineRoute, sendJson, validationError, type RouteSpec } from '../route.js';
import { safeTextSchema } from '../safe-text-schema.js';
import { sendMultipart } from '../multipart-answer.js';
import { optionsCache } from '../options-cache.js';
import { credentialOwnerOf, type Principal } from '../../core/principal.js';

export type SigningPort = Pick<
  SignService,
  'signChunks' | 'signBatch' | 'prepare' | 'complete' | 'stampPreview' | 'prepareBatch' | 'completeBatch'
>;

const Level = z.enum(PADES_LEVELS);
const Algorithm = z.enum(SIGNATURE_ALGORITHMS);
const Text = safeTextSchema(500, 0);

/** Options common to every signing path (the `options` JSON part of the multipart upload). */
const AppearanceJson = z.strictObject({
  kind: z.enum(APPEARANCE_KINDS),
  sealOnly: z
    .boolean()
    .optional()
    .describe('organization: the seal image alone, to lie over the left third of the official’s signature (Decree 30/2020 Appendix I)'),
  sealDiameterMm: z.number().min(10).max(80).optional().describe('organization: the seal’s real diameter in mm (default 36)'),
  textSide: z.enum(['left', 'right']).optional().describe('organization: side of the seal for "Ký bởi / Thời gian ký" (default right)'),
  texts: z
    .strictObject({
      signerName: Text.optional(),
      organization: Text.optional(),
      title: Text.optional(),
      authorityLines: z.array(Text).max(4).optional().describe('TM./KT./TUQ./Q./TL. lines above the title (Decree 30/2020 Art. 13)'),
      copyForm: Text.optional(),
      lines: z.array(Text).max(10).optional(),
    })
    .optional(),
});

export const CommonOptions = z.strictObject({
  level: Level.optional().describe('PAdES level; default B-B. Never silently lowered.'),
  algorithm: Algorithm.optional(),
  visible: z
    .strictObject({ page: z.number().int().min(1), rect: z.tuple([z.number(), z.number(), z.number().positive(), z.number().positive()]) })
    .optional(),
  fieldName: z.string().min(1).max(200).optional(),
  appearance: AppearanceJson.optional(),
  certify: z.literal(DOCMDP_PERMISSIONS).optional(),
  lock: z
    .union([
      z.strictObject({ action: z.literal('All') }),
      z.strictObject({ action: z.enum(['Include', 'Exclude']), fields: z.array(z.string().min(1).max(200)).max(100) }),
    ])
    .optional(),
  reason: Text.optional(),
  location: Text.optional(),
  contactInfo: Text.optional(),
  name: Text.optional(),
});

const SignerJson = z.union([
  z.strictObject({ kind: z.literal('pkcs12'), password: z.string().max(1000) }).describe('PKCS#12 in the `p12` file part'),
  z.strictObject({ kind: z.literal('credential'), credentialId: z.string().min(1).max(128), pin: z.string().min(1).max(64) }),
  z.strictObject({
    kind: z.literal('credential'),
    credentialId: z.string().min(1).max(128).optional(),
    authorizationId: z.string().min(1).max(128),
  }),
]);

const StampPreviewOptions = z.strictObject({
  width: z.number().positive().max(2000),
  height: z.number().positive().max(2000),
  appearance: AppearanceJson,
});

const SignRequestOptions = CommonOptions.extend({ signer: SignerJson });
/**
 * The signing routes' options, kept by their text when they name a batch authorization (the same
 * options come with every request of a batch; ../options-cache.ts): never when they carry a PIN or
 * a PKCS#12 password.
 */
const signRequestOptions = optionsCache(
  (text) => parseOptionsText(SignRequestOptions, text),
  (o) => o.signer.kind === 'credential' && 'authorizationId' in o.signer,
);
/** What POST /api/v1/sign/prepare answers for one document (also each item of its batch form). */
export const PreparedSession = z.object({
  sessionId: z.string(),
  algorithm: z.string(),
  hash: z.string(),
  digest: z.string(),
  signedAttributes: z.string(),
  expiresAt: z.string(),
});

export const PrepareRequestOptions = CommonOptions.extend({
  certificates: z.array(z.string().min(1)).min(1).max(10).describe('Signer certificate first, then its chain: base64 DER or PEM'),
  completion: z
    .enum(['signature', 'cms'])
    .optional()
    .describe(
      "How step 2 will complete: `signature` (the raw value; at B-B the placeholder is then exactly the CMS the service builds, and a full CMS is refused if it does not fit) or `cms` (default: room for token software's own CMS)",
    ),
});

export function parseOptions<T>(schema: z.ZodType<T>, body: MultipartBody): T {
  return parseOptionsText(schema, body.fields.options);
}

/** The `options` part's text (absent: `{}`) parsed as JSON and validated by `schema`. */
function parseOptionsText<T>(schema: z.ZodType<T>, text: string | undefined): T {
  const raw = text ?? '{}';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AppError('BAD_REQUEST', 'form field "options" is not valid JSON');
  }
  const r = schema.safeParse(json);
  if (!r.success) throw validationError('options', r.error);
  return r.data;
}

export function certificateBytes(s: string): Buffer {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(s);
  const b64 = (pem ? pem[1]! : s).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new AppError('VALIDATION_FAILED', 'certificates must be base64 DER or PEM');
  return Buffer.from(b64, 'base64');
}

function signerSource(o: z.infer<typeof SignerJson>, body: MultipartBody): SignerSource {
  if (o.kind === 'pkcs12') return { kind: 'pkcs12', pkcs12: requireFile(body, 'p12').data, password: o.password };
  if ('pin' in o) return { kind: 'credential', credentialId: o.credentialId, pin: o.pin };
  return { kind: 'credential', authorizationId: o.authorizationId, ...(o.credentialId ? { credentialId: o.credentialId } : {}) };
}

/** The id signing services check credential ownership against: the official the token acts as. */
export function actorId(p: Principal | undefined): string {
  return p ? credentialOwnerOf(p) : 'anonymous';
}

export function withAppearanceImage(o: z.infer<typeof CommonOptions>, body: MultipartBody): Omit<SignOptions, 'signer'> {
  const image = body.files.find((f) => f.field === 'image');
  const { appearance, ...rest } = o;
  return {
    ...(rest as Omit<SignOptions, 'signer' | 'appearance'>),
    ...(appearance ? { appearance: { ...appearance, ...(image ? { image: image.data } : {}) } as SignOptions['appearance'] } : {}),
  } as Omit<SignOptions, 'signer'>;
}

/**
 * Sends a PDF given as chunks (the untouched input, then the appended revision) without
 * concatenating them: a 50 MB upload is never copied a second time (memory stays bounded by one copy of the upload).
 */
function sendPdf(res: import('express').Response, pdf: Buffer | readonly Buffer[], name = 'signed.pdf'): void {
  const chunks = Buffer.isBuffer(pdf) ? [pdf] : pdf;
  res.status(200).type('application/pdf').setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', String(chunks.reduce((n, c) => n + c.length, 0)));
  for (const c of chunks) res.write(c);
  res.end();
}

/**
 * The batch answer `{authorizationId?, results: [{index, ok, pdf?, error?}]}` written as one buffer
 * of the exact length, in one write: each PDF's base64 is copied in place instead of going through
 * one JSON string of every document (50 signed files ≈ 1 MB of text stringified, then encoded
 * again) or through a buffer of its own and a socket write per piece.
 */
export function sendBatchResults(res: import('express').Response, r: Awaited<ReturnType<SigningPort['signBatch']>>): void {
  const pieces: Array<[string, BufferEncoding]> = [];
  const text = (s: string) => pieces.push([s, 'utf8']);
  text(`{${r.authorizationId ? `"authorizationId":${JSON.stringify(r.authorizationId)},` : ''}"results":[`);
  for (const [i, x] of r.results.entries()) {
    text(`${i ? ',' : ''}{"index":${x.index},"ok":${x.ok}`);
    if (x.pdf) {
      text(',"pdf":"');
      pieces.push([x.pdf.toString('base64'), 'latin1']);
      text('"');
    }
    if (x.error) text(`,"error":${JSON.stringify(x.error)}`);
    text('}');
  }
  text(']}');
  let length = 0;
  for (const [s, encoding] of pieces) length += encoding === 'latin1' ? s.length : Buffer.byteLength(s, encoding);
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for (const [s, encoding] of pieces) at += body.write(s, at, encoding);
  res.status(200).type('application/json');
  res.setHeader('Content-Length', String(length));
  res.end(body);
}

/** The part of a signed document in the multipart batch answer (`file` of its item in `results`). */
const signedPart = (index: number) => `signed-${index}`;

/**
 * The batch answer as multipart/form-data (RFC 7578), asked for with `Accept: multipart/form-data`:
 * a `results` part (application/json, the items of the JSON answer where a signed item names its
 * file part in `file` instead of carrying base64) and one application/pdf part per signed document,
 * written from the signed files' own buffers. Browsers and Node read it with `Response.formData()`.
 */
export function sendBatchParts(res: import('express').Response, r: Awaited<ReturnType<SigningPort['signBatch']>>): void {
  const items = r.results.map((x) =>
    x.pdf ? { index: x.index, ok: x.ok, file: signedPart(x.index) } : { index: x.index, ok: x.ok, ...(x.error ? { error: x.error } : {}) },
  );
  const results = JSON.stringify({ ...(r.authorizationId ? { authorizationId: r.authorizationId } : {}), results: items });
  sendMultipart(res, [
    { name: 'results', type: 'application/json', data: [Buffer.from(results, 'utf8')] },
    ...r.results.flatMap((x) =>
      x.pdf ? [{ name: signedPart(x.index), filename: `${signedPart(x.index)}.pdf`, type: 'application/pdf', data: [x.pdf] }] : [],
    ),
  ]);
}

/**
 * The batch answer in the form the client accepts: multipart/form-data when it asks for it, else
 * JSON with base64 documents (the default, also for an Accept the route does not offer).
 */
export function sendBatchAnswer(
  req: import('express').Request,
  res: import('express').Response,
  r: Awaited<ReturnType<SigningPort['signBatch']>>,
): void {
  res.setHeader('Vary', 'Accept');
  if (req.accepts(['application/json', 'multipart/form-data']) === 'multipart/form-data') sendBatchParts(res, r);
  else sendBatchResults(res, r);
}

export const MULTIPART_DOC = (extra: string, required: string[] = ['pdf']) => ({
  contentType: 'multipart/form-data',
  description: `Parts: \`pdf\` (the document), \`options\` (JSON)${extra}.`,
  schema: {
    type: 'object',
    properties: {
      pdf: { type: 'string', format: 'binary' },
      options: { type: 'string', description: 'JSON options' },
      p12: { type: 'string', format: 'binary' },
      image: { type: 'string', format: 'binary' },
    },
    required,
  },
});

export const SIGN_ROLES = ['signer', 'certifier', 'admin'] as const;

/** PAdES signing (ETSI EN 319 142-1): one-shot, batch, and two-phase for USB tokens. */
export function signingRoutes(sign: SigningPort, limits: { uploadBytes: number; requestBytes?: number | undefined }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/sign',
      operationId: 'sign',
      idempotent: true,
      summary: 'Sign a PDF (PAdES, incremental update) with a PKCS#12 or a server-held credential; returns the signed PDF.',
      tag: 'signing',
      auth: SIGN_ROLES,
      rawBody: MULTIPART_DOC(', optional `p12` (PKCS#12 when signer.kind = pkcs12) and `image` (PNG seal/signature)'),
      responses: { 200: { description: 'Signed PDF', contentType: 'application/pdf' } },
      async handle({ req, res, principal }) {
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: 3,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const o = signRequestOptions(body.fields.options);
        const pdf = requireFile(body, 'pdf').data;
        const { signer, ...common } = o;
        const out = await sign.signChunks(pdf, {
          ...withAppearanceImage(common, body),
          signer: signerSource(signer, body),
          actorId: actorId(principal),
        });
        sendPdf(res, out);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/batch',
      operationId: 'signBatch',
      idempotent: true,
      summary:
        'Sign several PDFs with one authorization (PIN checked once); returns per-document results with base64 PDFs, or as multipart/form-data (`results` + one PDF part per signed document) with `Accept: multipart/form-data`.',
      tag: 'signing',
      auth: SIGN_ROLES,
      rawBody: MULTIPART_DOC('; several `pdf` parts allowed'),
      responses: {
        200: {
          description:
            'Per-document results: JSON `{authorizationId?, results: [{index, ok, pdf?, error?}]}` (base64 PDFs), or with `Accept: multipart/form-data` a `results` JSON part (`file` names the part of a signed document) and one application/pdf part per signed document',
        },
      },
      async handle({ req, res, principal }) {
        // A batch's documents are all read into memory to be signed anyway: small ones skip the temp file.
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: 52,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const o = signRequestOptions(body.fields.options);
        const pdfs = body.files.filter((f) => f.field === 'pdf').map((f) => f.data);
        if (pdfs.length === 0) throw new AppError('VALIDATION_FAILED', 'at least one `pdf` part is required');
        if (pdfs.length > 50) throw new AppError('VALIDATION_FAILED', 'at most 50 documents per batch');
        const { signer, ...common } = o;
        const r = await sign.signBatch(pdfs, {
          ...withAppearanceImage(common, body),
          signer: signerSource(signer, body),
          actorId: actorId(principal),
        });
        res.setHeader('Cache-Control', 'no-store');
        sendBatchAnswer(req, res, r);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/prepare',
      operationId: 'signPrepare',
      idempotent: true,
      summary: 'Two-phase signing, step 1: prepare the PDF; returns the session id and what the token must sign.',
      tag: 'signing',
      auth: SIGN_ROLES,
      rawBody: MULTIPART_DOC(' with `certificates` (signer first)'),
      responses: {
        200: {
          description: 'Session',
          schema: PreparedSession,
        },
      },
      async handle({ req, res, principal }) {
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: 2,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const o = parseOptions(PrepareRequestOptions, body);
        const { certificates, ...common } = o;
        const r = await sign.prepare(requireFile(body, 'pdf').data, {
          ...withAppearanceImage(common, body),
          certificates: certificates.map(certificateBytes),
          actorId: actorId(principal),
        });
        sendJson(res, 200, {
          sessionId: r.sessionId,
          algorithm: r.algorithm,
          hash: r.hash,
          digest: r.digest.toString('base64'),
          signedAttributes: r.signedAttributes.toString('base64'),
          expiresAt: r.expiresAt.toISOString(),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/complete',
      operationId: 'signComplete',
      idempotent: true,
      summary: 'Two-phase signing, step 2: the raw signature (or a full CMS) from the token; checks it and returns the signed PDF.',
      tag: 'signing',
      auth: SIGN_ROLES,
      body: z.union([
        z.strictObject({ sessionId: z.string().min(1).max(128), signature: z.base64().min(4) }),
        z.strictObject({ sessionId: z.string().min(1).max(128), cms: z.base64().min(4) }),
      ]),
      responses: { 200: { description: 'Signed PDF', contentType: 'application/pdf' } },
      async handle({ res, body, principal }) {
        const input = 'signature' in body ? { signature: Buffer.from(body.signature, 'base64') } : { cms: Buffer.from(body.cms, 'base64') };
        sendPdf(res, await sign.complete(body.sessionId, input, actorId(principal)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sign/stamp-preview',
      operationId: 'signStampPreview',
      summary: 'The visible stamp as a signature made now would draw it: a one-page PDF of the stamp’s size (nothing is signed).',
      tag: 'signing',
      auth: SIGN_ROLES,
      rawBody: MULTIPART_DOC(': `{width, height, appearance}`, optional `image` (PNG seal/signature); no `pdf` part', []),
      responses: { 200: { description: 'One-page PDF', contentType: 'application/pdf' } },
      async handle({ req, res }) {
        const body = await readMultipart(req, {
          fileBytes: limits.uploadBytes,
          requestBytes: limits.requestBytes,
          files: 1,
          memoryPartBytes: SMALL_PART_BYTES,
        });
        const o = parseOptions(StampPreviewOptions, body);
        const image = body.files.find((f) => f.field === 'image');
        const appearance = { ...o.appearance, ...(image ? { image: image.data } : {}) } as NonNullable<SignOptions['appearance']>;
        sendPdf(res, await sign.stampPreview(appearance, o.width, o.height), 'stamp-preview.pdf');
      },
    }),
  ];
}
