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

/** A client for one server: post(path, token, { body, contentType }) → { status, body: Buffer }; close(). */
export function leanClient(baseUrl) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (path, token, { body, contentType }) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        new URL(path, baseUrl),
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': body.length },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}
