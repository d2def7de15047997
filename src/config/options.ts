import { isAbsolute, resolve } from 'node:path';
import { maskUrlCredentials } from '../core/url-credentials.js';
import { AppError } from '../core/errors.js';

/**
 * Every configuration option, documented beside its default (docs/architecture.md convention 10,
 * after node-oidc-provider). `docs/config.md` is rendered from this table and a test keeps the
 * two in sync, so adding an option here without regenerating the doc fails `npm test`.
 *
 * Precedence, highest first: explicit overrides (CLI flags such as `--data`, `--port`), the
 * environment variable, the JSON file named by `KYSO_CONFIG`, the default.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface OptionDef {
  /** Key in the JSON config file and in the overrides object. */
  readonly key: string;
  readonly env: string;
  /** The default as shown in docs; `derive` computes the actual default from earlier options. */
  readonly defaultText: string;
  readonly doc: string;
  readonly secret?: boolean;
}

export const OPTIONS: readonly OptionDef[] = [
  {
    key: 'dataDir',
    env: 'KYSO_DATA',
    defaultText: './data',
    doc: 'Data directory: SQLite database, encrypted key files, master key file, generated CRLs. Created on first start.',
  },
  { key: 'port', env: 'PORT', defaultText: '3000', doc: 'TCP port of the HTTP server (`kyso serve`). 0 picks a free port.' },
  {
    key: 'host',
    env: 'KYSO_HOST',
    defaultText: '127.0.0.1',
    doc: 'Interface to listen on. Loopback by default; put a reverse proxy with TLS in front for production.',
  },
  {
    key: 'trustProxy',
    env: 'KYSO_TRUST_PROXY',
    defaultText: '(unset: X-Forwarded-For ignored)',
    doc: "Which reverse proxies may name the client in `X-Forwarded-For`, so that per-IP limits (sign-in attempts, the costly public endpoints, OpenID Connect sign-in starts) count each client and not the proxy: the number of proxies in front of kyso (`1`: the client is the address the proxy appended; entries the client sent itself are ignored), or a comma-separated list of the proxies' addresses and subnets (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) and the names `loopback`, `linklocal`, `uniquelocal`. `true` and subnets wider than an IPv4 /8 or an IPv6 /8 (IPv4-mapped addresses counting as IPv4) are refused (CONFIG_INVALID): trusting every hop, or hops beyond the operator's network, lets a client pick its own address. Unset, the client IP is the address of the connection, which behind a proxy is the proxy's for every client. See docs/operations.md.",
  },
  {
    key: 'databaseUrl',
    env: 'KYSO_DATABASE_URL',
    defaultText: 'sqlite:<dataDir>/kyso.sqlite',
    doc: '`sqlite:PATH` (embedded, default) or `postgres://user@host:port/db`. Migrations run at start-up.',
  },
  {
    key: 'publicUrl',
    env: 'KYSO_PUBLIC_URL',
    defaultText: 'the URL `kyso init` used (<dataDir>/public-url.json), else http://127.0.0.1:<port>',
    doc: "Public base URL written for good into certificates (CRL distribution points, AIA OCSP and caIssuers) and copies' QR codes and lookup links; `kyso init --public-url URL` sets it too. Every instance uses this URL, never its own port. Required, https, and not a loopback address, when `KYSO_ENV=production`.",
  },
  {
    key: 'environment',
    env: 'KYSO_ENV',
    defaultText: 'development',
    doc: '`development` (a loopback public URL is allowed and announced in the start-up banner and `/health`) or `production` (a missing, loopback or http public URL stops start-up with CONFIG_INVALID: the sign-in cookie is `Secure` only over https).',
  },
  {
    key: 'copyStoreDir',
    env: 'KYSO_COPY_STORE_DIR',
    defaultText: '<dataDir>/copies (SQLite); the database (PostgreSQL)',
    doc: 'Where signed certified copies are kept for download (files named by their SHA-256, mode 0600; each written to a temporary name `.<sha256>.<random>.<pid>.<host>.tmp` and renamed, and at start `kyso serve` removes the temporary files of processes of its host that no longer run). PostgreSQL deployments keep them in the database unless this is set (e.g. a shared volume).',
  },
  {
    key: 'masterKey',
    env: 'KYSO_MASTER_KEY',
    defaultText: '(unset: read <dataDir>/master.key)',
    doc: 'Master secret (32 bytes as 64 hex digits or base64) from which the key-encryption key for keys at rest is derived. When unset, a 0600 file `<dataDir>/master.key` is created at init with a warning (development only).',
    secret: true,
  },
  {
    key: 'keyStore',
    env: 'KYSO_KEY_STORE',
    defaultText: 'encrypted',
    doc: 'Where `kyso init` generates the CA keys (root, issuing CAs, OCSP responders, TSA): `encrypted` (sealed rows in the database under the master key) or a PKCS#11 token as an RFC 7512 URI `pkcs11:token=LABEL` (the keys are generated on the token, non-extractable, and the database keeps only their URIs); `kyso init --key-store URI` sets it too. Subscriber keys delivered as PKCS#12 always stay in the encrypted store. See docs/operations.md.',
  },
  {
    key: 'pkcs11Module',
    env: 'KYSO_PKCS11_MODULE',
    defaultText: '(unset)',
    doc: 'Path of the PKCS#11 module (shared library) of the token holding the CA keys, e.g. `/usr/lib/softhsm/libsofthsm2.so`. Needed by every command that signs with keys on a token (`serve`, `init`, `cert issue`, `crl` …).',
  },
  {
    key: 'pkcs11Pin',
    env: 'KYSO_PKCS11_PIN',
    defaultText: '(unset)',
    doc: 'User PIN of that token, used only for C_Login; never logged or shown by `kyso config show`. Give it from a secret manager, not a config file.',
    secret: true,
  },
  {
    key: 'uploadLimitBytes',
    env: 'KYSO_UPLOAD_LIMIT',
    defaultText: '52428800',
    doc: 'Largest accepted upload (PDF, image, CSR) in bytes, per file; larger files get 413 PAYLOAD_TOO_LARGE.',
  },
  {
    key: 'requestLimitBytes',
    env: 'KYSO_REQUEST_LIMIT',
    defaultText: '104857600 (or KYSO_UPLOAD_LIMIT when larger)',
    doc: 'Largest sum of all parts (files and fields) of one multipart request in bytes, at least KYSO_UPLOAD_LIMIT; over it 413 PAYLOAD_TOO_LARGE (`details.scope` = request). Parts are spooled to 0600 temp files while they arrive, so memory does not grow with the upload.',
  },
  { key: 'jsonLimitBytes', env: 'KYSO_JSON_LIMIT', defaultText: '1048576', doc: 'Largest accepted JSON request body in bytes.' },
  {
    key: 'rateLimitPerMinute',
    env: 'KYSO_RATE_LIMIT',
    defaultText: '600',
    doc: 'Costly public endpoints (verify, copy lookup, TSA): sustained requests per minute per client IP (token bucket refill rate). 0 disables. CA certificates, CRLs and OCSP are not limited: they are cached, cheap, and relying parties behind one NAT must not be refused.',
  },
  {
    key: 'rateLimitBurst',
    env: 'KYSO_RATE_BURST',
    defaultText: '120',
    doc: 'Costly public endpoints: token bucket size per client IP (requests allowed at once).',
  },
  {
    key: 'crlIntervalSeconds',
    env: 'KYSO_CRL_INTERVAL',
    defaultText: '3600',
    doc: "How often each issuing CA's CRL is regenerated in the background (never per revocation).",
  },
  {
    key: 'crlValiditySeconds',
    env: 'KYSO_CRL_VALIDITY',
    defaultText: '86400',
    doc: 'CRL nextUpdate - thisUpdate. Must exceed the regeneration interval.',
  },
  {
    key: 'ocspCacheSeconds',
    env: 'KYSO_OCSP_CACHE',
    defaultText: '300',
    doc: 'Lifetime of a cached signed OCSP response (its nextUpdate - thisUpdate, and HTTP max-age per RFC 5019 §6).',
  },
  {
    key: 'auditCheckpointSeconds',
    env: 'KYSO_AUDIT_CHECKPOINT_INTERVAL',
    defaultText: '3600',
    doc: 'How often `kyso serve` signs a checkpoint of the audit log (tree size, root hash, time; JWS with the audit key, timestamped by the TSA) when events were added since the last one. 0 disables the schedule; `POST /api/v1/audit/checkpoints` and `kyso audit checkpoint` sign one on demand.',
  },
  {
    key: 'auditSelfCheckSeconds',
    env: 'KYSO_AUDIT_SELF_CHECK_INTERVAL',
    defaultText: '300',
    doc: 'How often `kyso serve` checks the audit events added since the last check against the hash chain, the stored Merkle tree and the latest checkpoint; a broken log turns `/health` to `degraded` and is logged as an error. The first check after start and one every full-check interval (next option) re-read the whole log. 0 disables.',
  },
  {
    key: 'auditFullCheckSeconds',
    env: 'KYSO_AUDIT_FULL_CHECK_INTERVAL',
    defaultText: '86400',
    doc: 'Every this many seconds the audit self-check re-reads the whole log and every stored tree node instead of only the new ones (an edit to an old event is found then, or at once by `POST /api/v1/audit/verify` and `kyso audit verify`).',
  },
  {
    key: 'tsaPolicyOid',
    env: 'KYSO_TSA_POLICY',
    defaultText: '1.3.6.1.4.1.59999.1.3.1',
    doc: "TSA policy OID put in every timestamp token (RFC 3161 §2.4.2). Replace with the province's registered arc.",
  },
  {
    key: 'province',
    env: 'KYSO_PROVINCE',
    defaultText: 'Quảng Ninh',
    doc: 'Province name used in CA subjects (ST=) and default subscriber subjects.',
  },
  {
    key: 'trustAnchorsDir',
    env: 'KYSO_TRUST_DIR',
    defaultText: 'certs',
    doc: 'Directory of extra trust anchors (PEM files) imported for verification, e.g. the national root.',
  },
  {
    key: 'directIssuance',
    env: 'KYSO_DIRECT_ISSUANCE',
    defaultText: 'off',
    doc: "`on` lets an RA officer issue over HTTP with `POST /api/v1/certificates` without an approved request, only for registered subscribers of the officer's own organization. Off: RA officers go through requests and a second officer's approval (four eyes). Admins and `kyso cert issue` on the server are not affected.",
  },
  {
    key: 'idempotencyTtlSeconds',
    env: 'KYSO_IDEMPOTENCY_TTL',
    defaultText: '86400',
    doc: 'How long an `Idempotency-Key` and the answer stored for it are kept (per caller). A retry within this time gets the first answer; after it the key is free again and expired keys are purged hourly.',
  },
  {
    key: 'idempotencyLeaseSeconds',
    env: 'KYSO_IDEMPOTENCY_LEASE',
    defaultText: '600',
    doc: 'How long a running request holds its `Idempotency-Key`: retries meanwhile get 409 IDEMPOTENCY_IN_PROGRESS. When an instance dies mid-request, a retry with the same request may run again after this time. Keep it above the longest request (batch signing, large copies).',
  },
  {
    key: 'sessionMaxAgeSeconds',
    env: 'KYSO_SESSION_MAX_AGE',
    defaultText: '28800',
    doc: 'Sign-in sessions of people (docs/sign-in.md): absolute lifetime in seconds from sign-in (8 hours).',
  },
  {
    key: 'sessionIdleSeconds',
    env: 'KYSO_SESSION_IDLE',
    defaultText: '1800',
    doc: 'A session ends after this many seconds without a request (30 minutes); at most KYSO_SESSION_MAX_AGE.',
  },
  {
    key: 'loginMaxFailures',
    env: 'KYSO_LOGIN_MAX_FAILURES',
    defaultText: '5',
    doc: 'Failed sign-ins within KYSO_LOGIN_LOCK seconds that lock an account (or a username that has none) for KYSO_LOGIN_LOCK seconds (429 LOGIN_LOCKED). Concurrent attempts never pass the limit: each reserves its place before the password is checked.',
  },
  {
    key: 'loginMaxFailuresPerIp',
    env: 'KYSO_LOGIN_MAX_FAILURES_IP',
    defaultText: '20',
    doc: 'Failed sign-ins from one client IP within KYSO_LOGIN_LOCK seconds that lock that IP out of sign-in (all accounts) for KYSO_LOGIN_LOCK seconds.',
  },
  {
    key: 'loginLockSeconds',
    env: 'KYSO_LOGIN_LOCK',
    defaultText: '900',
    doc: 'Length of a sign-in lock and of the per-IP counting window, in seconds.',
  },
  {
    key: 'oidcIssuer',
    env: 'KYSO_OIDC_ISSUER',
    defaultText: '(unset: OpenID Connect sign-in off)',
    doc: "Issuer URL of the province's OpenID Connect identity provider (discovery at `<issuer>/.well-known/openid-configuration`). https only, unless KYSO_OIDC_INSECURE_LOOPBACK=on and the issuer is on a loopback address.",
  },
  {
    key: 'oidcClientId',
    env: 'KYSO_OIDC_CLIENT_ID',
    defaultText: '(required with an issuer)',
    doc: "kyso's client id at the identity provider.",
  },
  {
    key: 'oidcClientSecret',
    env: 'KYSO_OIDC_CLIENT_SECRET',
    defaultText: '(required with an issuer)',
    doc: "kyso's client secret (client_secret_basic). Never printed by `kyso config show`.",
    secret: true,
  },
  {
    key: 'oidcRedirectUri',
    env: 'KYSO_OIDC_REDIRECT_URI',
    defaultText: '<publicUrl>/auth/oidc/callback',
    doc: 'The redirect URI registered for kyso at the identity provider.',
  },
  { key: 'oidcScope', env: 'KYSO_OIDC_SCOPE', defaultText: 'openid profile', doc: 'Scopes asked for; must include `openid`.' },
  {
    key: 'oidcRoleClaim',
    env: 'KYSO_OIDC_ROLE_CLAIM',
    defaultText: 'kyso_role',
    doc: 'Claim (ID token, else UserInfo) holding the role; its value is mapped by KYSO_OIDC_ROLES. A string, or an array of which the first mapped value counts.',
  },
  {
    key: 'oidcOrganizationClaim',
    env: 'KYSO_OIDC_ORG_CLAIM',
    defaultText: 'kyso_org',
    doc: 'Claim holding the organization (subscriber id) the person works for.',
  },
  {
    key: 'oidcAuthorityClaim',
    env: 'KYSO_OIDC_AUTHORITY_CLAIM',
    defaultText: 'kyso_authority',
    doc: "Claim holding a certifier's certifying authority id.",
  },
  {
    key: 'oidcOfficialClaim',
    env: 'KYSO_OIDC_OFFICIAL_CLAIM',
    defaultText: 'kyso_official',
    doc: 'Claim holding the official id whose signing credentials the person uses.',
  },
  {
    key: 'oidcNameClaim',
    env: 'KYSO_OIDC_NAME_CLAIM',
    defaultText: 'name',
    doc: 'Claim holding the display name (falls back to `preferred_username`, then the subject).',
  },
  {
    key: 'oidcRoles',
    env: 'KYSO_OIDC_ROLES',
    defaultText: 'ra-officer,signer,certifier,auditor',
    doc: 'Allowed roles and how claim values map to them: comma-separated `role` (the claim value is the role name) or `value=role` (e.g. `can-bo-ky=signer,chung-thuc=certifier`). A person whose claim maps to no listed role is refused (OIDC_FAILED). Admin is not in the default: admins sign in with a local account.',
  },
  {
    key: 'oidcInsecureLoopback',
    env: 'KYSO_OIDC_INSECURE_LOOPBACK',
    defaultText: 'off',
    doc: '`on` allows an http issuer, only on a loopback address (tests, a provider on the same machine). Any other http issuer stops start-up.',
  },
  {
    key: 'webhookAllowList',
    env: 'KYSO_WEBHOOK_ALLOW',
    defaultText: '(empty: no webhooks)',
    doc: 'Comma-separated exact origins a job may name as its completion webhook (`https://host[:port]`; `http:` only for 127.0.0.1, for tests). A job naming any other URL is refused with WEBHOOK_URL_NOT_ALLOWED; redirects are never followed.',
  },
  {
    key: 'jobLeaseSeconds',
    env: 'KYSO_JOB_LEASE_SECONDS',
    defaultText: '120',
    doc: 'How long a worker holds a job item it claimed; an item whose worker died (crash, `kill -9`) is claimed again after this. Longer than the slowest single signature.',
  },
  {
    key: 'logLevel',
    env: 'KYSO_LOG_LEVEL',
    defaultText: 'info',
    doc: 'debug, info, warn, error or silent. Logs are JSON lines on stderr, each line of a request carrying its `requestId` (the `X-Request-Id` it answered with), and never contain tokens, PINs or keys.',
  },
  {
    key: 'metricsToken',
    env: 'KYSO_METRICS_TOKEN',
    defaultText: '(none: loopback only)',
    doc: '`GET /metrics` and the reasons behind a failing `GET /ready` are open to callers on the loopback interface (no `Forwarded`/`X-Forwarded-For` header); anyone else must send `Authorization: Bearer <this token>`. Without it they are refused. At least 32 characters.',
    secret: true,
  },
];

