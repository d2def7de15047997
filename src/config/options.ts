import { isAbsolute, resolve } from 'node:path';
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
    key: 'databaseUrl',
    env: 'KYSO_DATABASE_URL',
    defaultText: 'sqlite:<dataDir>/kyso.sqlite',
    doc: '`sqlite:PATH` (embedded, default) or `postgres://user@host:port/db`. Migrations run at start-up.',
  },
  {
    key: 'publicUrl',
    env: 'KYSO_PUBLIC_URL',
    defaultText: 'http://127.0.0.1:<port>',
    doc: 'Public base URL written into certificates (CRL distribution points, AIA OCSP and caIssuers), TSA and copy-lookup links. No trailing slash.',
  },
  {
    key: 'masterKey',
    env: 'KYSO_MASTER_KEY',
    defaultText: '(unset: read <dataDir>/master.key)',
    doc: 'Master secret (32 bytes as 64 hex digits or base64) from which the key-encryption key for keys at rest is derived. When unset, a 0600 file `<dataDir>/master.key` is created at init with a warning (development only).',
    secret: true,
  },
  {
    key: 'uploadLimitBytes',
    env: 'KYSO_UPLOAD_LIMIT',
    defaultText: '52428800',
    doc: 'Largest accepted upload (PDF, image, CSR) in bytes; larger bodies get 413 PAYLOAD_TOO_LARGE.',
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
    key: 'logLevel',
    env: 'KYSO_LOG_LEVEL',
    defaultText: 'info',
    doc: 'debug, info, warn, error or silent. Logs are JSON lines on stderr and never contain tokens, PINs or keys.',
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
    return invalid(key, `not a URL: ${JSON.stringify(raw)}`);
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
  ].join('\n');
}
