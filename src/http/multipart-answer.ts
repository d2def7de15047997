import type { Response } from 'express';
import { identifierBytes } from '../core/ids.js';

/** One part of a multipart/form-data answer: a form field (no filename) or a file, its bytes as one or more Buffers. */
export interface AnswerPart {
  readonly name: string;
  readonly filename?: string;
  readonly type: string;
  readonly data: readonly Buffer[];
}

const CRLF = Buffer.from('\r\n');

/**
 * Writes `parts` as a multipart/form-data answer (RFC 7578; what `Response.formData()` parses in
 * browsers and Node). The parts' Buffers are written as they are, corked into one vectored socket
 * write: no concatenated copy of the documents and no base64. Names and filenames are the
 * server's own (token characters only), so they need no escaping.
 */
export function sendMultipart(res: Response, parts: readonly AnswerPart[]): void {
  const boundary = boundaryFor(parts);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\nContent-Type: ${p.type}\r\n\r\n`, 'latin1'),
    );
    for (const d of p.data) chunks.push(d);
    chunks.push(CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  let length = 0;
  for (const c of chunks) length += c.length;
  res.status(200).type(`multipart/form-data; boundary=${boundary}`);
  res.setHeader('Content-Length', String(length));
  // end() uncorks fully (OutgoingMessage), so the chunks leave in one writev.
  res.cork();
  for (const c of chunks) res.write(c);
  res.end();
}

/**
 * A random boundary (RFC 2046 §5.1.1: it must not occur in any part). 96 random bits make a
 * collision practically impossible; each part is still searched, as the RFC asks, and a boundary
 * found in one is drawn again. The bits come from the identifier pool (../core/ids.ts: the system
 * CSPRNG, drawn 4 KiB at a time): a boundary is public, and one generator call per answer cost
 * more than the rest of the boundary's work.
 */
function boundaryFor(parts: readonly AnswerPart[]): string {
  for (;;) {
    const boundary = `kyso-${identifierBytes(12).toString('hex')}`;
    if (!parts.some((p) => p.data.some((d) => d.includes(boundary, 0, 'latin1')))) return boundary;
  }
}
