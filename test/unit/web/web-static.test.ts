import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWebDir, mountWeb, WEB_CSP, WEB_PAGES, WORKSTATION_CSP } from '../../../src/http/web-static.js';
import { isAppError } from '../../../src/core/errors.js';

const WEB = defaultWebDir();
let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  mountWeb(app, { webDir: WEB });
  app.use((_req, res) => void res.status(404).type('text/plain').send('fell through'));
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('mountWeb', () => {
  it('serves the pdf.js legacy build and its worker as JavaScript, and the workstation CSP adds only the loopback agent', async () => {
    for (const f of ['legacy/pdf.min.mjs', 'legacy/pdf.worker.min.mjs']) {
      const res = await fetch(`${url}/static/vendor/pdfjs/${f}`);
      expect(res.status, f).toBe(200);
      expect(res.headers.get('content-type'), f).toBe('text/javascript; charset=utf-8');
    }
    expect(WORKSTATION_CSP.replace(' http://127.0.0.1:*', '')).toBe(WEB_CSP);
    // The ZIP writer of the workstation's batch download (installed fflate), exact path only.
    const zip = await fetch(`${url}/static/vendor/fflate/browser.js`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await zip.text()).toMatch(/zipSync/);
    expect((await fetch(`${url}/static/vendor/fflate/browser.js/x`)).status).toBe(404);
  });

  it('serves each page at its public path with the strict CSP and no-cache', async () => {
    for (const [path, file] of Object.entries(WEB_PAGES)) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(readFileSync(join(WEB, file), 'utf8'));
      const csp = res.headers.get('content-security-policy') ?? '';
      // The workstation may also reach the official's loopback signing agent (docs/workstation.md), nothing else.
      expect(csp).toBe(path === '/workstation' ? WORKSTATION_CSP : WEB_CSP);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('has a CSP that allows only same-origin files and nothing inline', () => {
    const directives = Object.fromEntries(
      WEB_CSP.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(WEB_CSP).not.toMatch(/unsafe-|data:|\*|https?:/);
  });

  it('serves scripts as JavaScript (module scripts need it) and CSS as text/css', async () => {
    const js = await fetch(`${url}/static/js/verify.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(WEB_CSP);
    const css = await fetch(`${url}/static/kyso.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const svg = await fetch(`${url}/static/favicon.svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });

  it('revalidates with ETag (304) instead of caching blindly', async () => {
    const first = await fetch(`${url}/static/js/verify.js`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // An explicit Cache-Control stops fetch() from adding "no-cache" to a conditional request
    // (Fetch standard, HTTP-network-or-cache fetch step 17), as a browser revalidation does.
    const again = await fetch(`${url}/static/js/verify.js`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('never serves files outside web/static, dotfiles or other methods', async () => {
    for (const path of [
      '/static/../package.json',
      '/static/%2e%2e/package.json',
      '/static/..%2fpackage.json',
      '/index.html',
      '/static/.env',
      '/static/js/',
    ]) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe('fell through');
    }
    const post = await fetch(`${url}/`, { method: 'POST', body: 'x' });
    expect(await post.text()).toBe('fell through');
  });

  it('answers HEAD', async () => {
    const res = await fetch(`${url}/verify/copy`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(WEB_CSP);
  });

  it('refuses a web directory without the pages (CONFIG_INVALID at start-up, not a 500 later)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    try {
      mountWeb(express(), { webDir: dir });
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('CONFIG_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
