import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, type Harness } from '../integration/http/harness.js';
import { makeCrl, sharedTestCa, type TestCa } from '../fixtures/pki-fixture.js';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web', import.meta.url));

/** Debian's chromium (apt package `chromium`), never a downloaded browser build. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The real kyso app (test/integration/http/harness: temp data dir, SQLite, 127.0.0.1): the
 * browser talks to the app's own URL only, so the pages, POST /api/v1/verify, the signed
 * revisions and /api/v1/copies/** are all the app's wiring (create-app.ts), nothing in front.
 *
 * The one extra server is the fixture root's CRL. The test signers are issued by the fixture CA
 * (test/fixtures/pki-fixture.ts), trusted through KYSO_TRUST_DIR, which is not one of the app's
 * own CAs, so the app cannot publish a CRL for it. Their certificates name `crlUrl` as CRL
 * distribution point (RFC 5280 §4.2.1.13) and the app's verifier fetches it over HTTP like any
 * foreign CA's CRL; without it no revocation status is known and a good signature can only be
 * INDETERMINATE, never TOTAL_PASSED (ETSI EN 319 102-1 §5.2.6).
 */
export interface WebHarness {
  readonly url: string;
  readonly app: Harness;
  readonly ca: TestCa;
  readonly crlUrl: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export async function startWebHarness(): Promise<WebHarness> {
  const ca = sharedTestCa();
  const trustDir = mkdtempSync(join(tmpdir(), 'kyso-web-trust-'));
  writeFileSync(join(trustDir, 'test-root.pem'), ca.certPem);
  const crl = makeCrl(ca);
  const crlServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/root.crl') res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crl);
    else res.writeHead(404).end();
  });
  const crlBase = await listen(crlServer);
  const app = await startHarness({ KYSO_TRUST_DIR: trustDir });
  return {
    url: app.url,
    app,
    ca,
    crlUrl: `${crlBase}/root.crl`,
    async close() {
      await new Promise<void>((r) => crlServer.close(() => r()));
      crlServer.closeAllConnections();
      await app.close();
      rmSync(trustDir, { recursive: true, force: true });
    },
  };
}
