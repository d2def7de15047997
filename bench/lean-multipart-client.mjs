// A lean HTTP client for the benches that post multipart bodies to an in-process server: the
// body is built once from Buffers (the bytes a FormData of the same parts would send) and posted
// over one keep-alive node:http connection. The client shares the process's main thread with the
// server, so a heavy client (fetch + FormData + web streams cost about 0.3-0.4 ms per part here)
// would be counted against the server it measures; a remote client pays its own cost elsewhere.
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

/**
 * parts: [{ name, filename?, type?, data: Buffer | string }] → { body, contentType }
 * (RFC 7578 multipart/form-data).
 */
export function multipartBody(parts) {
  const boundary = `----kyso-bench-${randomBytes(8).toString('hex')}`;
  const chunks = [];
  for (const p of parts) {
    const file = p.filename !== undefined ? `; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}` : '';
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A multipart/form-data answer (RFC 7578) → Map name → { filename?, type?, data: Buffer }. The
 * parts are found with Buffer.indexOf on the boundary and returned as views of `body`: no part's
 * bytes are copied or converted to a string (only the small header blocks are read as text).
 */
export function parseMultipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) throw new Error(`not a multipart answer: ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${m[1] ?? m[2]}`, 'latin1');
  const parts = new Map();
  // The first delimiter has no CRLF before it: start the search two bytes before the body.
  let at = body.indexOf(delimiter.subarray(2));
  if (at !== 0) throw new Error('multipart answer: no opening boundary');
  at += delimiter.length - 2;
  for (;;) {
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // the closing delimiter "--"
    const headersEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    const next = body.indexOf(delimiter, headersEnd + 4);
    if (headersEnd < 0 || next < 0) throw new Error('multipart answer: truncated');
    const headers = body.latin1Slice(at + 2, headersEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    parts.set(name, { filename, type, data: body.subarray(headersEnd + 4, next) });
    at = next + delimiter.length;
  }
}

/**
 * A client for one server: post(path, token, { body, contentType }, accept?) → { status, headers,
 * body: Buffer }; close().
 */
export function leanClient(baseUrl) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (path, token, { body, contentType }, accept) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        new URL(path, baseUrl),
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': contentType,
            'content-length': body.length,
            ...(accept ? { accept } : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** The Accept header asking POST /api/v1/sign/batch for its binary (multipart) answer. */
export const MULTIPART_ANSWER = 'multipart/form-data';

/**
 * A POST /api/v1/sign/batch answer ({ status, headers, body }) → its signed files (Buffers, in
 * item order), either form (multipart parts, or base64 in JSON); throws unless every item is signed.
 */
export function signedFiles(r) {
  const type = r.headers['content-type'] ?? '';
  if (r.status !== 200) throw new Error(`batch: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  if (type.startsWith('multipart/form-data')) {
    const parts = parseMultipart(r.body, type);
    const { results } = JSON.parse(parts.get('results').data.toString('utf8'));
    return results.map((x) => {
      const file = x.ok && parts.get(x.file);
      if (!file) throw new Error(`batch: document ${x.index} failed ${JSON.stringify(x.error)}`);
      return file.data;
    });
  }
  const { results } = JSON.parse(r.body.toString('utf8'));
  return results.map((x) => {
    if (!x.ok) throw new Error(`batch: document ${x.index} failed ${JSON.stringify(x.error)}`);
    return Buffer.from(x.pdf, 'base64');
  });
}
