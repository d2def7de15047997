import express, { type Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, type Harness } from '../integration/http/harness.js';
import { makeCrl, sharedTestCa, type TestCa } from '../fixtures/pki-fixture.js';
import { mountWeb } from '../../src/http/web-static.js';
import { readMultipart, requireFile } from '../../src/http/body.js';
import { sendProblem } from '../../src/http/problem.js';
import { AppError } from '../../src/core/errors.js';
import { createHttpRevocationFetcher, createTrustStore, renderReportHtml, renderReportPdf, signedRevisionBytes, verifyPdf, type VerificationReport } from '../../src/pdf/verify/index.js';
import { parseLookupCode } from '../../src/copies/lookup-code.js';
import { publicFacts } from '../../src/copies/public-facts.js';
import type { RegisterEntryRecord } from '../../src/copies/ports.js';

export const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web', import.meta.url));

/** Debian's chromium (apt package `chromium`), never a downloaded browser build. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The real kyso app (test/integration/http/harness: temp data dir, SQLite, 127.0.0.1) behind an
 * outer Express app that mounts the web pages first, then the whole kyso app. The outer app also
 * serves the fixture root's CRL (so signatures can be checked for revocation online) and — only
 * while the API routes are not wired into the app yet — stand-ins for POST /api/v1/verify and
 * GET /api/v1/copies/lookup built from the same domain functions (verifyPdf, parseLookupCode,
 * publicFacts), reported in `standIns` so the test output says what ran against what.
 */
export interface WebHarness {
  readonly url: string;
  readonly app: Harness;
  readonly ca: TestCa;
  readonly crlUrl: string;
  /** true = that part is provided by this harness because the app does not have it (yet). */
  readonly standIns: { readonly web: boolean; readonly verify: boolean; readonly copies: boolean };
  /** Register entries visible to the copies stand-in (ignored when the real route is wired). */
  readonly entries: RegisterEntryRecord[];
  close(): Promise<void>;
}

