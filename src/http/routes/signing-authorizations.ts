import { z } from 'zod';
import type { CredentialsWiring } from '../../app/credentials.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';
import { requirePrincipal } from '../auth/middleware.js';
import { HOLDERS, Id } from './credentials.js';

/**
 * Batch authorizations over a server-held credential, as the Cloud Signature Consortium API's
 * credentials/authorize (a SAD for numSignatures): the holder gives the PIN once and receives an
 * authorization id for N documents within a short lifetime; `POST /api/v1/sign/batch` with
 * `signer: {kind: 'credential', authorizationId}` then signs without the PIN. The id is a bearer
 * secret of its owner: never logged, never
 * replayed from the idempotency store (the route takes no Idempotency-Key).
 */

export function signingAuthorizationRoutes(port: CredentialsWiring): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/credentials/:id/authorizations',
      operationId: 'authorizeCredential',
      summary:
        'The holder turns the PIN into a batch authorization for `documents` signatures within `ttlSeconds` (default 300, at most 3600); nothing is signed. A wrong PIN counts towards the lock.',
      tag: 'credentials',
      auth: HOLDERS,
      params: z.object({ id: Id }),
      body: z.strictObject({
        pin: z.string().min(1).max(64),
        documents: z.number().int().min(1).describe('how many documents it may sign (at most 500)'),
        ttlSeconds: z.number().int().min(10).max(3600).optional(),
      }),
      responses: {
        201: {
          description: 'The authorization (its id signs without the PIN until it expires, is used up or revoked)',
          schema: z.object({ authorizationId: z.string(), credentialId: z.string(), documents: z.number(), expiresAt: z.string() }),
        },
        403: { description: 'FORBIDDEN (not the holder), PIN_INVALID, CREDENTIAL_LOCKED, CREDENTIAL_NOT_ACTIVATED' },
        404: { description: 'CREDENTIAL_NOT_FOUND' },
      },
      async handle({ res, params, body, principal }) {
        const a = await port.authorize(requirePrincipal(principal), params.id, {
          pin: body.pin,
          documents: body.documents,
          ...(body.ttlSeconds !== undefined ? { ttlSeconds: body.ttlSeconds } : {}),
        });
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 201, {
          authorizationId: a.id,
          credentialId: a.credentialId,
          documents: a.maxDocuments,
          expiresAt: a.expiresAt.toISOString(),
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/credentials/:id/authorizations/:authorizationId',
      operationId: 'revokeCredentialAuthorization',
      summary: 'The holder revokes one of their batch authorizations on this credential: its unused documents can no longer be signed.',
      tag: 'credentials',
      auth: HOLDERS,
      params: z.object({ id: Id, authorizationId: Id }),
      responses: { 204: { description: 'Revoked (also when it already was)' }, 403: { description: 'FORBIDDEN' } },
      async handle({ res, params, principal }) {
        await port.revokeAuthorization(requirePrincipal(principal), params.id, params.authorizationId);
        res.status(204).end();
      },
    }),
  ];
}
