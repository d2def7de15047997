import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { defaultAlgorithmFor, signWithKeyAsync, type SignatureAlgorithm, type Signer } from '../../core/signature-algorithms.js';
import type { KeyRef, KeySpec, KeyStore } from '../key-store.js';
import { generatePrivateKey } from '../generate-key.js';
import type { SealedKey, SealedKeyRepository } from '../sealed-key-repository.js';
import type { MasterKey } from './master-key.js';

export const ENCRYPTED_KEY_SCHEME = 'kyso-key';

interface OpenKey {
  readonly key: KeyObject;
  readonly spki: Buffer;
  readonly keyType: string;
}

/**
 * The encrypted-at-rest key store: PKCS#8 DER sealed with AES-256-GCM (NIST SP 800-38D) under
 * the KEK derived from the master secret, a fresh random 96-bit IV per seal (§8.2.2), and the key
 * id and URI as additional authenticated data, so a sealed blob moved to another row does not
 * open. Opened keys are cached as non-extractable-in-practice KeyObjects for the life of the
 * process: signing costs one `crypto.sign`, never a decrypt. URIs: `kyso-key:<id>`.
 */
export class EncryptedKeyStore implements KeyStore {
  readonly schemes = [ENCRYPTED_KEY_SCHEME] as const;
  readonly #repo: SealedKeyRepository;
  #masterKey: MasterKey | (() => MasterKey);
  readonly #previous: ReadonlyMap<string, MasterKey>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Promise<OpenKey>>();

  /**
   * `previousMasterKeys`: retired master keys still accepted for opening (master-key rotation).
   * A key opened with one of them is re-sealed under `masterKey` on the spot. `masterKey` may be
   * a loader, called once on the first seal or open: a process that never touches a key (most
   * CLI commands) then never reads the master secret nor warns about where it is held.
   */
  constructor(o: {
    repository: SealedKeyRepository;
    masterKey: MasterKey | (() => MasterKey);
    previousMasterKeys?: readonly MasterKey[];
    clock?: Clock;
  }) {
    this.#repo = o.repository;
    this.#masterKey = o.masterKey;
    this.#previous = new Map((o.previousMasterKeys ?? []).map((m) => [m.kekId, m]));
    this.#clock = o.clock ?? systemClock;
  }

  get #master(): MasterKey {
    if (typeof this.#masterKey === 'function') this.#masterKey = this.#masterKey();
    return this.#masterKey;
  }

  /**
   * Re-seals every key still under a previous master key (batch job after a rotation); returns
   * how many were re-sealed. Afterwards the previous master key can be destroyed.
   */
  async resealAll(): Promise<number> {
    let n = 0;
    for (const kekId of this.#previous.keys()) {
      for (;;) {
        const ids = await this.#repo.listIdsByKek(kekId, 100);
        if (ids.length === 0) break;
        for (const id of ids) {
          const s = await this.#repo.get(id);
          if (s && (await this.#resealFrom(s))) n++;
        }
      }
    }
    return n;
  }

  async #resealFrom(s: SealedKey): Promise<boolean> {
    const old = this.#previous.get(s.kekId);
    if (!old) return false;
    const pkcs8 = openSealed(s, old.kek);
    try {
      const sealed = seal(this.#master, s.id, s.uri, pkcs8);
      return await this.#repo.reseal(s.id, s.kekId, sealed);
    } finally {
      pkcs8.fill(0);
    }
  }

  async generate(spec: KeySpec, label: string): Promise<KeyRef> {
    return this.#store(await generatePrivateKey(spec), label);
  }

  async importPkcs8(pkcs8Der: Buffer, label: string): Promise<KeyRef> {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
    } catch {
      // No cause attached: parser errors may quote input bytes.
      throw new AppError('VALIDATION_FAILED', 'not a PKCS#8 private key');
    }
    return this.#store(key, label);
  }

  async publicKey(uri: string): Promise<Buffer> {
    const sealed = await this.#sealed(uri);
    return Buffer.from(sealed.publicKeySpki);
  }

  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    const open = await this.#open(uri);
    const alg = algorithm ?? defaultAlgorithmFor(open.key);
    assertCompatible(open.key, alg);
    const key = open.key;
    return Object.freeze({
      algorithm: alg,
      publicKeySpki: open.spki,
      // the promise of the key operation itself (it never throws): no async wrapper, whose extra
      // promise and resolution step every signature of a batch would pay
      sign: (data: Uint8Array) => signWithKeyAsync(alg, key, data),
    });
  }

  async exportPkcs8(uri: string): Promise<Buffer> {
    const open = await this.#open(uri);
    return open.key.export({ format: 'der', type: 'pkcs8' });
  }

