import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { isAppError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import { readRawBody } from '../body.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { OCSP_MAX_REQUEST_BYTES } from '../../pki/ocsp.js';

/** What the public PKI endpoints need; src/app adapts the PKI services to it. */
export interface PkiPublicPort {
  /** CA certificate DER; CA_UNKNOWN when there is no such CA. */
  caCertificate(caId: string): Promise<Buffer>;
  /** The latest stored CRL of an issuing CA (never built per request); CA_UNKNOWN otherwise. */
  currentCrl(caId: string): Promise<{ der: Buffer; crlNumber: number; thisUpdate: Date; nextUpdate: Date }>;
  /**
   * A DER OCSPResponse for a DER OCSPRequest, from the responder's cache when fresh. Garbage
   * gets a malformedRequest response (a thrown OCSP_MALFORMED_REQUEST is mapped the same way).
   */
  ocsp(requestDer: Buffer): Promise<OcspReply>;
  /** Same for the GET form: the path segment after /pki/ocsp/ (URL-encoded base64 DER). */
  ocspGet(pathSegment: string): Promise<OcspReply>;
}

export interface OcspReply {
  readonly der: Buffer;
  /** RFC 5019 §6.2 cache hints, only for cacheable (nonce-less, successful) responses. */
  readonly cache?: { readonly producedAt: Date; readonly nextUpdate: Date; readonly maxAgeSeconds: number; readonly etag: string };
  /** Internal failure for the log; never sent. */
  readonly error?: unknown;
}

/** RFC 6960 §4.2.1 OCSPResponse with only a responseStatus: SEQUENCE { ENUMERATED n }. */
const OCSP_MALFORMED = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]);
const OCSP_INTERNAL_ERROR = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x02]);
const OCSP_TRY_LATER = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]);

const CaParam = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'CA id: lowercase letters, digits and dashes') });

function toPem(der: Buffer, label: string): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function etagOf(der: Buffer): string {
  return `"${createHash('sha256').update(der).digest('base64url').slice(0, 27)}"`;
}

/** 304 when the client's validators match (RFC 9110 §13.1.1-2; If-None-Match wins). */
function notModified(req: Request, etag: string, lastModified: Date | undefined): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = req.headers['if-modified-since'];
  if (ims && lastModified) {
    const t = Date.parse(ims);
    return Number.isFinite(t) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(t / 1000);
  }
  return false;
}

async function answerOcsp(
  produce: () => Promise<OcspReply>,
  res: Response,
  clock: Clock,
  cacheable: boolean,
  log: (e: unknown) => void,
): Promise<void> {
  let out: OcspReply;
  try {
    out = await produce();
    if (out.error && !isAppError(out.error, 'OCSP_MALFORMED_REQUEST') && !(out.der.length === 5 && out.der[4] === 1)) log(out.error);
  } catch (e) {
    if (isAppError(e, 'OCSP_MALFORMED_REQUEST')) out = { der: OCSP_MALFORMED };
    else if (isAppError(e, 'STORE_UNAVAILABLE')) out = { der: OCSP_TRY_LATER };
    else {
      log(e);
      out = { der: OCSP_INTERNAL_ERROR };
    }
  }
  res.status(200).type('application/ocsp-response');
  if (cacheable && out.cache) {
    // RFC 5019 §6.2: max-age ≤ nextUpdate − now; public; no-transform; must-revalidate.
    const maxAge = Math.max(
      0,
      Math.min(out.cache.maxAgeSeconds, Math.floor((out.cache.nextUpdate.getTime() - clock.now().getTime()) / 1000)),
    );
    res.setHeader('Cache-Control', `max-age=${maxAge}, public, no-transform, must-revalidate`);
    res.setHeader('Last-Modified', out.cache.producedAt.toUTCString());
    res.setHeader('Expires', out.cache.nextUpdate.toUTCString());
    res.setHeader('ETag', out.cache.etag.startsWith('"') ? out.cache.etag : `"${out.cache.etag}"`);
  } else {
    res.setHeader('Cache-Control', 'no-cache');
  }
  res.send(out.der);
}