export function invalid(key: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `config ${key}: ${message}`, { details: { option: key } });
}

export function parseInteger(key: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) invalid(key, `expected a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (n < min || n > max) invalid(key, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseUrl(key: string, raw: string, protocols: readonly string[]): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return invalid(key, `not a URL: ${JSON.stringify(maskUrlCredentials(raw))}`);
  }
  if (!protocols.includes(u.protocol)) invalid(key, `scheme must be one of ${protocols.join(', ')}`);
  return u;
}

export function absolutePath(raw: string, base: string): string {
  return isAbsolute(raw) ? raw : resolve(base, raw);
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Markdown table of all options; docs/config.md is exactly this text. */
export function renderConfigMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = OPTIONS.map((o) => `| \`${o.env}\` | \`${o.key}\` | \`${esc(o.defaultText)}\` | ${esc(o.doc)} |`);
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/options.ts by `kyso config docs`; test/unit/docs keeps it in sync. -->',
    '',
    'kyso reads its configuration once at start-up into a frozen object and refuses to start',
    '(error `CONFIG_INVALID`, exit code 78) when a value is malformed. Sources, highest precedence first:',
    'command-line flags (`--data`, `--port`), environment variables, a JSON file named by `KYSO_CONFIG`',
    '(keys as in the second column), defaults.',
    '',
    '| Environment | JSON key | Default | Meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Public URL and environment',
    '',
    'The public URL is written for good into every certificate (CRL, OCSP and CA-issuer URLs) and into every',
    "certified copy's QR code and lookup link. Set it before the first start: `kyso init --public-url",
    'https://kyso.example.gov.vn` or the KYSO_PUBLIC_URL variable. `kyso init` records the URL it used in',
    '`<dataDir>/public-url.json` (mode 0600) and later starts without a configured URL keep using it, so',
    'several instances behind one name never put their own port into certificates. Without any, the',
    'quick start (`npm start`) runs in development mode on `http://127.0.0.1:<port>`: the start-up banner',
    'and `GET /health` (`publicUrlWarning`) say that certificates and QR codes carry a loopback URL. With',
    '`KYSO_ENV=production`, a missing, loopback or http (not https) public URL stops start-up with `CONFIG_INVALID` (exit 78).',
    '',
  ].join('\n');
}
