import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import { presentReport, renderReportHtml, renderReportPdf, signedRevisionBytes, type VerificationReport } from '../../pdf/verify/index.js';
import { readMultipart, readRawBody, requireFile, SMALL_PART_BYTES } from '../body.js';
import { ReportCache } from '../report-cache.js';
import { defineRoute, sendJson, type RouteSpec } from '../route.js';

export interface VerifyPort {
  verify(pdf: Buffer, o?: { at?: Date }): Promise<VerificationReport>;
}

const Query = z.object({
  lang: z.enum(['vi', 'en']).optional().describe('language of the HTML/PDF rendering and of the JSON `presentation` (default vi)'),
  at: z.iso.datetime({ offset: true }).optional().describe('validation time (default now)'),
});

/** Public verification (ETSI EN 319 102-1): report as JSON, HTML or PDF by content negotiation. */
export function verifyRoutes(
  port: VerifyPort,
  o: { clock: Clock; uploadBytes: number; requestBytes?: number | undefined; publicUrl?: string },
): RouteSpec[] {
  const cache = new ReportCache<VerificationReport>({ clock: o.clock, ttlMs: 15 * 60_000, maxBytes: 256 * 1024 * 1024 });
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/verify',
      operationId: 'verifyPdf',
      summary:
        'Verify a signed PDF like the EU DSS validator (ETSI indications, revision analysis, attack checks). Public, rate-limited. Accept: application/json (default), text/html or application/pdf.',
      tag: 'verify',
      auth: 'public',
      rateLimited: true,
      query: Query,
      rawBody: {
        contentType: 'multipart/form-data',
        description: 'Part `pdf` with the document (application/pdf as the whole body is accepted too).',
        schema: { type: 'object', properties: { pdf: { type: 'string', format: 'binary' } }, required: ['pdf'] },
      },
      responses: {
        200: {
          description:
            'Verification report (reportId lets you download signed revisions for 15 minutes) and its `presentation` for people in ?lang',
        },
        422: { description: 'VERIFY_UNREADABLE' },
      },
      async handle({ req, res, query }) {
        const ct = req.headers['content-type'] ?? '';
        const pdf = /^application\/pdf/i.test(ct)
          ? await readRawBody(req, o.uploadBytes)
          : requireFile(
              await readMultipart(req, {
                fileBytes: o.uploadBytes,
                requestBytes: o.requestBytes,
                files: 1,
                memoryPartBytes: SMALL_PART_BYTES,
              }),
              'pdf',
            ).data;
        if (pdf.length === 0) throw new AppError('VALIDATION_FAILED', 'empty upload');
        const report = await port.verify(pdf, query.at ? { at: new Date(query.at) } : {});
        const reportId = cache.put(pdf, report);
        const lang = query.lang ?? 'vi';
        const revisionPath = (n: number) => `/api/v1/verify/${reportId}/signed-revision/${n}`;
        // the rendered reports leave the page, so their link is absolute (the configured public URL)
        const base = (o.publicUrl ?? '').replace(/\/+$/, '');
        const links = { signedRevisionUrl: (n: number) => `${base}${revisionPath(n)}` };
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Vary', 'Accept');
        const want = req.accepts(['application/json', 'text/html', 'application/pdf']);
        if (want === 'text/html')
          return void res
            .status(200)
            .type('text/html; charset=utf-8')
            .send(renderReportHtml(report, lang, links));
        if (want === 'application/pdf')
          return void res
            .status(200)
            .type('application/pdf')
            .send(await renderReportPdf(report, lang, links));
        const revisions = report.signatures.map((_s, i) => revisionPath(i));
        // `presentation`: what a person is told (present.ts), so the web page shows the same words as the reports
        sendJson(res, 200, {
          reportId,
          signedRevisions: revisions,
          ...report,
          presentation: presentReport(report, lang, { signedRevisionUrl: revisionPath }),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/verify/:reportId/signed-revision/:n',
      operationId: 'getSignedRevision',
      summary: 'The revision covered by signature n of a recent report (bytes [0, c+d)), what the signer actually signed.',
      tag: 'verify',
      auth: 'public',
      rateLimited: true,
      params: z.object({ reportId: z.string().regex(/^rep_[A-Za-z0-9_-]{22}$/), n: z.coerce.number().int().min(0).max(999) }),
      responses: { 200: { description: 'PDF', contentType: 'application/pdf' }, 404: { description: 'REPORT_NOT_FOUND' } },
      async handle({ res, params }) {
        const hit = cache.get(params.reportId);
        if (!hit) throw new AppError('REPORT_NOT_FOUND', 'no such report (reports are kept 15 minutes)');
        const bytes = signedRevisionBytes(hit.pdf, hit.report, params.n);
        if (!bytes) throw new AppError('NOT_FOUND', `signature ${params.n} has no readable signed revision`);
        res.status(200).type('application/pdf').setHeader('Content-Disposition', `attachment; filename="signed-revision-${params.n}.pdf"`);
        res.setHeader('Cache-Control', 'no-store');
        res.send(bytes);
      },
    }),
  ];
}
