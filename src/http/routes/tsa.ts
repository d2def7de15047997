import { readRawBody } from '../body.js';
import { defineRoute, type RouteSpec } from '../route.js';

export interface TsaPort {
  /** DER TimeStampReq → DER TimeStampResp; bad requests get an RFC 3161 rejection, never an exception. */
  respond(requestDer: Buffer): Promise<Buffer>;
}

/** RFC 3161 §3.4 time-stamp protocol over HTTP. */
export function tsaRoutes(tsa: TsaPort): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/tsa',
      operationId: 'timestamp',
      summary:
        'RFC 3161 timestamp authority: application/timestamp-query in, application/timestamp-reply out (rejections are RFC 3161 statuses).',
      tag: 'tsa',
      auth: 'public',
      rateLimited: true,
      rawBody: { contentType: 'application/timestamp-query', description: 'DER TimeStampReq (≤ 16 KiB)' },
      responses: { 200: { description: 'DER TimeStampResp', contentType: 'application/timestamp-reply' } },
      async handle({ req, res }) {
        const der = await readRawBody(req, 16 * 1024);
        const out = await tsa.respond(der);
        res.status(200).type('application/timestamp-reply').setHeader('Cache-Control', 'no-store');
        res.send(out);
      },
    }),
  ];
}
