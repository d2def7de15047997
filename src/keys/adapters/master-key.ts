import { hkdfSync, randomBytes, createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/errors.js';

export interface KeyStoreLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The key-encryption key (KEK) and its public tag, derived from the 32-byte master secret with
 * HKDF-SHA256 (RFC 5869). The master secret is uniformly random, so a fixed, versioned salt
 * suffices (RFC 5869 §3.1); `info` separates the encryption key from the tag so the tag (stored
 * beside each sealed key to tell "wrong master key" from "corrupt record") reveals nothing
 * about the KEK.
 */
export interface MasterKey {
  readonly kek: Buffer;
  readonly kekId: string;
  /**
   * HMAC key for idempotency request fingerprints (src/http/idempotency): its own HKDF `info`,
   * so it reveals nothing about the KEK, and a database copy alone cannot test guesses of what a
   * stored request contained.
   */
  readonly requestFingerprintKey: Buffer;
  /**
   * HMAC key of the server-held credentials' PIN verifiers (src/signing/pin-hash.ts): its own HKDF
   * `info`, so that a database copy without the master secret cannot test a single PIN guess.
   */
  readonly pinVerifierKey: Buffer;
  readonly source: 'env' | 'file';
}

const SALT = Buffer.from('kyso/key-store/v1', 'utf8');

export function deriveMasterKey(secret: Buffer, source: MasterKey['source']): MasterKey {
  if (secret.length !== 32) throw new AppError('CONFIG_INVALID', 'the master key must be exactly 32 bytes');
  const kek = Buffer.from(hkdfSync('sha256', secret, SALT, 'aes-256-gcm key-encryption key', 32));
  const tag = Buffer.from(hkdfSync('sha256', secret, SALT, 'key-encryption key identifier', 32));
  const requestFingerprintKey = Buffer.from(hkdfSync('sha256', secret, SALT, 'idempotency request fingerprint key', 32));
  const pinVerifierKey = Buffer.from(hkdfSync('sha256', secret, SALT, 'signing credential PIN verifier key', 32));
  return { kek, kekId: createHash('sha256').update(tag).digest('hex').slice(0, 16), requestFingerprintKey, pinVerifierKey, source };
}

/** Accepts 64 hex digits or base64/base64url of 32 bytes; the value itself never appears in errors. */
export function parseMasterSecret(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new AppError('CONFIG_INVALID', 'the master key must be 32 bytes as 64 hex digits or base64');
}

/**
 * Loads the master secret: `KYSO_MASTER_KEY` (hex or base64) when set — the production way,
 * from a secret manager — otherwise `<dataDir>/master.key`, created 0600 on first use when
 * `create` is true. A file beside the data is for development: whoever copies the data directory
 * gets the keys, so a warning is logged each time it is used.
 */
export function loadMasterKey(o: { env?: string | undefined; dataDir: string; logger: KeyStoreLogger; create?: boolean }): MasterKey {
  if (o.env !== undefined && o.env.trim() !== '') return deriveMasterKey(parseMasterSecret(o.env), 'env');
  const file = join(o.dataDir, 'master.key');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      o.logger.warn('master key file is readable by group or others; tightening to 0600', { file });
      chmodSync(file, 0o600);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('CONFIG_INVALID', `cannot read the master key file ${file}`);
    if (!o.create) throw new AppError('CONFIG_INVALID', `no KYSO_MASTER_KEY and no master key file at ${file} (run init)`);
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    text = randomBytes(32).toString('base64') + '\n';
    try {
      // 'wx': never overwrite a master key another process just created.
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new AppError('CONFIG_INVALID', `cannot create the master key file ${file}`);
      text = readFileSync(file, 'utf8');
    }
  }
  o.logger.warn('using a file-held master key: for development only; set KYSO_MASTER_KEY in production', { file });
  return deriveMasterKey(parseMasterSecret(text), 'file');
}
