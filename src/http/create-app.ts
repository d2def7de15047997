import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiTokenService } from './auth/api-tokens.js';
import { authenticate } from './auth/middleware.js';
import type { Logger } from './log.js';
import { sendProblem } from './problem.js';
import type { ServiceMetrics } from './metrics.js';
import { runInRequest } from './request-context.js';
import type { ReadinessReport } from '../core/readiness.js';
import { rateLimit, TokenBucketLimiter } from './rate-limit.js';
import { matchedRoute, mountRoutes, type RouteSpec } from './route.js';
import type { IdempotencyService } from './idempotency/idempotency-service.js';
import { buildOpenApi } from './openapi.js';
import { systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { auditRoutes } from './routes/audit.js';
import { auditTreeRoutes, type AuditTreePort } from './routes/audit-tree.js';
import { pkiPublicRoutes, type PkiPublicPort } from './routes/pki-public.js';
import { signingRoutes, type SigningPort } from './routes/signing.js';
import { twoPhaseBatchRoutes } from './routes/signing-two-phase-batch.js';
import { certificateRoutes, type PkiAdminPort } from './routes/certificates.js';
import { caRevocationRoutes } from './routes/ca-revocation.js';
import { raRoutes, type RaPort } from './routes/ra.js';
import { verifyRoutes, type VerifyPort } from './routes/verify.js';
import { tsaRoutes, type TsaPort } from './routes/tsa.js';
import { extendRoutes, type ExtendPort } from './routes/extend.js';
import { copiesRoutes, type CopiesPort } from './routes/copies.js';
import { jobRoutes, type JobsPort } from './routes/jobs.js';
import { defaultWebDir, mountWeb, webPageRoutes } from './web-static.js';
import type { AccountService } from '../accounts/account-service.js';
import type { SessionService } from '../accounts/sessions.js';
import type { SignInService } from '../accounts/sign-in-service.js';
import type { OidcSignIn } from '../accounts/oidc-sign-in.js';
import { cookiePolicy, oidcCookiePolicy } from './auth/session-cookie.js';
import { sessionRoutes } from './routes/session.js';
import { accountRoutes } from './routes/accounts.js';
import { oidcRoutes } from './routes/oidc.js';

/** Everything the HTTP edge needs, constructed by src/app (no globals, constructor injection). */
export interface HttpDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly version: string;
  readonly publicUrl: string;
  readonly limits: { readonly jsonBytes: number; readonly uploadBytes: number; readonly requestBytes?: number };
  readonly rateLimit: { readonly perMinute: number; readonly burst: number };
  readonly tokens: ApiTokenService;
  /** Readiness facts for GET /health (database reachable, CAs present, …). */
  readonly health: () => Promise<Record<string, unknown>>;
  /** Readiness for GET /ready (database, migrations, CA keys, responder certificates). */
  readonly ready?: () => Promise<ReadinessReport>;
  /** Prometheus registry behind GET /metrics; requests are counted into it. */
  readonly metrics?: ServiceMetrics;
  /** KYSO_METRICS_TOKEN: operator access to /metrics from outside loopback. */
  readonly metricsToken?: string;
  readonly audit?: AuditLog;
  /** Idempotency-Key on creating POSTs (draft-ietf-httpapi-idempotency-key-header); absent = header ignored. */
  readonly idempotency?: IdempotencyService;
  /** Merkle proofs and signed checkpoints of the audit log (RFC 9162). */
  readonly auditTree?: AuditTreePort;
  /** CA certificates, CRLs, OCSP under /pki. */
  readonly pkiPublic?: PkiPublicPort;
  /** CAs, certificates, lifecycle (RFC 5280). */
  readonly pkiAdmin?: PkiAdminPort;
  /** Registration authority: subscribers, requests, approval. */
  readonly ra?: RaPort;
  /** Signature verification (ETSI EN 319 102-1), public. */
  readonly verify?: VerifyPort;
  /** B-LTA upkeep: POST /api/v1/extend (ETSI EN 319 142-1). */
  readonly extend?: ExtendPort;
  /** RFC 3161 TSA at POST /tsa. */
  readonly tsa?: TsaPort;
  /** Certified copies and registers (Decree 23/2015/NĐ-CP). */
  readonly copies?: CopiesPort;
  /** PAdES signing (ETSI EN 319 142-1). */
  readonly signing?: SigningPort;
  /** Jobs for long work (docs/jobs.md). */
  readonly jobs?: JobsPort;
  /** The citizen and workstation pages (web/); defaults to the shipped folder. */
  readonly webDir?: string;
  /** People's sign-in (docs/sign-in.md): sessions in cookies beside Bearer tokens. */
  readonly people?: {
    readonly accounts: AccountService;
    readonly sessions: SessionService;
    readonly signIn: SignInService;
    readonly oidc?: OidcSignIn;
    /** Registered redirect URI (KYSO_OIDC_REDIRECT_URI). */
    readonly oidcRedirectUri?: string;
  };
  /**
   * KYSO_TRUST_PROXY (src/config/trust-proxy.ts): which proxies' X-Forwarded-For names the client
   * IP (req.ip) for the per-IP limits. Never `true`: trusting every hop lets a client pick its IP.
   */
  readonly trustProxy?: number | readonly string[];
}

