import { AppError } from '../core/errors.js';
import type { SignatureAlgorithm, Signer } from '../core/signature-algorithms.js';
import type { KeyRef, KeySpec, KeyStore } from './key-store.js';

/** `kyso-key:k_x` → `kyso-key`; `pkcs11:token=…` → `pkcs11` (RFC 3986 §3.1 scheme, case-insensitive). */
export function uriScheme(uri: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  return m?.[1]?.toLowerCase();
}

/**
 * A KeyStore that dispatches each call by URI scheme to the adapter serving it (smallstep's
 * kms URI idea; `pkcs11:` per RFC 7512 can slot in beside the encrypted store). New keys
 * (generate/import) go to the first adapter unless another is named.
 */
export class KeyStoreRouter implements KeyStore {
  readonly schemes: readonly string[];
  readonly #byScheme = new Map<string, KeyStore>();
  readonly #primary: KeyStore;

  constructor(adapters: readonly KeyStore[]) {
    const first = adapters[0];
    if (!first) throw new TypeError('KeyStoreRouter: at least one adapter');
    this.#primary = first;
    for (const a of adapters) {
      for (const s of a.schemes) {
        const key = s.toLowerCase();
        if (this.#byScheme.has(key)) throw new TypeError(`KeyStoreRouter: scheme ${key} served twice`);
        this.#byScheme.set(key, a);
      }
    }
    this.schemes = [...this.#byScheme.keys()];
  }

  /** The adapter for a URI; KEY_URI_UNSUPPORTED if no adapter serves its scheme. */
  route(uri: string): KeyStore {
    const scheme = typeof uri === 'string' ? uriScheme(uri) : undefined;
    const adapter = scheme === undefined ? undefined : this.#byScheme.get(scheme);
    if (!adapter) {
      throw new AppError('KEY_URI_UNSUPPORTED', `no key store serves the URI scheme ${scheme ?? '(none)'}`, {
        details: { scheme: scheme ?? null },
      });
    }
    return adapter;
  }

  generate(spec: KeySpec, label: string): Promise<KeyRef> {
    return this.#primary.generate(spec, label);
  }
  importPkcs8(pkcs8Der: Buffer, label: string): Promise<KeyRef> {
    return this.#primary.importPkcs8(pkcs8Der, label);
  }
  async publicKey(uri: string): Promise<Buffer> {
    return this.route(uri).publicKey(uri);
  }
  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    return this.route(uri).signer(uri, algorithm);
  }
  async exportPkcs8(uri: string): Promise<Buffer> {
    return this.route(uri).exportPkcs8(uri);
  }
  async delete(uri: string): Promise<void> {
    return this.route(uri).delete(uri);
  }
}
