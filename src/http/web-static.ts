import express, { type Express, type Response } from 'express';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.js';
import { defineRoute, type RouteSpec } from './route.js';

/**
 * Serves the static public pages in web/ (citizen verification, certified-copy lookup, officials'
 * workstation). They are plain HTML + CSS + ES modules with no inline script or style, so a
 * strict Content-Security-Policy (CSP Level 3, W3C) can forbid everything but same-origin files:
 * an uploaded document's text is only ever rendered with textContent, and even a mistake there
 * could not run injected script.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The workstation page also talks to the official's own `kyso agent` on the loopback interface
 * (docs/workstation.md): connect-src adds http://127.0.0.1 on any port, nothing else.
 */
export const WORKSTATION_CSP = WEB_CSP.replace("connect-src 'self'", "connect-src 'self' http://127.0.0.1:*");

/** Pages by public path. /verify/copy is where the QR code on a certified copy points (copy-service lookupUrl). */
export const WEB_PAGES: Readonly<Record<string, string>> = Object.freeze({
  '/': 'index.html',
  '/verify/copy': 'copy.html',
  '/workstation': 'workstation.html',
  '/audit': 'audit.html',
  '/login': 'login.html',
});

/** web/ next to src/ or dist/ (this file sits at <root>/{src,dist}/http/web-static.*). */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../web', import.meta.url));
}

function securityHeaders(res: Response, csp = WEB_CSP): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // The copy page URL carries the verification code: never leak it in a Referer header.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  // No content hashes in the file names, so every load revalidates (ETag / Last-Modified → 304):
  // a page and its scripts can never be mixed across two deployments.
  res.setHeader('Cache-Control', 'no-cache');
}

/**
 * The pages as route specs, so they are registered like every other route and described in the
 * OpenAPI document (text/html, public).
 */
export function webPageRoutes(webDir: string): RouteSpec[] {
  const root = resolve(webDir);
  return Object.entries(WEB_PAGES).map(([path, file]) =>
    defineRoute({
      method: 'get',
      path,
      operationId: `page${file.replace(/\.html$/, '').replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`,
      summary: `Web page ${file} (static HTML; strict CSP).`,
      tag: 'web',
      auth: 'public',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
      handle({ res }) {
        return new Promise<void>((done, fail) => {
          securityHeaders(res, path === '/workstation' ? WORKSTATION_CSP : WEB_CSP);
          res.type('text/html; charset=utf-8');
          res.sendFile(file, { root, dotfiles: 'deny', lastModified: true, etag: true, cacheControl: false }, (err) =>
            err ? fail(err) : done(),
          );
        });
      },
    }),
  );
}

/**
 * pdf.js (the installed pdfjs-dist browser build) for the side-by-side view of the signed revision
 * and the current document: served from this origin, never a CDN, so the CSP stays 'self' only.
 */
export const PDFJS_PATH = '/static/vendor/pdfjs';
const PDFJS_FILES: Readonly<Record<string, string>> = {
  '/pdf.min.mjs': 'build/pdf.min.mjs',
  '/pdf.worker.min.mjs': 'build/pdf.worker.min.mjs',
  // The legacy build runs on the older browsers still found on officials' desks (the workstation uses it).
  '/legacy/pdf.min.mjs': 'legacy/build/pdf.min.mjs',
  '/legacy/pdf.worker.min.mjs': 'legacy/build/pdf.worker.min.mjs',
};
function pdfjsDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
}

/**
 * fflate's browser build, when installed, lets the workstation hand a batch over as one ZIP
 * (the page falls back to one download per file when it is absent).
 */
export const FFLATE_PATH = '/static/vendor/fflate/browser.js';
function fflateBrowserFile(): string | undefined {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('fflate/package.json'));
    const f = join(dir, 'esm', 'browser.js');
    return existsSync(f) ? f : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks the pages exist and mounts /static/* (and, unless `pages: false`, the pages) on `app`. Call it before the app's final 404 handler; it only
 * answers GET/HEAD on its own paths and lets everything else fall through.
 */
export function mountWeb(app: Express, options: { webDir: string; pages?: boolean }): void {
  const webDir = resolve(options.webDir);
  for (const file of Object.values(WEB_PAGES)) {
    const p = join(webDir, file);
    if (!existsSync(p) || !statSync(p).isFile()) {
      throw new AppError('CONFIG_INVALID', `web directory ${webDir} has no ${file}`, { details: { webDir, file } });
    }
  }

  // Stand-alone use (tests, other hosts): serve the pages here too. createHttpApp passes
  // pages: false because it registers webPageRoutes with the API routes (and in OpenAPI).
  if (options.pages !== false) {
    const r = express.Router();
    for (const spec of webPageRoutes(webDir)) {
      r.get(spec.path, (req, res, next) => {
        Promise.resolve(spec.handle({ req, res, params: {}, query: {}, body: undefined, principal: undefined })).catch(next);
      });
    }
    app.use(r);
  }

  const pdfjsDir = pdfjsDistDir();
  app.use(PDFJS_PATH, (req, res, next) => {
    const file = Object.hasOwn(PDFJS_FILES, req.path) ? PDFJS_FILES[req.path] : undefined;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !file) return next();
    securityHeaders(res);
    res.type('text/javascript; charset=utf-8');
    res.sendFile(file, { root: pdfjsDir, lastModified: true, etag: true, cacheControl: false }, (err) => err && next(err));
  });
  const fflate = fflateBrowserFile();
  if (fflate) {
    // Middleware like the pdf.js files (static assets, not API routes): only GET/HEAD of the exact path.
    app.use(FFLATE_PATH, (req, res, next) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/') return next();
      securityHeaders(res);
      res.type('text/javascript; charset=utf-8');
      res.sendFile(fflate, { lastModified: true, etag: true, cacheControl: false }, (err) => err && next(err));
    });
  }
  app.use(
    '/static',
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      securityHeaders(res);
      next();
    },
    express.static(join(webDir, 'static'), {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      fallthrough: true,
      etag: true,
      lastModified: true,
      cacheControl: false,
      setHeaders(res, filePath) {
        // ES modules must be served with a JavaScript MIME type (HTML §8.1.5.3 "module script").
        if (filePath.endsWith('.js')) res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      },
    }),
  );
}