export interface KysoHttpApp {
  readonly app: Express;
  readonly routes: readonly RouteSpec[];
  readonly openapi: Record<string, unknown>;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Maps errors raised by Express' own body parser to our codes. */
function bodyParserError(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'request body is not valid JSON');
  if (type === 'entity.too.large')
    return new AppError('PAYLOAD_TOO_LARGE', 'request body is too large', { details: { limit: (err as { limit?: number }).limit } });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding or charset');
  if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'stream.encoding.set')
    return new AppError('BAD_REQUEST', 'request body could not be read');
  // The router's own failures (e.g. a path with invalid %-encoding) carry a 4xx status.
  if (err instanceof URIError || (err as { status?: unknown })?.status === 400) return new AppError('BAD_REQUEST', 'malformed request URL');
  return undefined;
}

export function createHttpApp(deps: HttpDeps): KysoHttpApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);

  const requestIds: RequestHandler = (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number((process.hrtime.bigint() - start) / 1000n) / 1000;
      const route = matchedRoute(res);
      // Path only: query strings may carry lookup codes; headers (Authorization) are never logged.
      deps.log.info('request', {
        requestId: id,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms,
        actor: (res.locals.principal as { id?: string } | undefined)?.id,
      });
      deps.metrics?.observeRequest({
        method: req.method,
        route: route?.path ?? 'unmatched',
        ...(route ? { operationId: route.operationId } : {}),
        status: res.statusCode,
        seconds: ms / 1000,
      });
    });
    // Every log line written while this request is served carries its id.
    runInRequest({ requestId: id }, next);
  };
  app.use(requestIds);

  const limiter = new TokenBucketLimiter({ ...deps.rateLimit, clock: deps.clock });
  const people = deps.people;
  const cookie = cookiePolicy(deps.publicUrl);
  const sessionAuth = people ? { sessions: people.sessions, cookie, publicUrl: deps.publicUrl } : undefined;
  const sessionDeps = people && { sessions: people.sessions, signIn: people.signIn, cookie, publicUrl: deps.publicUrl };
  const routes: RouteSpec[] = [
    ...systemRoutes(deps, () => openapi),
    ...tokenRoutes(deps.tokens, deps.audit),
    ...(deps.audit ? auditRoutes(deps.audit) : []),
    ...(deps.audit && deps.auditTree ? auditTreeRoutes(deps.auditTree, deps.audit) : []),
    ...(deps.pkiPublic ? pkiPublicRoutes(deps.pkiPublic, deps) : []),
    ...(deps.pkiAdmin ? [...certificateRoutes(deps.pkiAdmin), ...caRevocationRoutes(deps.pkiAdmin.caRevocation)] : []),
    ...(deps.ra ? raRoutes(deps.ra) : []),
    ...(deps.tsa ? tsaRoutes(deps.tsa) : []),
    ...(deps.extend ? extendRoutes(deps.extend, deps.limits) : []),
    ...(deps.copies ? copiesRoutes(deps.copies, deps.limits) : []),
    ...(deps.verify ? verifyRoutes(deps.verify, { clock: deps.clock, ...deps.limits, publicUrl: deps.publicUrl }) : []),
    ...(deps.signing ? signingRoutes(deps.signing, deps.limits) : []),
    ...(deps.signing ? twoPhaseBatchRoutes(deps.signing, deps.limits) : []),
    ...(people && sessionDeps
      ? [
          ...sessionRoutes(sessionDeps),
          ...accountRoutes(people.accounts),
          ...oidcRoutes({
            ...sessionDeps,
            oidc: people.oidc,
            pendingCookie: oidcCookiePolicy(deps.publicUrl),
            redirectUri: people.oidcRedirectUri ?? `${deps.publicUrl}/auth/oidc/callback`,
          }),
        ]
      : []),
    ...(deps.jobs ? jobRoutes(deps.jobs, deps.limits) : []),
    // Pages last so that no page path can shadow an API route.
    ...webPageRoutes(deps.webDir ?? defaultWebDir()),
  ];
  const openapi = buildOpenApi(routes, { publicUrl: deps.publicUrl, version: deps.version });

  const router = express.Router({ strict: false, caseSensitive: true });
  mountRoutes(router, routes, {
    authenticate: authenticate(deps.tokens, sessionAuth),
    rateLimit: rateLimit(limiter),
    jsonLimitBytes: deps.limits.jsonBytes,
    idempotency: deps.idempotency,
  });
  app.use(router);
  // Page files checked, /static mounted; before the 404 handler.
  mountWeb(app, { webDir: deps.webDir ?? defaultWebDir(), pages: false });

  app.use((req, _res, next) => next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const mapped = isAppError(err) ? err : (bodyParserError(err) ?? err);
    // OCSP clients expect an OCSPResponse, not a problem document (RFC 6960 §2.3).
    if (req.path.startsWith('/pki/ocsp') && isAppError(mapped, 'BAD_REQUEST') && !res.headersSent) {
      res.status(200).type('application/ocsp-response').setHeader('Cache-Control', 'no-cache');
      return void res.send(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    }
    sendProblem(req, res, mapped, deps.log);
  };
  app.use(onError);
  return { app, routes, openapi };
}
