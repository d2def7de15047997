import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { settingsView } from '../../copies/stamp-settings.js';
import type { StampSettingsService } from '../../copies/stamp-settings-service.js';
import { MAX_STAMP_IMAGE_BYTES } from '../../copies/copy-stamps.js';
import { readMultipart } from '../body.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import { requirePrincipal } from '../auth/middleware.js';
import { safeTextSchema } from '../safe-text-schema.js';

/**
 * Stamp material registered once (Decree 30/2020 Appendix I): an authority's seal image, seal
 * diameter, signing-authority lines, title and text-only permission; a credential holder's
 * signature image. Images are multipart parts; the texts a JSON `settings` part.
 */
const AuthorityId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/);
const Settings = z.strictObject({
  sealDiameterMm: z.number().min(10).max(80).optional(),
  title: safeTextSchema(80).nullable().optional(),
  authorityLines: z.array(safeTextSchema(80)).max(4).optional(),
  textOnlyStamps: z.boolean().optional(),
});

export function stampRoutes(stamps: StampSettingsService): RouteSpec[] {
  const oneImage = { fileBytes: MAX_STAMP_IMAGE_BYTES, files: 1, fields: 2, fieldBytes: 4096 };
  return [
    defineRoute({
      method: 'put',
      path: '/api/v1/authorities/:id/stamps',
      operationId: 'setAuthorityStamps',
      summary:
        "Register an authority's seal image, seal diameter (mm, default 36), signing-authority lines (TM./KT./TUQ./Q./TL.), title and text-only permission; unchanged when omitted.",
      tag: 'registers',
      auth: ['admin'],
      params: z.object({ id: AuthorityId }),
      rawBody: {
        contentType: 'multipart/form-data',
        description:
          'Parts: optional `sealImage` (PNG with transparency, or JPEG, ≤ 2 MiB); optional `settings` (JSON: sealDiameterMm?, title?, authorityLines?, textOnlyStamps?).',
        schema: {
          type: 'object',
          properties: { sealImage: { type: 'string', format: 'binary' }, settings: { type: 'string', description: 'JSON' } },
        },
      },
      responses: {
        200: { description: 'The settings (image as its SHA-256)' },
        404: { description: 'AUTHORITY_UNKNOWN' },
        422: { description: 'IMAGE_INVALID' },
      },
      async handle({ req, res, params, principal }) {
        const body = await readMultipart(req, oneImage);
        const extra = body.files.find((f) => f.field !== 'sealImage');
        if (extra) throw new AppError('VALIDATION_FAILED', `unexpected part ${extra.field}`, { details: { field: extra.field } });
        const settings = parseSettings(body.fields['settings']);
        const image = body.files.find((f) => f.field === 'sealImage')?.data;
        const saved = await stamps.setAuthorityStamps(requirePrincipal(principal), params.id, {
          ...settings,
          ...(image ? { sealImage: image } : {}),
        });
        sendJson(res, 200, settingsView(saved, params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/authorities/:id/stamps',
      operationId: 'getAuthorityStamps',
      summary: "An authority's stamp settings (the seal image as its SHA-256).",
      tag: 'registers',
      auth: ['admin', 'certifier', 'auditor'],
      params: z.object({ id: AuthorityId }),
      responses: { 200: { description: 'The settings' } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, settingsView(await stamps.readAuthority(requirePrincipal(principal), params.id), params.id));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/credentials/:id/signature-image',
      operationId: 'setSignatureImage',
      summary: "Register the holder's signature image for a signing credential (admin, or the credential's owner).",
      tag: 'registers',
      auth: ['admin', 'certifier'],
      params: z.object({ id: z.string().min(1).max(128) }),
      rawBody: {
        contentType: 'multipart/form-data',
        description: 'Part `signatureImage`: PNG with transparency, or JPEG, ≤ 2 MiB.',
        schema: { type: 'object', properties: { signatureImage: { type: 'string', format: 'binary' } }, required: ['signatureImage'] },
      },
      responses: {
        204: { description: 'Stored' },
        404: { description: 'NOT_FOUND (no such credential of yours)' },
        422: { description: 'IMAGE_INVALID' },
      },
      async handle({ req, res, params, principal }) {
        const body = await readMultipart(req, oneImage);
        const image = body.files.find((f) => f.field === 'signatureImage')?.data;
        if (!image || body.files.length !== 1)
          throw new AppError('VALIDATION_FAILED', 'give exactly one `signatureImage` part', { details: { field: 'signatureImage' } });
        await stamps.setSignatureImage(requirePrincipal(principal), params.id, image);
        res.status(204).end();
      },
    }),
  ];
}

function parseSettings(text: string | undefined): z.infer<typeof Settings> {
  if (text === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the `settings` part is not JSON', { details: { field: 'settings' } });
  }
  const r = Settings.safeParse(json);
  if (!r.success)
    throw new AppError('VALIDATION_FAILED', `settings: ${r.error.issues[0]?.message ?? 'invalid'}`, { details: { field: 'settings' } });
  const { title, ...rest } = r.data;
  return { ...rest, ...(title !== undefined ? { title } : {}) };
}
