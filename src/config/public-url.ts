import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.js';

/**
 * The public base URL is written for good into every certificate (CRL distribution points and
 * AIA OCSP/caIssuers, RFC 5280 §4.2.1.13 and §4.2.2.1) and into every certified copy's QR code.
 * So it is resolved once per installation: a configured value (flag, KYSO_PUBLIC_URL, config
 * file) wins; otherwise the URL `kyso init` used, kept in the data directory; otherwise — only on
 * the very first start in development — the loopback address of this instance.
 */
export type PublicUrlSource = 'configured' | 'persisted' | 'default';

export const PUBLIC_URL_FILE = 'public-url.json';

export function readPersistedPublicUrl(dataDir: string): string | undefined {
  const file = join(dataDir, PUBLIC_URL_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const v = (JSON.parse(readFileSync(file, 'utf8')) as { publicUrl?: unknown }).publicUrl;
    if (typeof v === 'string' && v.length > 0) return v;
  } catch {
    // fall through to the error below
  }
  throw new AppError('CONFIG_INVALID', `${file} is not a JSON object with a publicUrl string; fix or remove it`, {
    details: { option: 'publicUrl', file },
  });
}

/** Records the URL the CA hierarchy was created with; never overwrites an earlier record. */
export function persistPublicUrl(dataDir: string, publicUrl: string, at: Date): boolean {
  const file = join(dataDir, PUBLIC_URL_FILE);
  if (existsSync(file)) return false;
  writeFileSync(file, JSON.stringify({ publicUrl, recordedAt: at.toISOString() }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return true;
}

/** Loopback and unspecified hosts: a URL no one else can reach (RFC 6890 127.0.0.0/8, ::1; RFC 6761 localhost). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::' ||
    /^::ffff:127\./.test(host)
  );
}

/** The start-up banner and /health line for a loopback public URL (development only). */
export function loopbackNotice(publicUrl: string): string {
  return `development mode: certificates and QR codes carry the loopback URL ${publicUrl}, which no one else can reach; set KYSO_PUBLIC_URL (or kyso init --public-url) before issuing anything real`;
}
