/**
 * createHttpRevocationFetcher (the validator's online revocation port adapter) over a real HTTP
 * server on 127.0.0.1: bodies come back as sent, OCSP is a POST of the request, and refusals
 * (non-200, too large, not http, no answer) are AppError REVOCATION_UNAVAILABLE.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpRevocationFetcher } from '../../../src/pdf/verify/index.js';

let server: Server;
let base = '';
const seen: { method: string; type: string | undefined; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', type: req.headers['content-type'], body: Buffer.concat(chunks) });
      if (req.url === '/crl') res.end(Buffer.from('30030201 01'.replace(/\s/g, ''), 'hex'));
      else if (req.url === '/ocsp') res.end(Buffer.concat([Buffer.from('echo:'), Buffer.concat(chunks)]));
      else if (req.url === '/big') res.end(Buffer.alloc(5000));
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createHttpRevocationFetcher', () => {
  const fetcher = createHttpRevocationFetcher({ timeoutMs: 300, maxBytes: 1000 });
  it('GETs a CRL and POSTs an OCSP request as application/ocsp-request', async () => {
    expect((await fetcher.fetchCrl(`${base}/crl`)).toString('hex')).toBe('3003020101');
    const body = await fetcher.fetchOcsp(`${base}/ocsp`, Buffer.from('req'));
    expect(body.toString()).toBe('echo:req');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', type: 'application/ocsp-request' });
  });
  it('refuses non-200, oversize, non-http and silent servers with REVOCATION_UNAVAILABLE', async () => {
    const code = { code: 'REVOCATION_UNAVAILABLE' };
    await expect(fetcher.fetchCrl(`${base}/missing`)).rejects.toMatchObject(code);
    await expect(fetcher.fetchCrl(`${base}/big`)).rejects.toMatchObject(code);
    await expect(fetcher.fetchCrl('ldap://127.0.0.1/cn=crl')).rejects.toMatchObject(code);
    await expect(fetcher.fetchCrl(`${base}/slow`)).rejects.toMatchObject(code);
  });
});