function listen(app: Express): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${a.port}` });
    });
  });
}

function verifyStandIn(outer: Express, ca: TestCa, entries: RegisterEntryRecord[], publicUrl: string): void {
  const reports = new Map<string, { pdf: Buffer; report: VerificationReport }>();
  const trust = createTrustStore([ca.certDer]);
  const revocation = createHttpRevocationFetcher({ timeoutMs: 3000 });
  outer.post('/api/v1/verify', (req, res) => {
    void (async () => {
      const body = await readMultipart(req, { fileBytes: 50 * 1024 * 1024, files: 1 });
      const pdf = requireFile(body, 'pdf').data;
      const report = await verifyPdf(pdf, { trust, revocation });
      const reportId = randomUUID();
      reports.set(reportId, { pdf, report });
      const accept = String(req.headers.accept);
      const lang = req.query.lang === 'en' ? 'en' : 'vi';
      if (accept.includes('text/html')) {
        res.type('text/html').send(renderReportHtml(report, lang));
        return;
      }
      if (accept.includes('application/pdf')) {
        res.type('application/pdf').send(await renderReportPdf(report, lang));
        return;
      }
      // Register entries whose signed copy has exactly these bytes (CopyService.matchCopy).
      const copyMatches = entries.filter((e) => e.copySha256 === report.document.sha256).map((e) => publicFacts(e, 'UBND xã Hạ Long', `${publicUrl}/verify/copy?code=${e.lookupCode}`));
      res.type('application/json').send(JSON.stringify({ reportId, ...report, registerMatch: { matched: copyMatches.length > 0, entries: copyMatches } }));
    })().catch((e: unknown) => sendProblem(req, res, e));
  });
  outer.get('/api/v1/verify/:id/signed-revision/:n', (req, res) => {
    const r = reports.get(req.params.id);
    const bytes = r ? signedRevisionBytes(r.pdf, r.report, Number(req.params.n)) : undefined;
    if (!bytes) return sendProblem(req, res, new AppError('REPORT_NOT_FOUND', 'no such report or revision'));
    res.type('application/pdf').send(bytes);
  });
}

function copiesStandIn(outer: Express, entries: RegisterEntryRecord[], publicUrl: string): void {
  outer.get('/api/v1/copies/lookup', (req, res) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      let entry: RegisterEntryRecord | undefined;
      if (q.code !== undefined) {
        const code = parseLookupCode(q.code);
        entry = entries.find((e) => e.lookupCode === code);
      } else {
        entry = entries.find((e) => e.authorityId === q.authority && e.year === Number(q.year) && e.number === Number(q.number));
      }
      if (!entry) throw new AppError('COPY_NOT_FOUND', 'no certified copy with this code');
      res.type('application/json').send(JSON.stringify(publicFacts(entry, 'UBND xã Hạ Long', `${publicUrl}/verify/copy?code=${entry.lookupCode}`)));
    } catch (e) {
      sendProblem(req, res, e);
    }
  });
}

export async function startWebHarness(): Promise<WebHarness> {
  const ca = sharedTestCa();
  const trustDir = mkdtempSync(join(tmpdir(), 'kyso-web-trust-'));
  writeFileSync(join(trustDir, 'test-root.pem'), ca.certPem);
  const crl = makeCrl(ca);
  const app = await startHarness({ KYSO_TRUST_DIR: trustDir });
  const paths = Object.keys((app.server.http.openapi as { paths?: Record<string, unknown> }).paths ?? {});
  // Once the app mounts web/ itself (create-app.ts), its own wiring is what gets tested.
  const home = await fetch(`${app.url}/`);
  await home.arrayBuffer();
  const webWired = home.status === 200 && (home.headers.get('content-type') ?? '').startsWith('text/html');
  const standIns = { web: !webWired, verify: !paths.includes('/api/v1/verify'), copies: !paths.includes('/api/v1/copies/lookup') };

  const outer = express();
  outer.disable('x-powered-by');
  outer.set('query parser', 'simple');
  const entries: RegisterEntryRecord[] = [];
  outer.get('/test-crl/root.crl', (_req, res) => void res.type('application/pkix-crl').send(crl));
  if (standIns.web) mountWeb(outer, { webDir: WEB_DIR });
  const { server, url } = await listen(outer);
  if (standIns.verify) verifyStandIn(outer, ca, entries, url);
  if (standIns.copies) copiesStandIn(outer, entries, url);
  outer.use(app.server.http.app);
  return {
    url,
    app,
    ca,
    crlUrl: `${url}/test-crl/root.crl`,
    standIns,
    entries,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await app.close();
      rmSync(trustDir, { recursive: true, force: true });
    },
  };
}

/** A register entry as the copies service records it after a certification (for the stand-in). */
export function registerEntry(copy: Buffer, lookupCode: string, o: Partial<RegisterEntryRecord> = {}): RegisterEntryRecord {
  return {
    id: randomUUID(),
    authorityId: 'xa-ha-long',
    registerType: 'SCT/BS',
    year: 2026,
    volume: 1,
    number: 7,
    status: 'valid',
    lookupCode,
    certifierId: 'certifier-1',
    requesterName: 'Nguyễn Thị Hương Giang',
    requesterIdDocument: '001190000001',
    documentIssuer: 'UBND phường Hồng Gai',
    originalSha256: createHash('sha256').update('original').digest('hex'),
    feePerCopy: 4000,
    feeTotal: 4000,
    certifiedAt: new Date('2026-11-26T03:00:00Z'),
    documentType: 'Giấy khai sinh',
    documentTitle: 'Giấy khai sinh của Nguyễn Thị Hương Giang',
    originalPages: 2,
    copies: 1,
    copySha256: createHash('sha256').update(copy).digest('hex'),
    statusReason: null,
    statusChangedBy: null,
    statusChangedAt: null,
    ...o,
  };
}
