import { AppError } from '../../core/errors.js';
import { readMultipart, readRawBody, requireFile, SMALL_PART_BYTES } from '../body.js';
import { defineRoute, type RouteSpec } from '../route.js';

export interface ExtendPort {
  extend(pdf: Buffer): Promise<Buffer>;
}

/** ETSI EN 319 142-1 B-LTA upkeep: new DSS + archive timestamp on an existing signed file (B-LTA upkeep). */
export function extendRoutes(port: ExtendPort, limits: { uploadBytes: number; requestBytes?: number | undefined }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/extend',
      operationId: 'extendPdf',
      summary:
        'Extend a signed PDF: append a /DSS with current validation material and a new archive document timestamp (B-LTA), as incremental updates.',
      tag: 'signing',
      auth: ['signer', 'certifier', 'admin'],
      rawBody: { contentType: 'multipart/form-data', description: 'Part `pdf` (application/pdf as the whole body is accepted too).' },
      responses: {
        200: { description: 'Extended PDF', contentType: 'application/pdf' },
        503: { description: 'TSA_UNAVAILABLE / REVOCATION_UNAVAILABLE' },
      },
      async handle({ req, res }) {
        const ct = req.headers['content-type'] ?? '';
        const pdf = /^application\/pdf/i.test(ct)
          ? await readRawBody(req, limits.uploadBytes)
          : requireFile(
              await readMultipart(req, {
                fileBytes: limits.uploadBytes,
                requestBytes: limits.requestBytes,
                files: 1,
                memoryPartBytes: SMALL_PART_BYTES,
              }),
              'pdf',
            ).data;
        if (pdf.length === 0) throw new AppError('VALIDATION_FAILED', 'empty upload');
        const out = await port.extend(pdf);
        res.status(200).type('application/pdf').setHeader('Cache-Control', 'no-store');
        res.send(out);
      },
    }),
  ];
}
