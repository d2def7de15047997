import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../http/harness.js';

/**
 * RFC 6960 §2.3: a request the responder cannot accept gets an OCSPResponse with status
 * malformedRequest. An oversized POST body is such a request: the client is an OCSP client that
 * parses DER, so an HTTP 413 problem page would be unreadable to it. Checked with openssl.
 */
let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'kyso-ocsp-oversize-'));
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('OCSP request size limit', () => {
  for (const [label, size] of [
    ['just over 8 KiB', 8 * 1024 + 1],
    ['1 MiB', 1024 * 1024],
  ] as const)
    it(`fail/POST body of ${label} → 200 application/ocsp-response malformedRequest`, async () => {
      const body = Buffer.alloc(size, 0x30);
      const r = await call(h, 'POST', '/pki/ocsp', { body, headers: { 'content-type': 'application/ocsp-request' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/ocsp-response');
      const file = join(dir, `resp-${size}.der`);
      writeFileSync(file, r.body);
      // openssl prints the responder's status and exits 1 for any status other than successful
      const o = spawnSync('openssl', ['ocsp', '-respin', file, '-resp_text', '-noverify'], { encoding: 'utf8' });
      expect(`${o.stdout}${o.stderr}`).toMatch(/Responder Error: malformedrequest \(1\)/i);
    });
});
