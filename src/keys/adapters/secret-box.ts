import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import type { MasterKey } from './master-key.js';

/**
 * Small secrets kept in the database (an account's TOTP secret) sealed with AES-256-GCM under a
 * key derived from the master key-encryption key with HKDF (RFC 5869, its own `info`, so it is
 * never the key that seals signing keys). The caller's context is the associated data: a sealed
 * value copied onto another account does not open. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
export class SecretBox {
  readonly #master: () => MasterKey;
  #derived: Buffer | undefined;
  /** `master` may be a function: the master key is then read on the first seal or open. */
  constructor(master: MasterKey | (() => MasterKey)) {
    this.#master = typeof master === 'function' ? master : () => master;
  }

  get #key(): Buffer {
    this.#derived ??= Buffer.from(hkdfSync('sha256', this.#master().kek, Buffer.alloc(0), 'kyso secret box v1', 32));
    return this.#derived;
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv, ct, c.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string, context: string): string {
    const [v, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || ct === undefined || !tag) throw new AppError('KEY_DECRYPT_FAILED', 'sealed secret is malformed');
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    } catch (cause) {
      throw new AppError('KEY_DECRYPT_FAILED', 'sealed secret does not open (wrong master key or altered record)', { cause });
    }
  }
}