/** Public PKI endpoints: CA certificates, CRLs (CDP), OCSP (RFC 6960 / RFC 5019). No auth. */
export function pkiPublicRoutes(
  port: PkiPublicPort,
  deps: { clock: Clock; log: { error(m: string, f?: Record<string, unknown>): void } },
): RouteSpec[] {
  const logErr = (e: unknown) => deps.log.error('ocsp responder failed', { error: e instanceof Error ? e.message : String(e) });
  const caCert = (ext: 'crt' | 'pem') =>
    defineRoute({
      method: 'get',
      path: `/pki/ca/:id.${ext}`,
      operationId: ext === 'crt' ? 'getCaCertificateDer' : 'getCaCertificatePem',
      summary: ext === 'crt' ? 'CA certificate, DER (the AIA caIssuers URL).' : 'CA certificate, PEM.',
      tag: 'pki-public',
      auth: 'public',
      params: CaParam,
      responses: {
        200: { description: 'Certificate', contentType: ext === 'crt' ? 'application/pkix-cert' : 'application/x-pem-file' },
        404: { description: 'CA_UNKNOWN' },
      },
      async handle({ req, res, params }) {
        const der = await port.caCertificate(params.id);
        const etag = etagOf(der);
        res.setHeader('Cache-Control', 'public, max-age=86400');
        res.setHeader('ETag', etag);
        if (notModified(req, etag, undefined)) return void res.status(304).end();
        if (ext === 'crt') res.status(200).type('application/pkix-cert').send(der);
        else res.status(200).type('application/x-pem-file').send(toPem(der, 'CERTIFICATE'));
      },
    });
  return [
    caCert('crt'),
    caCert('pem'),
    defineRoute({
      method: 'get',
      path: '/pki/crl/:id.crl',
      operationId: 'getCrl',
      summary:
        'Current CRL of an issuing CA (the CDP URL): DER, application/pkix-crl, with Cache-Control, Last-Modified, ETag and Expires.',
      tag: 'pki-public',
      auth: 'public',
      params: CaParam,
      responses: {
        200: { description: 'CRL', contentType: 'application/pkix-crl' },
        304: { description: 'Not modified' },
        404: { description: 'CA_UNKNOWN' },
      },
      async handle({ req, res, params }) {
        const crl = await port.currentCrl(params.id);
        const etag = `"${params.id}-${crl.crlNumber}"`;
        const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - deps.clock.now().getTime()) / 1000));
        res.setHeader('Cache-Control', `public, max-age=${Math.min(maxAge, 3600)}, must-revalidate`);
        res.setHeader('Last-Modified', crl.thisUpdate.toUTCString());
        res.setHeader('Expires', crl.nextUpdate.toUTCString());
        res.setHeader('ETag', etag);
        if (notModified(req, etag, crl.thisUpdate)) return void res.status(304).end();
        res.status(200).type('application/pkix-crl').send(crl.der);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/pki/ocsp',
      operationId: 'ocspPost',
      summary: 'OCSP responder (RFC 6960 §A.1, POST). Garbage gets an OCSP malformedRequest response.',
      tag: 'pki-public',
      auth: 'public',
      rawBody: { contentType: 'application/ocsp-request', description: 'DER OCSPRequest (≤ 8 KiB)' },
      responses: { 200: { description: 'DER OCSPResponse', contentType: 'application/ocsp-response' } },
      async handle({ req, res }) {
        let der: Buffer;
        try {
          der = await readRawBody(req, OCSP_MAX_REQUEST_BYTES);
        } catch (e) {
          // RFC 6960 §2.3: a request the responder will not parse is answered in OCSP, not with an HTTP error page
          if (!isAppError(e, 'PAYLOAD_TOO_LARGE')) throw e;
          res.status(200).type('application/ocsp-response').setHeader('Cache-Control', 'no-cache');
          return void res.send(OCSP_MALFORMED);
        }
        await answerOcsp(() => port.ocsp(der), res, deps.clock, false, logErr);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/pki/ocsp/*request',
      operationId: 'ocspGet',
      summary: 'OCSP responder (RFC 6960 §A.1 / RFC 5019 §5, GET with the base64 DER request in the path); cacheable responses.',
      tag: 'pki-public',
      auth: 'public',
      responses: { 200: { description: 'DER OCSPResponse', contentType: 'application/ocsp-response' } },
      async handle({ req, res }) {
        // Express 5 splits the wildcard on '/', but base64 may contain '/': use the raw path.
        const raw = req.path.slice('/pki/ocsp/'.length);
        if (raw.length > OCSP_MAX_REQUEST_BYTES * 2) {
          res.status(200).type('application/ocsp-response').setHeader('Cache-Control', 'no-cache');
          return void res.send(OCSP_MALFORMED);
        }
        await answerOcsp(() => port.ocspGet(raw), res, deps.clock, true, logErr);
      },
    }),
  ];
}
