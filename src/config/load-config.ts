import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parsePkcs11Uri } from '../keys/pkcs11-uri.js';
import { AppError } from '../core/errors.js';
import { parseSignInConfig, type SignInConfig } from './sign-in.js';
import { maskUrlCredentials } from '../core/url-credentials.js';
import { OPTIONS, LOG_LEVELS, absolutePath, invalid, parseInteger, parseUrl, type LogLevel } from './options.js';
import { isLoopbackUrl, readPersistedPublicUrl, type PublicUrlSource } from './public-url.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

export type DatabaseConfig = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };

/** The validated, frozen configuration (docs/architecture.md convention 10). */
export interface KysoConfig {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  /** Express `trust proxy`: hop count or the proxies' addresses; undefined = X-Forwarded-For ignored. */
  readonly trustProxy: TrustProxy | undefined;
  readonly database: DatabaseConfig;
  /** Base URL without trailing slash. */
  readonly publicUrl: string;
  /** Where publicUrl came from (src/config/public-url.ts). */
  readonly publicUrlSource: PublicUrlSource;
  /** True when publicUrl is a loopback address no one else can reach (development only). */
  readonly publicUrlIsLoopback: boolean;
  readonly environment: 'development' | 'production';
  /** Folder of signed copies; undefined = the default for the database (src/app/certified-copies.ts). */
  readonly copyStoreDir: string | undefined;
  /** Master secret text from the environment (64 hex digits or base64 of 32 bytes), or undefined to use `masterKeyFile`. Never log it. */
  readonly masterKey: string | undefined;
  readonly masterKeyFile: string;
  /** Where init generates CA keys: the encrypted store or a PKCS#11 token (its label). */
  readonly keyStore: { readonly kind: 'encrypted' } | { readonly kind: 'pkcs11'; readonly uri: string; readonly token: string };
  /** PKCS#11 module path and user PIN (never log the PIN); undefined when no token is configured. */
  readonly pkcs11: { readonly modulePath: string; readonly pin: string } | undefined;
  readonly uploadLimitBytes: number;
  readonly requestLimitBytes: number;
  readonly jsonLimitBytes: number;
  readonly rateLimit: { readonly perMinute: number; readonly burst: number };
  readonly crlIntervalSeconds: number;
  readonly crlValiditySeconds: number;
  readonly ocspCacheSeconds: number;
  readonly tsaPolicyOid: string;
  /** 0 = no scheduled audit checkpoints. */
  readonly auditCheckpointSeconds: number;
  /** 0 = no periodic audit self-check. */
  readonly auditSelfCheckSeconds: number;
  readonly auditFullCheckSeconds: number;
  readonly province: string;
  readonly trustAnchorsDir: string;
  readonly logLevel: LogLevel;
  /** RA officers may issue over HTTP without an approved request (own organization only). */
  readonly directIssuance: boolean;
  /** Bearer token for /metrics from outside loopback; undefined = loopback only. Never log it. */
  readonly metricsToken: string | undefined;
  /** Idempotency-Key retention and the hold of a running request on its key. */
  readonly idempotency: { readonly ttlSeconds: number; readonly leaseSeconds: number };
  /** Sessions, sign-in limits and OpenID Connect (src/config/sign-in.ts). */
  readonly signIn: SignInConfig;
  /** Exact origins (scheme://host:port) job webhooks may be sent to. */
  readonly webhookAllowList: readonly string[];
  readonly jobLeaseSeconds: number;
}

export type ConfigOverrides = Partial<Record<string, string | number | undefined>>;

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags; they win over env and file. */
  overrides?: ConfigOverrides;
  /** Base for relative paths (default process.cwd()). */
  cwd?: string;
}

function readFileValues(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `config file ${path} cannot be read`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `config file ${path} is not valid JSON`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('CONFIG_INVALID', `config file ${path} must hold a JSON object`);
  }
  const known = new Set(OPTIONS.map((o) => o.key));
  for (const k of Object.keys(parsed)) if (!known.has(k)) invalid(k, `unknown option in ${path}`);
  return parsed as Record<string, unknown>;
}

const OID_RE = /^[0-2](\.(0|[1-9]\d*))+$/;

