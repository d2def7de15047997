import { AppError } from '../../core/errors.js';
import type { SignatureAlgorithm, Signer } from '../../core/signature-algorithms.js';
import type { KeyRef, KeySpec, KeyStore } from '../key-store.js';
import { parsePkcs11Uri } from '../pkcs11-uri.js';
import { Pkcs11KeyStore } from './pkcs11-key-store.js';

/**
 * The `pkcs11:` side of the service's key store router: each URI names its token (RFC 7512
 * `token=`), and the token is opened (module loaded, C_Login) on first use only, so a process
 * that never touches a token-held key never needs the module or the PIN. New keys go to the
 * token named by `generateOn` (the configured CA key store).
 */
export class Pkcs11TokenPool implements KeyStore {
  readonly schemes = ['pkcs11'] as const;
  readonly #module: { modulePath: string; pin: string } | undefined;
  readonly #generateOn: string | undefined;
  readonly #open = new Map<string, Promise<Pkcs11KeyStore>>();

  constructor(o: { module: { modulePath: string; pin: string } | undefined; generateOn?: string | undefined }) {
    this.#module = o.module;
    this.#generateOn = o.generateOn;
  }

  #token(label: string): Promise<Pkcs11KeyStore> {
    const m = this.#module;
    if (!m)
      return Promise.reject(
        new AppError('CONFIG_INVALID', `key on the PKCS#11 token ${label}: set KYSO_PKCS11_MODULE and KYSO_PKCS11_PIN to use it`),
      );
    let p = this.#open.get(label);
    if (!p) {
      p = Pkcs11KeyStore.open({ modulePath: m.modulePath, tokenLabel: label, pin: m.pin });
      this.#open.set(label, p);
      p.catch(() => this.#open.delete(label));
    }
    return p;
  }

  #byUri(uri: string): Promise<Pkcs11KeyStore> {
    const token = parsePkcs11Uri(uri)?.token;
    if (token === undefined) return Promise.reject(new AppError('KEY_NOT_FOUND', 'the pkcs11: URI names no token'));
    return this.#token(token);
  }

  async generate(spec: KeySpec, label: string): Promise<KeyRef> {
    if (this.#generateOn === undefined)
      throw new AppError('CONFIG_INVALID', 'no PKCS#11 token is configured for new keys (KYSO_KEY_STORE)');
    return (await this.#token(this.#generateOn)).generate(spec, label);
  }
  async importPkcs8(pkcs8Der: Buffer, label: string): Promise<KeyRef> {
    if (this.#generateOn === undefined)
      throw new AppError('CONFIG_INVALID', 'no PKCS#11 token is configured for new keys (KYSO_KEY_STORE)');
    return (await this.#token(this.#generateOn)).importPkcs8(pkcs8Der, label);
  }
  async publicKey(uri: string): Promise<Buffer> {
    return (await this.#byUri(uri)).publicKey(uri);
  }
  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    return (await this.#byUri(uri)).signer(uri, algorithm);
  }
  async exportPkcs8(uri: string): Promise<Buffer> {
    return (await this.#byUri(uri)).exportPkcs8(uri);
  }
  async delete(uri: string): Promise<void> {
    return (await this.#byUri(uri)).delete(uri);
  }

  /** Logs out of and closes every opened token. */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    for (const p of all) (await p.catch(() => undefined))?.close();
  }
}
