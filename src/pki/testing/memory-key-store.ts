import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { defaultAlgorithmFor, signWithKeyAsync, type SignatureAlgorithm, type Signer } from '../../core/signature-algorithms.js';
import type { KeyRef, KeySpec, KeyStore } from '../../keys/key-store.js';

/** In-memory KeyStore for tests and benchmarks (scheme `mem:`); keys vanish with the process. */
export class MemoryKeyStore implements KeyStore {
  readonly schemes = ['mem'] as const;
  readonly #keys = new Map<string, KeyObject>();

  async generate(spec: KeySpec): Promise<KeyRef> {
    const pair =
      spec.type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: spec.bits })
        : generateKeyPairSync('ec', { namedCurve: spec.curve === 'P-256' ? 'prime256v1' : 'secp384r1' });
    return this.#put(pair.privateKey);
  }

  async importPkcs8(pkcs8Der: Buffer): Promise<KeyRef> {
    return this.#put(createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' }));
  }

  async publicKey(uri: string): Promise<Buffer> {
    return createPublicKey(this.#get(uri)).export({ format: 'der', type: 'spki' });
  }

  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    const key = this.#get(uri);
    const alg = algorithm ?? defaultAlgorithmFor(key);
    return {
      algorithm: alg,
      publicKeySpki: createPublicKey(key).export({ format: 'der', type: 'spki' }),
      sign: async (data: Uint8Array) => signWithKeyAsync(alg, key, data),
    };
  }

  async exportPkcs8(uri: string): Promise<Buffer> {
    return this.#get(uri).export({ format: 'der', type: 'pkcs8' });
  }

  async delete(uri: string): Promise<void> {
    this.#keys.delete(uri);
  }

  has(uri: string): boolean {
    return this.#keys.has(uri);
  }

  #put(key: KeyObject): KeyRef {
    const uri = `mem:${randomUUID()}`;
    this.#keys.set(uri, key);
    return { uri, publicKeySpki: createPublicKey(key).export({ format: 'der', type: 'spki' }) };
  }

  #get(uri: string): KeyObject {
    const k = this.#keys.get(uri);
    if (!k) throw new AppError('KEY_NOT_FOUND', 'no such key');
    return k;
  }
}