/**
 * Parse env (+ optional JSON file) once. Throws AppError CONFIG_INVALID naming the option;
 * callers (serve, CLI) fail fast on it.
 */
export function loadConfig(opts: LoadConfigOptions = {}): KysoConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = env.KYSO_CONFIG ? readFileValues(absolutePath(env.KYSO_CONFIG, cwd)) : {};
  const overrides = opts.overrides ?? {};

  /** Raw string value of an option or undefined when nothing sets it. */
  const raw = (key: string): string | undefined => {
    const def = OPTIONS.find((o) => o.key === key);
    if (!def) throw new TypeError(`unknown config key ${key}`);
    const o = overrides[key];
    if (o !== undefined && o !== '') return String(o);
    const e = env[def.env];
    if (e !== undefined && e !== '') return e;
    const f = file[key];
    if (f !== undefined && f !== null) {
      if (typeof f !== 'string' && typeof f !== 'number') invalid(key, 'must be a string or number in the config file');
      return String(f);
    }
    return undefined;
  };

  const dataDir = absolutePath(raw('dataDir') ?? './data', cwd);
  const port = parseInteger('port', raw('port') ?? '3000', 0, 65535);
  const host = raw('host') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) invalid('host', 'not a host name or address');
  const trustProxy = parseTrustProxy(raw('trustProxy'));

  const dbRaw = raw('databaseUrl');
  let database: DatabaseConfig;
  if (dbRaw === undefined) database = { kind: 'sqlite', file: join(dataDir, 'kyso.sqlite') };
  else if (dbRaw.startsWith('sqlite:')) {
    const p = dbRaw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!p) invalid('databaseUrl', 'sqlite: needs a file path');
    database = { kind: 'sqlite', file: p === ':memory:' ? p : absolutePath(p, cwd) };
  } else if (/^postgres(ql)?:\/\//.test(dbRaw)) {
    parseUrl('databaseUrl', dbRaw, ['postgres:', 'postgresql:']);
    database = { kind: 'postgres', url: dbRaw };
  } else invalid('databaseUrl', 'use sqlite:PATH or postgres://…');

  const environment = raw('environment') ?? 'development';
  if (environment !== 'development' && environment !== 'production') invalid('environment', 'must be development or production');
  const configuredUrl = raw('publicUrl');
  const persistedUrl = configuredUrl === undefined ? readPersistedPublicUrl(dataDir) : undefined;
  const publicUrlSource: PublicUrlSource =
    configuredUrl !== undefined ? 'configured' : persistedUrl !== undefined ? 'persisted' : 'default';
  const pub = parseUrl('publicUrl', configuredUrl ?? persistedUrl ?? `http://127.0.0.1:${port}`, ['http:', 'https:']);
  if (pub.search || pub.hash) invalid('publicUrl', 'must not carry a query or fragment');
  const publicUrl = pub.href.replace(/\/+$/, '');
  const publicUrlIsLoopback = isLoopbackUrl(publicUrl);
  if (environment === 'production' && (publicUrlSource !== 'configured' || publicUrlIsLoopback))
    invalid(
      'publicUrl',
      publicUrlSource !== 'configured'
        ? "KYSO_PUBLIC_URL must be set in production: certificates and copies' QR codes carry it for good"
        : `KYSO_PUBLIC_URL ${publicUrl} is a loopback address; production certificates and QR codes need a URL others can reach`,
    );
  // Over http the session cookie cannot be Secure (src/http/auth/session-cookie.ts): it would cross
  // the network in clear text, and certificates would carry an http URL for good.
  if (environment === 'production' && pub.protocol !== 'https:')
    invalid(
      'publicUrl',
      `KYSO_PUBLIC_URL ${publicUrl} is not https; production needs https (TLS at the reverse proxy), or the sign-in cookie would be sent without Secure; http is for development only`,
    );

  const copyStoreRaw = raw('copyStoreDir');
  const copyStoreDir = copyStoreRaw === undefined ? undefined : absolutePath(copyStoreRaw, cwd);

  const mkRaw = raw('masterKey');
  const masterKey = mkRaw?.trim();
  if (masterKey !== undefined) {
    const ok =
      /^[0-9a-fA-F]{64}$/.test(masterKey) ||
      (/^[A-Za-z0-9+/_-]{43}=?$/.test(masterKey) && Buffer.from(masterKey.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32);
    if (!ok) invalid('masterKey', 'must be 32 bytes written as 64 hex digits or base64 (the value is not shown)');
  }

  const keyStoreRaw = (raw('keyStore') ?? 'encrypted').trim();
  let keyStore: KysoConfig['keyStore'] = { kind: 'encrypted' };
  if (keyStoreRaw !== 'encrypted') {
    const token = keyStoreRaw.toLowerCase().startsWith('pkcs11:') ? parsePkcs11Uri(keyStoreRaw)?.token : undefined;
    if (token === undefined || token === '')
      invalid('keyStore', 'must be `encrypted` or a PKCS#11 URI naming its token, e.g. pkcs11:token=kyso-ca');
    keyStore = { kind: 'pkcs11', uri: keyStoreRaw, token };
  }
  const pkcs11Module = raw('pkcs11Module');
  const pkcs11Pin = raw('pkcs11Pin');
  if (pkcs11Module !== undefined && !isAbsolute(pkcs11Module)) invalid('pkcs11Module', 'must be an absolute path to the module');
  if ((pkcs11Module === undefined) !== (pkcs11Pin === undefined))
    invalid(pkcs11Module === undefined ? 'pkcs11Module' : 'pkcs11Pin', 'KYSO_PKCS11_MODULE and KYSO_PKCS11_PIN go together');
  if (keyStore.kind === 'pkcs11' && pkcs11Module === undefined)
    invalid('pkcs11Module', 'a PKCS#11 key store needs KYSO_PKCS11_MODULE and KYSO_PKCS11_PIN');
  const pkcs11 =
    pkcs11Module !== undefined && pkcs11Pin !== undefined ? Object.freeze({ modulePath: pkcs11Module, pin: pkcs11Pin }) : undefined;

  const uploadLimitBytes = parseInteger('uploadLimitBytes', raw('uploadLimitBytes') ?? '52428800', 1024, 2 ** 31);
  const requestLimitBytes = parseInteger(
    'requestLimitBytes',
    raw('requestLimitBytes') ?? String(Math.max(104857600, uploadLimitBytes)),
    1024,
    2 ** 32,
  );
  if (requestLimitBytes < uploadLimitBytes)
    invalid('requestLimitBytes', 'must be at least uploadLimitBytes (one file is part of a request)');
  const jsonLimitBytes = parseInteger('jsonLimitBytes', raw('jsonLimitBytes') ?? '1048576', 1024, 2 ** 28);
  const perMinute = parseInteger('rateLimitPerMinute', raw('rateLimitPerMinute') ?? '600', 0, 10_000_000);
  const burst = parseInteger('rateLimitBurst', raw('rateLimitBurst') ?? '120', 1, 10_000_000);
  const crlIntervalSeconds = parseInteger('crlIntervalSeconds', raw('crlIntervalSeconds') ?? '3600', 1, 30 * 86400);
  const crlValiditySeconds = parseInteger('crlValiditySeconds', raw('crlValiditySeconds') ?? '86400', 60, 365 * 86400);
  if (crlValiditySeconds <= crlIntervalSeconds)
    invalid('crlValiditySeconds', 'must exceed crlIntervalSeconds so a CRL never expires before the next one');
  const ocspCacheSeconds = parseInteger('ocspCacheSeconds', raw('ocspCacheSeconds') ?? '300', 1, 7 * 86400);
  const auditCheckpointSeconds = parseInteger('auditCheckpointSeconds', raw('auditCheckpointSeconds') ?? '3600', 0, 30 * 86400);
  const auditSelfCheckSeconds = parseInteger('auditSelfCheckSeconds', raw('auditSelfCheckSeconds') ?? '300', 0, 30 * 86400);
  const auditFullCheckSeconds = parseInteger('auditFullCheckSeconds', raw('auditFullCheckSeconds') ?? '86400', 1, 365 * 86400);
  const tsaPolicyOid = raw('tsaPolicyOid') ?? '1.3.6.1.4.1.59999.1.3.1';
  if (!OID_RE.test(tsaPolicyOid)) invalid('tsaPolicyOid', `not a dotted OID: ${JSON.stringify(tsaPolicyOid)}`);
  const province = raw('province') ?? 'Quảng Ninh';
  if (province.trim() === '' || province.length > 128) invalid('province', 'must be 1-128 characters');
  const trustAnchorsDir = absolutePath(raw('trustAnchorsDir') ?? 'certs', cwd);
  const directIssuanceRaw = raw('directIssuance') ?? 'off';
  if (directIssuanceRaw !== 'on' && directIssuanceRaw !== 'off') invalid('directIssuance', 'must be on or off');
  const idemTtl = parseInteger('idempotencyTtlSeconds', raw('idempotencyTtlSeconds') ?? '86400', 60, 30 * 86400);
  const idemLease = parseInteger('idempotencyLeaseSeconds', raw('idempotencyLeaseSeconds') ?? '600', 10, 86400);
  if (idemLease >= idemTtl) invalid('idempotencyLeaseSeconds', 'must be shorter than idempotencyTtlSeconds');
  const webhookAllowList = Object.freeze(
    (raw('webhookAllowList') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => webhookOrigin(s)),
  );
  const jobLeaseSeconds = parseInteger('jobLeaseSeconds', raw('jobLeaseSeconds') ?? '120', 1, 86400);
  const logLevel = (raw('logLevel') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) invalid('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);

  const metricsToken = raw('metricsToken');
  if (metricsToken !== undefined && metricsToken.length < 32) invalid('metricsToken', 'must be at least 32 characters');

  const config: KysoConfig = {
    dataDir,
    port,
    host,
    trustProxy,
    database: Object.freeze(database),
    publicUrl,
    publicUrlSource,
    publicUrlIsLoopback,
    environment,
    copyStoreDir,
    masterKey,
    masterKeyFile: join(dataDir, 'master.key'),
    keyStore: Object.freeze(keyStore),
    pkcs11,
    uploadLimitBytes,
    requestLimitBytes,
    jsonLimitBytes,
    rateLimit: Object.freeze({ perMinute, burst }),
    crlIntervalSeconds,
    crlValiditySeconds,
    ocspCacheSeconds,
    tsaPolicyOid,
    auditCheckpointSeconds,
    auditSelfCheckSeconds,
    auditFullCheckSeconds,
    province,
    trustAnchorsDir,
    logLevel,
    directIssuance: directIssuanceRaw === 'on',
    metricsToken,
    idempotency: Object.freeze({ ttlSeconds: idemTtl, leaseSeconds: idemLease }),
    signIn: parseSignInConfig(raw, publicUrl),
    webhookAllowList,
    jobLeaseSeconds,
  };
  return Object.freeze(config);
}

/** An allow-list entry: an exact origin, https, or http on 127.0.0.1 (local receivers in tests). */
function webhookOrigin(s: string): string {
  const u = parseUrl('webhookAllowList', s, ['https:', 'http:']);
  if (u.protocol === 'http:' && u.hostname !== '127.0.0.1') invalid('webhookAllowList', `http is allowed only for 127.0.0.1: ${u.origin}`);
  if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    invalid('webhookAllowList', `entries are origins (scheme://host[:port]) only: ${JSON.stringify(s)}`);
  return u.origin;
}

/** The config as safe to print: secrets replaced, database password hidden. */
export function describeConfig(c: KysoConfig): Record<string, unknown> {
  const db = c.database.kind === 'postgres' ? { kind: 'postgres', url: maskUrlCredentials(c.database.url) } : c.database;
  const oidc = c.signIn.oidc && { ...c.signIn.oidc, clientSecret: '(set)' };
  return {
    ...c,
    database: db,
    masterKey: c.masterKey ? '(set from KYSO_MASTER_KEY)' : undefined,
    metricsToken: c.metricsToken ? '(set)' : undefined,
    pkcs11: c.pkcs11 ? { modulePath: c.pkcs11.modulePath, pin: '(set from KYSO_PKCS11_PIN)' } : undefined,
    signIn: { ...c.signIn, oidc },
  };
}
