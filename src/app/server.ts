import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp, type HttpDeps, type KysoHttpApp } from '../http/create-app.js';
import type { KysoContext } from './context.js';
import { VERSION } from './version.js';
import { AppError } from '../core/errors.js';
import { loopbackNotice } from '../config/public-url.js';
import { metricsOf, readinessOf } from './observability.js';
import { OidcSignIn } from '../accounts/oidc-sign-in.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly http: KysoHttpApp;
  /** Stops accepting, lets in-flight requests finish (bounded), stops timers. Idempotent. */
  close(): Promise<void>;
}

/** Extra dependencies contributed by services as they are wired (PKI, signing, verify, …). */
export type ServiceDeps = Omit<
  HttpDeps,
  'clock' | 'log' | 'version' | 'publicUrl' | 'limits' | 'rateLimit' | 'tokens' | 'health' | 'audit' | 'idempotency'
>;

export async function startServer(
  ctx: KysoContext,
  o: {
    port?: number;
    host?: string;
    services?: ServiceDeps;
    health?: () => Promise<Record<string, unknown>>;
    timers?: NodeJS.Timeout[];
  } = {},
): Promise<RunningServer> {
  const c = ctx.config;
  const observed = metricsOf(ctx);
  const http = createHttpApp({
    clock: ctx.clock,
    log: ctx.log,
    version: VERSION,
    publicUrl: c.publicUrl,
    limits: { jsonBytes: c.jsonLimitBytes, uploadBytes: c.uploadLimitBytes, requestBytes: c.requestLimitBytes },
    rateLimit: c.rateLimit,
    ...(c.trustProxy !== undefined ? { trustProxy: c.trustProxy } : {}),
    tokens: ctx.tokens,
    audit: ctx.audit,
    idempotency: ctx.idempotency,
    people: {
      accounts: ctx.accounts,
      sessions: ctx.sessions,
      signIn: ctx.signIn,
      ...(c.signIn.oidc
        ? {
            oidc: new OidcSignIn({ settings: c.signIn.oidc, pending: ctx.store.oidcPending, signIn: ctx.signIn, clock: ctx.clock }),
            oidcRedirectUri: c.signIn.oidc.redirectUri,
          }
        : {}),
    },
    health: async () => {
      await ctx.store.ping();
      return {
        database: ctx.store.dialect,
        environment: c.environment,
        publicUrl: c.publicUrl,
        ...(c.publicUrlIsLoopback ? { publicUrlWarning: loopbackNotice(c.publicUrl) } : {}),
        ...(o.health ? await o.health() : {}),
      };
    },
    ready: readinessOf(ctx),
    metrics: observed.metrics,
    ...(c.metricsToken ? { metricsToken: c.metricsToken } : {}),
    ...(o.services ?? {}),
  });
  const server: Server = createServer({ requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: 5_000 }, http.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${o.host ?? c.host}:${o.port ?? c.port}`;
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
        reject(
          new AppError(
            'CONFIG_INVALID',
            `cannot listen on ${where} (${e.code === 'EADDRINUSE' ? 'port in use' : e.code === 'EACCES' ? 'permission denied' : 'address not available'})`,
            { cause: e },
          ),
        );
      } else reject(e);
    });
    server.listen(o.port ?? c.port, o.host ?? c.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    http,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of o.timers ?? []) clearInterval(t);
        observed.stop();
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get 10 s, then their sockets are cut.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      return closing;
    },
  };
}
