import express, { type Request, type Response, type Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { TEXT_UNSAFE_ISSUE } from './safe-text-schema.js';
import type { Principal, Role } from './auth/api-tokens.js';
import { requireRole } from './auth/middleware.js';
import { isReplySent } from './idempotency/gate.js';
import type { IdempotencyService } from './idempotency/idempotency-service.js';
import { idempotencyKeyOf } from './idempotency/key-header.js';
import { jsonDigest, NO_BODY } from './idempotency/request-digest.js';

/**
 * One route = one spec object: the Express registration and its OpenAPI operation come from the
 * same value, so the document cannot drift from what is served. Handlers stay thin
 * (docs/architecture.md convention 12): parse → validate (zod, here) → call one service → render.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  readonly description: string;
  /** Default application/json. */
  readonly contentType?: string;
  readonly schema?: z.ZodType;
}

export interface HandlerContext<P, Q, B> {
  readonly req: Request;
  readonly res: Response;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Present on authenticated routes. */
  readonly principal: Principal | undefined;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  readonly method: Method;
  /** Express 5 path syntax (`:id`, `*rest`); converted to `{id}` for OpenAPI. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** 'public' or the roles allowed (least privilege). */
  readonly auth: 'public' | readonly Role[];
  /** Public routes that cost CPU (verify, lookup, OCSP, CRL) go through the per-IP token bucket. */
  readonly rateLimited?: boolean;
  /**
   * A creating POST that honours `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header):
   * a retry with the same key gets the first answer instead of a second resource. New creating
   * routes opt in with this one flag; a handler whose answer carries a secret also calls
   * `withholdFromReplay` (src/http/idempotency/gate.ts).
   */
  readonly idempotent?: boolean;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  /** JSON request body schema. */
  readonly body?: z.ZodType<B>;
  /** Non-JSON request bodies (multipart, OCSP DER), documented here and read by the handler. */
  readonly rawBody?: { readonly contentType: string; readonly description: string; readonly schema?: Record<string, unknown> };
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  handle(ctx: HandlerContext<P, Q, B>): Promise<void> | void;
}

/** Identity helper that keeps P/Q/B inferred from the schemas. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** A zod failure as an AppError: TEXT_UNSAFE when a text field holds an unsafe character, else VALIDATION_FAILED. */
export function validationError(where: string, err: z.ZodError): AppError {
  const issues = err.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  const unsafe = err.issues.findIndex((i) => i.code === 'custom' && i.params?.appCode === TEXT_UNSAFE_ISSUE);
  if (unsafe >= 0) {
    const field = issues[unsafe]!.path;
    return new AppError('TEXT_UNSAFE', `${field}: ${issues[unsafe]!.message}`, { details: { field, issues } });
  }
  const first = issues[0];
  return new AppError('VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : `invalid ${where}`, { details: { issues } });
}

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

export interface MountOptions {
  readonly authenticate: RequestHandler;
  readonly rateLimit: RequestHandler;
  readonly jsonLimitBytes: number;
  /** Idempotent retries; without it (bare test apps) the Idempotency-Key header is ignored. */
  readonly idempotency?: IdempotencyService | undefined;
}

/** Registers each spec on the router with its auth, rate-limit, body-parser and validation. */
export function mountRoutes(router: Router, specs: readonly RouteSpec[], o: MountOptions): void {
  const json = express.json({ limit: o.jsonLimitBytes, strict: true, type: ['application/json', 'application/*+json'] });
  for (const spec of specs) {
    // Names the matched route for the request log and the metrics (labels stay bounded: the
    // route's path template, never the concrete URL).
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = { path: spec.path, operationId: spec.operationId };
        next();
      },
    ];
    if (spec.rateLimited) chain.push(o.rateLimit);
    if (spec.auth !== 'public') chain.push(o.authenticate, requireRole(spec.auth));
    if (spec.body) {
      chain.push((req, _res, next) => {
        const len = Number(req.headers['content-length'] ?? 0);
        const hasBody = len > 0 || req.headers['transfer-encoding'] !== undefined;
        if (hasBody && !req.is(['application/json', 'application/*+json'])) {
          return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'));
        }
        next();
      }, json);
    }
    chain.push((req, res, next) => {
      void (async () => {
        const params = parseWith(spec.params, req.params, 'params');
        const query = parseWith(spec.query, req.query, 'query');
        const body = spec.body ? parseWith(spec.body, req.body ?? {}, 'body') : undefined;
        const principal = res.locals.principal as Principal | undefined;
        const key = spec.idempotent && o.idempotency && principal ? idempotencyKeyOf(req) : undefined;
        if (key !== undefined && principal) {
          const gate = o.idempotency!.open(req, res, principal, key);
          // Uploads are claimed by the body reader once every part is in (src/http/body.ts).
          if (!spec.rawBody) await gate.claim(spec.body ? jsonDigest(req.body ?? {}) : NO_BODY);
        }
        await spec.handle({ req, res, params, query, body, principal });
      })().catch((err: unknown) => {
        if (!isReplySent(err)) next(err);
      });
    });
    router[spec.method](spec.path, ...chain);
  }
}

/** Express path → OpenAPI path template. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The route template and operation a request matched, set by `mountRoutes`; undefined for unmatched paths. */
export function matchedRoute(res: Response): { readonly path: string; readonly operationId: string } | undefined {
  return res.locals.route as { path: string; operationId: string } | undefined;
}

export function sendJson(res: Response, status: number, value: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(value));
}

/** 201 Created with the new resource's URL in Location (RFC 9110 §15.3.2) and its JSON view. */
export function sendCreated(res: Response, location: string, value: unknown): void {
  res.setHeader('Location', location);
  sendJson(res, 201, value);
}