  async delete(uri: string): Promise<void> {
    const id = this.#idOf(uri);
    this.#cache.delete(uri);
    if (!(await this.#repo.delete(id))) throw notFound();
  }

  /** Drops decrypted keys from memory (e.g. on shutdown or after a master-key rotation). */
  clearCache(): void {
    this.#cache.clear();
  }

  async #store(privateKey: KeyObject, label: string): Promise<KeyRef> {
    if (typeof label !== 'string' || label.length === 0 || label.length > 200) throw new TypeError('key label: 1..200 characters');
    const keyType = describe(privateKey);
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const id = newId('k');
    const uri = `${ENCRYPTED_KEY_SCHEME}:${id}`;
    const sealed = seal(this.#master, id, uri, pkcs8);
    pkcs8.fill(0);
    await this.#repo.put({ id, uri, label, keyType, publicKeySpki: spki, ...sealed, createdAt: this.#clock.now() });
    this.#cache.set(uri, Promise.resolve({ key: privateKey, spki, keyType }));
    return { uri, publicKeySpki: spki };
  }

  #idOf(uri: string): string {
    if (typeof uri !== 'string' || !uri.toLowerCase().startsWith(`${ENCRYPTED_KEY_SCHEME}:`)) {
      throw new AppError('KEY_URI_UNSUPPORTED', `the encrypted key store serves ${ENCRYPTED_KEY_SCHEME}: URIs only`);
    }
    const id = uri.slice(ENCRYPTED_KEY_SCHEME.length + 1);
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw notFound();
    return id;
  }

  async #sealed(uri: string): Promise<SealedKey> {
    const sealed = await this.#repo.get(this.#idOf(uri));
    if (!sealed || sealed.uri !== uri) throw notFound();
    return sealed;
  }

  #open(uri: string): Promise<OpenKey> {
    let p = this.#cache.get(uri);
    if (!p) {
      p = this.#decrypt(uri);
      this.#cache.set(uri, p);
      p.catch(() => this.#cache.delete(uri));
    }
    return p;
  }

  async #decrypt(uri: string): Promise<OpenKey> {
    const s = await this.#sealed(uri);
    const master = s.kekId === this.#master.kekId ? this.#master : this.#previous.get(s.kekId);
    if (!master) {
      throw new AppError('KEY_DECRYPT_FAILED', 'the key was sealed under a different master key', { details: { uri } });
    }
    const pkcs8 = openSealed(s, master.kek);
    if (master !== this.#master) await this.#resealFrom(s).catch(() => false);
    try {
      const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      return { key, spki: Buffer.from(s.publicKeySpki), keyType: s.keyType };
    } catch {
      throw new AppError('KEY_DECRYPT_FAILED', 'the sealed key does not hold a private key', { details: { uri } });
    } finally {
      pkcs8.fill(0);
    }
  }
}

/** AES-256-GCM seal with a fresh 96-bit IV (SP 800-38D §8.2.2) and (id, uri) as AAD. */
function seal(master: MasterKey, id: string, uri: string, pkcs8: Buffer): { kekId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.kek, iv);
  cipher.setAAD(aad(id, uri));
  const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  return { kekId: master.kekId, iv, ciphertext, tag: cipher.getAuthTag() };
}

function openSealed(s: SealedKey, kek: Buffer): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', kek, s.iv);
    d.setAAD(aad(s.id, s.uri));
    d.setAuthTag(s.tag);
    return Buffer.concat([d.update(s.ciphertext), d.final()]);
  } catch {
    throw new AppError('KEY_DECRYPT_FAILED', 'the sealed key failed authentication (corrupt or moved)', { details: { uri: s.uri } });
  }
}

function aad(id: string, uri: string): Buffer {
  return Buffer.from(`kyso-key/v1\u0000${id}\u0000${uri}`, 'utf8');
}

function notFound(): AppError {
  return new AppError('KEY_NOT_FOUND', 'no such key');
}

function describe(key: KeyObject): string {
  if (key.type !== 'private') throw new AppError('VALIDATION_FAILED', 'not a private key');
  const t = key.asymmetricKeyType;
  if (t === 'rsa' || t === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'RSA keys shorter than 2048 bits are not accepted');
    return t;
  }
  if (t === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const name = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!name) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'unsupported elliptic curve');
    return `ec:${name}`;
  }
  throw new AppError('KEY_ALGORITHM_UNSUPPORTED', `unsupported key type ${t ?? 'unknown'}`);
}

/** RSA keys sign PKCS#1 v1.5 or PSS; RSASSA-PSS-only keys (RFC 4055) only PSS; EC keys only ECDSA. */
function assertCompatible(key: KeyObject, alg: SignatureAlgorithm): void {
  const t = key.asymmetricKeyType;
  const ok = alg.startsWith('ECDSA') ? t === 'ec' : alg.startsWith('RSA-PSS') ? t === 'rsa' || t === 'rsa-pss' : t === 'rsa';
  if (!ok) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', `algorithm ${alg} does not fit a ${t ?? 'unknown'} key`);
}
