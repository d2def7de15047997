import { X509Certificate, createHash, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual, type JsonWebKey } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { int, seq } from '../../core/der.js';
import { hashOf, type SignatureAlgorithm, type Signer } from '../../core/signature-algorithms.js';
import type { KeyRef, KeySpec, KeyStore } from '../key-store.js';
import { formatPkcs11Uri, parsePkcs11Uri } from '../pkcs11-uri.js';

/**
 * KeyStore on a PKCS#11 token (an HSM; SoftHSM2 in tests), keys addressed by RFC 7512 URIs
 * (`pkcs11:token=…;object=…;id=%..;type=private`). Keys are generated on the token as sensitive
 * and non-extractable, so `exportPkcs8` is refused: server-generated subscriber keys that must be
 * delivered as PKCS#12 belong in the encrypted store; CA keys belong here.
 * Signatures do not hold up the event loop: a token takes from a millisecond (SoftHSM2) to
 * hundreds (a USB token, a network HSM) per signature, and a process that waited for it on its
 * main thread would answer nothing else meanwhile (OCSP and TSA requests, the agent's other calls).
 * When the module accepts being called from several threads (C_Initialize with
 * CKF_OS_LOCKING_OK, PKCS#11 v2.40 §5.4), each store signs on a session of its own, one signature
 * after the other, with C_Sign running on libuv's threadpool (pkcs11js's callback form); its other
 * operations use the logged-in session on the main thread, so no session is ever used by two
 * threads at once. A module that refuses (CKR_CANT_LOCK) is only ever called from the main thread,
 * and signs there as before.
 * A token that signs in less than INLINE_SIGNATURE_MS (SoftHSM2, a fast HSM) is better called
 * inline: the trip to a threadpool thread and back costs more than such a signature, and in a
 * batch the token then waits for those trips between its signatures. So each signature is timed,
 * and while the last one took less than that, the next one (on the same signing session, at its
 * turn) runs on the main thread. The first one always goes to the threadpool, and a slow one sends
 * the next back there, so a slow token holds up the event loop for at most one signature. Inline
 * signatures queued one after the other run without the event loop turning between them, so once
 * they have taken INLINE_BUDGET_MS together the next goes to the threadpool, and the loop turns.
 */
/**
 * The pkcs11js binding is an optional dependency (a native addon built at install time): it is
 * loaded on first use, and only the calls used here are typed, so the rest of the code base
 * builds and runs where the addon could not be compiled.
 */
type Handle = Buffer;
interface Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}
interface Mechanism {
  mechanism: number;
  parameter?: { type: number; hashAlg: number; mgf: number; saltLen: number };
}
interface Pkcs11Api {
  load(path: string): void;
  C_Initialize(options?: { flags: number }): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin: string): void;
  C_Logout(session: Handle): void;
  C_GenerateKeyPair(
    session: Handle,
    mechanism: Mechanism,
    publicTemplate: Attribute[],
    privateTemplate: Attribute[],
  ): { publicKey: Handle; privateKey: Handle };
  C_CreateObject(session: Handle, template: Attribute[]): Handle;
  C_DestroyObject(session: Handle, object: Handle): void;
  C_FindObjectsInit(session: Handle, template: Attribute[]): void;
  C_FindObjects(session: Handle, max: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Attribute[]): { type: number; value: Buffer }[];
  C_SignInit(session: Handle, mechanism: Mechanism, key: Handle): void;
  C_Sign(session: Handle, data: Buffer, out: Buffer): Buffer;
  C_Sign(session: Handle, data: Buffer, out: Buffer, done: (err: Error | null, signature: Buffer) => void): void;
}
const CONSTANT_NAMES = [
  'CKA_CLASS',
  'CKA_COEFFICIENT',
  'CKA_EC_PARAMS',
  'CKA_EC_POINT',
  'CKA_EXPONENT_1',
  'CKA_EXPONENT_2',
  'CKA_EXTRACTABLE',
  'CKA_ID',
  'CKA_KEY_TYPE',
  'CKA_LABEL',
  'CKA_MODULUS',
  'CKA_MODULUS_BITS',
  'CKA_PRIME_1',
  'CKA_PRIME_2',
  'CKA_PRIVATE',
  'CKA_PRIVATE_EXPONENT',
  'CKA_PUBLIC_EXPONENT',
  'CKA_SENSITIVE',
  'CKA_SIGN',
  'CKA_TOKEN',
  'CKA_VALUE',
  'CKA_VERIFY',
  'CKF_OS_LOCKING_OK',
  'CKF_RW_SESSION',
  'CKF_SERIAL_SESSION',
  'CKG_MGF1_SHA256',
  'CKG_MGF1_SHA384',
  'CKG_MGF1_SHA512',
  'CKK_EC',
  'CKK_RSA',
  'CKM_ECDSA',
  'CKM_EC_KEY_PAIR_GEN',
  'CKM_RSA_PKCS_KEY_PAIR_GEN',
  'CKM_SHA256',
  'CKM_SHA256_RSA_PKCS',
  'CKM_SHA256_RSA_PKCS_PSS',
  'CKM_SHA384',
  'CKM_SHA384_RSA_PKCS',
  'CKM_SHA384_RSA_PKCS_PSS',
  'CKM_SHA512',
  'CKM_SHA512_RSA_PKCS',
  'CKM_SHA512_RSA_PKCS_PSS',
  'CKO_CERTIFICATE',
  'CKO_PRIVATE_KEY',
  'CKO_PUBLIC_KEY',
  'CKR_CRYPTOKI_ALREADY_INITIALIZED',
  'CKR_PIN_INCORRECT',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_LOCKED',
  'CKR_USER_ALREADY_LOGGED_IN',
  'CKU_USER',
  'CK_PARAMS_RSA_PSS',
] as const;
type Constants = Record<(typeof CONSTANT_NAMES)[number], number>;
let binding: { PKCS11: new () => Pkcs11Api };
let K: Constants;

async function loadBinding(): Promise<void> {
  if (binding) return;
  let mod: Record<string, unknown>;
  try {
    const m = (await import('pkcs11js' as string)) as { default?: Record<string, unknown> } & Record<string, unknown>;
    mod = m.default ?? m;
  } catch (err) {
    throw new AppError('CONFIG_INVALID', 'the optional pkcs11js binding is not installed (native build failed?)', { cause: err });
  }
  const k = {} as Record<string, number>;
  for (const n of CONSTANT_NAMES) {
    const v = mod[n];
    if (typeof v !== 'number') throw new AppError('CONFIG_INVALID', `pkcs11js lacks ${n}`);
    k[n] = v;
  }
  K = k as Constants;
  binding = mod as unknown as { PKCS11: new () => Pkcs11Api };
}

export interface Pkcs11KeyStoreOptions {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly modulePath: string;
  /** CKA token label (trailing blanks ignored). */
  readonly tokenLabel: string;
  /** User PIN; kept only for C_Login, never logged or put in errors. */
  readonly pin: string;
  /** Signatures faster than this are followed by inline ones (default INLINE_SIGNATURE_MS; 0: never inline). */
  readonly inlineBelowMs?: number;
  /** Milliseconds, for timing signatures (default performance.now). */
  readonly now?: () => number;
}

/**
 * The longest signature after which the next one is made on the main thread: a little more than
 * an RSA-2048 signature of node:crypto on a slow core (about 0.8 ms), and far less than a USB
 * token's (100 ms or more).
 */
export const INLINE_SIGNATURE_MS = 2;
/** Inline signing time after which the next signature goes to the threadpool (the event loop turns meanwhile). */
export const INLINE_BUDGET_MS = 8;

interface Loaded {
  readonly lib: Pkcs11Api;
  refs: number;
  /**
   * Cryptoki login state is per application and token: once one session is logged in, C_Login
   * on another answers CKR_USER_ALREADY_LOGGED_IN whatever the PIN. To still refuse a wrong PIN,
   * the SHA-256 of the PIN that logged in is kept (in memory only) per token, for as long as that
   * login lasts: C_Logout ends it for every session of the token (PKCS#11 v2.40 §5.6), and the
   * hash goes with it (a short PIN is as good as found from its unsalted hash, and a module may be
   * held for a whole run of the agent).
   */
  readonly loggedIn: Map<string, Buffer>;
  /**
   * Stores open per token (not yet shut): the login they share ends (C_Logout) with the last of
   * them, so a store whose close waits for its queued signatures cannot log out one opened since.
   */
  readonly stores: Map<string, number>;
  /** Whether the module took CKF_OS_LOCKING_OK: it may then be called from a threadpool thread. */
  readonly threads: boolean;
}
const modules = new Map<string, Loaded>();

interface TokenKey {
  readonly handle: Handle;
  readonly spki: Buffer;
  readonly kind: 'rsa' | 'ec';
}

const OID_P256 = Buffer.from('06082a8648ce3d030107', 'hex');
const OID_P384 = Buffer.from('06052b81040022', 'hex');

export class Pkcs11KeyStore implements KeyStore {
  readonly schemes = ['pkcs11'] as const;
  readonly #lib: Pkcs11Api;
  readonly #modulePath: string;
  readonly #session: Handle;
  /** The session signatures run on, off the main thread (undefined: the module is single-threaded). */
  readonly #signing: Handle | undefined;
  readonly #token: string;
  readonly #cache = new Map<string, TokenKey>();
  /** The last signature queued on `#signing`: the next one starts when it has ended. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Signatures queued or running; closing waits for them. */
  #pending = 0;
  #closed = false;
  readonly #inlineBelowMs: number;
  readonly #now: () => number;
  /** Whether the last signature took less than #inlineBelowMs: the next one is then made inline. */
  #fast = false;
  /** Time spent signing inline since the last signature on the threadpool. */
  #inlineMs = 0;

  private constructor(
    lib: Pkcs11Api,
    modulePath: string,
    session: Handle,
    signing: Handle | undefined,
    token: string,
    timing: { inlineBelowMs: number; now: () => number },
  ) {
    this.#lib = lib;
    this.#modulePath = modulePath;
    this.#session = session;
    this.#signing = signing;
    this.#token = token;
    this.#inlineBelowMs = timing.inlineBelowMs;
    this.#now = timing.now;
  }

  /** Loads the module (once per path), finds the token by label, opens a R/W session and logs in. */
  static async open(o: Pkcs11KeyStoreOptions): Promise<Pkcs11KeyStore> {
    const m = await loadModule(o.modulePath);
    const lib = m.lib;
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === o.tokenLabel);
    if (slot === undefined) {
      if (m.refs === 0) release(o.modulePath);
      throw new AppError('KEY_NOT_FOUND', `no PKCS#11 token labelled ${o.tokenLabel}`);
    }
    const session = lib.C_OpenSession(slot, K.CKF_SERIAL_SESSION | K.CKF_RW_SESSION);
    const pinHash = createHash('sha256').update(o.pin, 'utf8').digest();
    const fail = (e: AppError): never => {
      lib.C_CloseSession(session);
      if (m.refs === 0) release(o.modulePath);
      throw e;
    };
    try {
      lib.C_Login(session, K.CKU_USER, o.pin);
      m.loggedIn.set(o.tokenLabel, pinHash);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === K.CKR_USER_ALREADY_LOGGED_IN) {
        const known = m.loggedIn.get(o.tokenLabel);
        if (!known || !timingSafeEqual(known, pinHash)) fail(new AppError('PIN_INVALID', 'the PKCS#11 token rejected the PIN'));
      } else if (code === K.CKR_PIN_INCORRECT || code === K.CKR_PIN_LEN_RANGE) {
        fail(new AppError('PIN_INVALID', 'the PKCS#11 token rejected the PIN'));
      } else if (code === K.CKR_PIN_LOCKED) {
        fail(new AppError('KEY_LOCKED', 'the PKCS#11 token PIN is locked'));
      } else {
        fail(new AppError('KEY_LOCKED', 'PKCS#11 login failed', { cause: err }));
      }
    } finally {
      // Only the hash of a PIN that logged in is kept; a compared or refused one is overwritten.
      if (m.loggedIn.get(o.tokenLabel) !== pinHash) pinHash.fill(0);
    }
    m.refs++;
    m.stores.set(o.tokenLabel, (m.stores.get(o.tokenLabel) ?? 0) + 1);
    return new Pkcs11KeyStore(lib, o.modulePath, session, signingSession(m, slot), o.tokenLabel, {
      inlineBelowMs: o.inlineBelowMs ?? INLINE_SIGNATURE_MS,
      now: o.now ?? (() => performance.now()),
    });
  }

  async generate(spec: KeySpec, label: string): Promise<KeyRef> {
    const id = randomBytes(16);
    const common = [
      { type: K.CKA_TOKEN, value: true },
      { type: K.CKA_ID, value: id },
      { type: K.CKA_LABEL, value: label },
    ];
    const priv = [
      ...common,
      { type: K.CKA_PRIVATE, value: true },
      { type: K.CKA_SENSITIVE, value: true },
      { type: K.CKA_EXTRACTABLE, value: false },
      { type: K.CKA_SIGN, value: true },
    ];
    let pair: { publicKey: Handle; privateKey: Handle };
    if (spec.type === 'rsa') {
      pair = this.#lib.C_GenerateKeyPair(
        this.#session,
        { mechanism: K.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: K.CKA_VERIFY, value: true },
          { type: K.CKA_MODULUS_BITS, value: spec.bits },
          { type: K.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
        priv,
      );
    } else if (spec.type === 'ec' && (spec.curve === 'P-256' || spec.curve === 'P-384')) {
      pair = this.#lib.C_GenerateKeyPair(
        this.#session,
        { mechanism: K.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: K.CKA_VERIFY, value: true }, { type: K.CKA_EC_PARAMS, value: spec.curve === 'P-256' ? OID_P256 : OID_P384 }],
        priv,
      );
    } else {
      throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'unsupported key specification');
    }
    const spki = this.#spkiOf(pair.publicKey, spec.type);
    const uri = formatPkcs11Uri({ token: this.#token, object: label, id, type: 'private' });
    this.#cache.set(uri, { handle: pair.privateKey, spki, kind: spec.type });
    return { uri, publicKeySpki: spki };
  }

  /** Creates the private and public key objects on the token from PKCS#8 (e.g. moving a CA key into the HSM). */
  async importPkcs8(pkcs8Der: Buffer, label: string): Promise<KeyRef> {
    let jwk: JsonWebKey;
    let spki: Buffer;
    try {
      const k = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
      jwk = k.export({ format: 'jwk' });
      spki = createPublicKey(k).export({ format: 'der', type: 'spki' });
    } catch {
      throw new AppError('VALIDATION_FAILED', 'not a PKCS#8 private key');
    }
    const id = randomBytes(16);
    const b = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
    const common = [
      { type: K.CKA_TOKEN, value: true },
      { type: K.CKA_ID, value: id },
      { type: K.CKA_LABEL, value: label },
    ];
    const privFlags = [
      { type: K.CKA_PRIVATE, value: true },
      { type: K.CKA_SENSITIVE, value: true },
      { type: K.CKA_EXTRACTABLE, value: false },
      { type: K.CKA_SIGN, value: true },
    ];
    let kind: 'rsa' | 'ec';
    let handle: Handle;
    if (jwk.kty === 'RSA') {
      kind = 'rsa';
      handle = this.#lib.C_CreateObject(this.#session, [
        { type: K.CKA_CLASS, value: K.CKO_PRIVATE_KEY },
        { type: K.CKA_KEY_TYPE, value: K.CKK_RSA },
        ...common,
        ...privFlags,
        { type: K.CKA_MODULUS, value: b(jwk.n) },
        { type: K.CKA_PUBLIC_EXPONENT, value: b(jwk.e) },
        { type: K.CKA_PRIVATE_EXPONENT, value: b(jwk.d) },
        { type: K.CKA_PRIME_1, value: b(jwk.p) },
        { type: K.CKA_PRIME_2, value: b(jwk.q) },
        { type: K.CKA_EXPONENT_1, value: b(jwk.dp) },
        { type: K.CKA_EXPONENT_2, value: b(jwk.dq) },
        { type: K.CKA_COEFFICIENT, value: b(jwk.qi) },
      ]);
      this.#lib.C_CreateObject(this.#session, [
        { type: K.CKA_CLASS, value: K.CKO_PUBLIC_KEY },
        { type: K.CKA_KEY_TYPE, value: K.CKK_RSA },
        ...common,
        { type: K.CKA_VERIFY, value: true },
        { type: K.CKA_MODULUS, value: b(jwk.n) },
        { type: K.CKA_PUBLIC_EXPONENT, value: b(jwk.e) },
      ]);
    } else if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384')) {
      kind = 'ec';
      const params = jwk.crv === 'P-256' ? OID_P256 : OID_P384;
      handle = this.#lib.C_CreateObject(this.#session, [
        { type: K.CKA_CLASS, value: K.CKO_PRIVATE_KEY },
        { type: K.CKA_KEY_TYPE, value: K.CKK_EC },
        ...common,
        ...privFlags,
        { type: K.CKA_EC_PARAMS, value: params },
        { type: K.CKA_VALUE, value: b(jwk.d) },
      ]);
      const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
      this.#lib.C_CreateObject(this.#session, [
        { type: K.CKA_CLASS, value: K.CKO_PUBLIC_KEY },
        { type: K.CKA_KEY_TYPE, value: K.CKK_EC },
        ...common,
        { type: K.CKA_VERIFY, value: true },
        { type: K.CKA_EC_PARAMS, value: params },
        { type: K.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, point.length]), point]) },
      ]);
    } else {
      throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'only RSA and P-256/P-384 keys can be imported into the token');
    }
    const uri = formatPkcs11Uri({ token: this.#token, object: label, id, type: 'private' });
    this.#cache.set(uri, { handle, spki, kind });
    return { uri, publicKeySpki: spki };
  }

  async publicKey(uri: string): Promise<Buffer> {
    return Buffer.from(this.#find(uri).spki);
  }

  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    const key = this.#find(uri);
    const alg: SignatureAlgorithm =
      algorithm ?? (key.kind === 'rsa' ? 'RSA-PKCS1-SHA256' : spkiCurveBits(key.spki) === 384 ? 'ECDSA-SHA384' : 'ECDSA-SHA256');
    if (alg.startsWith('ECDSA') !== (key.kind === 'ec'))
      throw new AppError('KEY_ALGORITHM_UNSUPPORTED', `algorithm ${alg} does not fit a ${key.kind} key`);
    const h = hashOf(alg);
    return Object.freeze({
      algorithm: alg,
      publicKeySpki: key.spki,
      sign: (data: Uint8Array) => this.#sign(key.handle, alg, h, Buffer.from(data)),
    });
  }

  async exportPkcs8(_uri: string): Promise<Buffer> {
    throw new AppError('FORBIDDEN', 'keys on a PKCS#11 token are not extractable');
  }

  /**
   * The certificates stored on the token (CKO_CERTIFICATE, CKA_VALUE DER) with the CKA_ID and
   * label that tie each one to its key. A USB token issued to an official carries its own
   * certificate beside the key (and often the issuing CA's), so a workstation needs no file.
   */
  certificates(): Array<Omit<TokenCertificate, 'token'>> {
    return certificatesInSession(this.#lib, this.#session);
  }

  /**
   * The certificate of the key `uri` names (the one whose public key is the key's), followed by
   * the token's other certificates (issuing CAs a vendor puts beside it), for the CMS
   * certificate set. KEY_NOT_FOUND when the token holds no certificate for the key.
   */
  async certificateChainFor(uri: string): Promise<Buffer[]> {
    const spki = await this.publicKey(uri);
    const all = this.certificates();
    const own = all.find((c) => {
      try {
        return new X509Certificate(c.der).publicKey.export({ type: 'spki', format: 'der' }).equals(spki);
      } catch {
        return false; // an unreadable object on the token is not the key's certificate
      }
    });
    if (!own) throw new AppError('KEY_NOT_FOUND', 'the token holds no certificate for this key (give the certificate with --chain)');
    return [own.der, ...all.filter((c) => c !== own).map((c) => c.der)];
  }

  /**
   * URIs of the private keys on the token (RFC 7512, with id and label), for choosing a key
   * when the caller knows only the token.
   */
  privateKeyUris(): string[] {
    return this.#findAll([{ type: K.CKA_CLASS, value: K.CKO_PRIVATE_KEY }]).map((h) => {
      const [id, label] = this.#lib.C_GetAttributeValue(this.#session, h, [{ type: K.CKA_ID }, { type: K.CKA_LABEL }]);
      return formatPkcs11Uri({ token: this.#token, object: label!.value.toString('utf8'), id: Buffer.from(id!.value), type: 'private' });
    });
  }

  async delete(uri: string): Promise<void> {
    const u = this.#parse(uri);
    const found = [...this.#findObjects(K.CKO_PRIVATE_KEY, u), ...this.#findObjects(K.CKO_PUBLIC_KEY, u)];
    if (found.length === 0) throw new AppError('KEY_NOT_FOUND', 'no such key on the token');
    for (const h of found) this.#lib.C_DestroyObject(this.#session, h);
    this.#cache.delete(uri);
  }

  /**
   * Logs out and closes the sessions; finalizes the module when no other store uses it. Signatures
   * already asked for are made first (the logout then follows the last); later ones are refused.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending === 0) this.#shut();
  }

  /** Ends the login if no other store of this token still uses it, closes both sessions, drops the module's reference. */
  #shut(): void {
    const m = modules.get(this.#modulePath);
    const others = (m?.stores.get(this.#token) ?? 1) - 1;
    if (others > 0) m!.stores.set(this.#token, others);
    else m?.stores.delete(this.#token);
    try {
      if (others === 0) {
        try {
          this.#lib.C_Logout(this.#session);
        } catch {
          // already logged out
        }
        forgetPin(m, this.#token);
      }
      for (const session of this.#signing ? [this.#signing, this.#session] : [this.#session]) {
        try {
          this.#lib.C_CloseSession(session);
        } catch {
          // the token was removed: its sessions are gone already
        }
      }
    } finally {
      if (m && --m.refs === 0) release(this.#modulePath);
    }
  }

  /**
   * One signature: on the signing session, in turn, off the main thread unless the last one was
   * fast (then inline); always inline on a single-threaded module.
   */
  #sign(handle: Handle, alg: SignatureAlgorithm, h: HashName, data: Buffer): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new AppError('KEY_LOCKED', 'the PKCS#11 session is closed'));
    const signing = this.#signing;
    if (!signing) {
      try {
        const op = operationFor(alg, h, data);
        this.#lib.C_SignInit(this.#session, op.mechanism, handle);
        return Promise.resolve(op.finish(this.#lib.C_Sign(this.#session, op.input, Buffer.alloc(1024))));
      } catch (err) {
        return Promise.reject(tokenRefused(err));
      }
    }
    this.#pending++;
    const signature = this.#queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const op = operationFor(alg, h, data);
          const started = this.#now();
          /** The signature's time: whether the next one may be inline. */
          const timed = () => {
            const took = this.#now() - started;
            this.#fast = took < this.#inlineBelowMs;
            return took;
          };
          try {
            this.#lib.C_SignInit(signing, op.mechanism, handle);
            if (this.#fast && this.#inlineMs < INLINE_BUDGET_MS) {
              const raw = this.#lib.C_Sign(signing, op.input, Buffer.alloc(1024));
              this.#inlineMs += timed();
              resolve(op.finish(raw));
              return;
            }
            this.#lib.C_Sign(signing, op.input, Buffer.alloc(1024), (err, raw) => {
              this.#inlineMs = 0;
              if (err) {
                reject(tokenRefused(err));
                return;
              }
              timed();
              resolve(op.finish(raw));
            });
          } catch (err) {
            this.#fast = false;
            reject(tokenRefused(err));
          }
        }),
    );
    this.#queue = signature.then(
      () => this.#ended(),
      () => this.#ended(),
    );
    return signature;
  }

  /** A queued signature ended; the last one after close() shuts the store (never throwing: the queue must not reject). */
  #ended(): void {
    if (--this.#pending !== 0 || !this.#closed) return;
    try {
      this.#shut();
    } catch {
      // releasing the module failed (C_Finalize of a removed token): nothing is left to close
    }
  }

  #parse(uri: string): { token?: string; object?: string; id?: Buffer } {
    const u = parsePkcs11Uri(uri);
    if (!u) throw new AppError('KEY_URI_UNSUPPORTED', 'not a pkcs11: URI');
    if (u.token !== undefined && u.token !== this.#token) throw new AppError('KEY_NOT_FOUND', 'the key is on another token');
    if (u.type !== undefined && u.type !== 'private') throw new AppError('KEY_NOT_FOUND', 'the URI does not name a private key');
    if (u.id === undefined && u.object === undefined) throw new AppError('KEY_NOT_FOUND', 'the URI names no key (id or object required)');
    return u;
  }

  #findObjects(cls: number, u: { object?: string; id?: Buffer }): Handle[] {
    const tmpl: Attribute[] = [{ type: K.CKA_CLASS, value: cls }];
    if (u.id !== undefined) tmpl.push({ type: K.CKA_ID, value: u.id });
    if (u.object !== undefined) tmpl.push({ type: K.CKA_LABEL, value: u.object });
    this.#lib.C_FindObjectsInit(this.#session, tmpl);
    try {
      return this.#lib.C_FindObjects(this.#session, 2);
    } finally {
      this.#lib.C_FindObjectsFinal(this.#session);
    }
  }

  #findAll(template: Attribute[]): Handle[] {
    this.#lib.C_FindObjectsInit(this.#session, template);
    try {
      const all: Handle[] = [];
      for (let batch = this.#lib.C_FindObjects(this.#session, 64); batch.length > 0; batch = this.#lib.C_FindObjects(this.#session, 64))
        all.push(...batch);
      return all;
    } finally {
      this.#lib.C_FindObjectsFinal(this.#session);
    }
  }

  #find(uri: string): TokenKey {
    const hit = this.#cache.get(uri);
    if (hit) return hit;
    const u = this.#parse(uri);
    const priv = this.#findObjects(K.CKO_PRIVATE_KEY, u);
    if (priv.length !== 1)
      throw new AppError('KEY_NOT_FOUND', priv.length === 0 ? 'no such key on the token' : 'the URI matches several keys');
    const [keyType] = this.#lib.C_GetAttributeValue(this.#session, priv[0]!, [{ type: K.CKA_KEY_TYPE }]);
    const kind = keyType!.value.readUInt32LE(0) === K.CKK_EC ? 'ec' : 'rsa';
    const [pub] = this.#findObjects(K.CKO_PUBLIC_KEY, u);
    if (pub === undefined) throw new AppError('KEY_NOT_FOUND', 'the key has no public key object on the token');
    const key = { handle: priv[0]!, spki: this.#spkiOf(pub, kind), kind } as const;
    this.#cache.set(uri, key);
    return key;
  }

  #spkiOf(pub: Handle, kind: 'rsa' | 'ec'): Buffer {
    if (kind === 'rsa') {
      const [n, e] = this.#lib.C_GetAttributeValue(this.#session, pub, [{ type: K.CKA_MODULUS }, { type: K.CKA_PUBLIC_EXPONENT }]);
      return createPublicKey({
        key: { kty: 'RSA', n: n!.value.toString('base64url'), e: e!.value.toString('base64url') },
        format: 'jwk',
      }).export({ format: 'der', type: 'spki' });
    }
    const [params, point] = this.#lib.C_GetAttributeValue(this.#session, pub, [{ type: K.CKA_EC_PARAMS }, { type: K.CKA_EC_POINT }]);
    const crv = params!.value.equals(OID_P256) ? 'P-256' : params!.value.equals(OID_P384) ? 'P-384' : undefined;
    if (!crv) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'unsupported curve on the token');
    // CKA_EC_POINT is DER OCTET STRING (04 len 04‖X‖Y); some tokens return the bare point.
    let p = point!.value;
    if (p[0] === 0x04 && p.length > 2 && p[1] === p.length - 2 && p[2] === 0x04) p = p.subarray(2);
    const size = (p.length - 1) / 2;
    return createPublicKey({
      key: { kty: 'EC', crv, x: p.subarray(1, 1 + size).toString('base64url'), y: p.subarray(1 + size).toString('base64url') },
      format: 'jwk',
    }).export({ format: 'der', type: 'spki' });
  }
}

type HashName = 'sha256' | 'sha384' | 'sha512';

/**
 * What the token is asked for `alg`: the mechanism, the bytes it signs, and how its output becomes
 * the signature X.509 and CMS carry. ECDSA is hashed here and signed with plain CKM_ECDSA
 * (supported by every token); the token returns r‖s (PKCS#11 §2.3.1), turned into the DER SEQUENCE
 * of two INTEGERs.
 */
function operationFor(
  alg: SignatureAlgorithm,
  h: HashName,
  data: Buffer,
): { mechanism: Mechanism; input: Buffer; finish: (raw: Buffer) => Buffer } {
  if (alg.startsWith('ECDSA')) {
    const finish = (raw: Buffer) => {
      const half = raw.length / 2;
      return seq(int(raw.subarray(0, half)), int(raw.subarray(half)));
    };
    return { mechanism: { mechanism: K.CKM_ECDSA }, input: createHash(h).update(data).digest(), finish };
  }
  const copy = (raw: Buffer) => Buffer.from(raw);
  if (alg.startsWith('RSA-PSS')) {
    const mech = { sha256: K.CKM_SHA256_RSA_PKCS_PSS, sha384: K.CKM_SHA384_RSA_PKCS_PSS, sha512: K.CKM_SHA512_RSA_PKCS_PSS }[h];
    const hashAlg = { sha256: K.CKM_SHA256, sha384: K.CKM_SHA384, sha512: K.CKM_SHA512 }[h];
    const mgf = { sha256: K.CKG_MGF1_SHA256, sha384: K.CKG_MGF1_SHA384, sha512: K.CKG_MGF1_SHA512 }[h];
    const saltLen = { sha256: 32, sha384: 48, sha512: 64 }[h];
    return { mechanism: { mechanism: mech, parameter: { type: K.CK_PARAMS_RSA_PSS, hashAlg, mgf, saltLen } }, input: data, finish: copy };
  }
  const mech = { sha256: K.CKM_SHA256_RSA_PKCS, sha384: K.CKM_SHA384_RSA_PKCS, sha512: K.CKM_SHA512_RSA_PKCS }[h];
  return { mechanism: { mechanism: mech }, input: data, finish: copy };
}

function tokenRefused(err: unknown): AppError {
  return new AppError('KEY_LOCKED', 'the PKCS#11 token refused to sign', { cause: err });
}

/**
 * A second session on `slot` for the store's signatures when the module may be called from another
 * thread; it shares the login of the first (per application and token, PKCS#11 v2.40 §5.6), and
 * object handles are the same in every session of the application. A token out of sessions
 * leaves the store signing on the main thread.
 */
function signingSession(m: Loaded, slot: Handle): Handle | undefined {
  if (!m.threads) return undefined;
  try {
    return m.lib.C_OpenSession(slot, K.CKF_SERIAL_SESSION);
  } catch {
    return undefined;
  }
}

/** A certificate object on a token (public: readable without login). */
export interface TokenCertificate {
  /** Token label, trailing blanks removed. */
  readonly token: string;
  readonly label: string;
  /** CKA_ID: by convention the same as the private key's (PKCS#11 §4.6.3), so it names the key. */
  readonly id: Buffer;
  readonly der: Buffer;
}

/**
 * Every X.509 certificate object on every token present in the module, read through a
 * read-only public session (no PIN). Used by the local signing agent to let the official choose
 * a certificate; the key is then opened by the same token label and CKA_ID.
 */
export async function listPkcs11Certificates(modulePath: string): Promise<TokenCertificate[]> {
  const m = await loadModule(modulePath);
  const lib = m.lib;
  const out: TokenCertificate[] = [];
  try {
    for (const slot of lib.C_GetSlotList(true)) {
      const token = lib.C_GetTokenInfo(slot).label.trimEnd();
      let session: Handle;
      try {
        session = lib.C_OpenSession(slot, K.CKF_SERIAL_SESSION);
      } catch {
        continue; // an uninitialised token (SoftHSM2's spare slot, a blank card) has nothing to list
      }
      try {
        for (const c of certificatesInSession(lib, session)) out.push({ token, ...c });
      } finally {
        lib.C_CloseSession(session);
      }
    }
  } finally {
    if (m.refs === 0) release(modulePath);
  }
  return out;
}

/** The certificate objects (CKO_CERTIFICATE) a session can see, with the CKA_ID and label that tie each to its key. */
function certificatesInSession(lib: Pkcs11Api, session: Handle): Array<Omit<TokenCertificate, 'token'>> {
  lib.C_FindObjectsInit(session, [{ type: K.CKA_CLASS, value: K.CKO_CERTIFICATE }]);
  const handles: Handle[] = [];
  try {
    for (let batch = lib.C_FindObjects(session, 64); batch.length > 0; batch = lib.C_FindObjects(session, 64)) handles.push(...batch);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
  const out: Array<Omit<TokenCertificate, 'token'>> = [];
  for (const h of handles) {
    const [value, id, label] = lib.C_GetAttributeValue(session, h, [{ type: K.CKA_VALUE }, { type: K.CKA_ID }, { type: K.CKA_LABEL }]);
    if (!value?.value?.length) continue;
    out.push({
      der: Buffer.from(value.value),
      id: Buffer.from(id?.value ?? []),
      label: (label?.value ?? Buffer.alloc(0)).toString('utf8'),
    });
  }
  return out;
}

/** The loaded module for `modulePath` (loaded and C_Initialize'd on first use, then shared). */
async function loadModule(modulePath: string): Promise<Loaded> {
  await loadBinding();
  let m = modules.get(modulePath);
  if (!m) {
    const lib = new binding.PKCS11();
    let threads: boolean;
    try {
      lib.load(modulePath);
      threads = initialize(lib);
    } catch (err) {
      throw new AppError('CONFIG_INVALID', `cannot load the PKCS#11 module ${modulePath}`, { cause: err });
    }
    m = { lib, refs: 0, loggedIn: new Map(), stores: new Map(), threads };
    modules.set(modulePath, m);
  }
  return m;
}

/**
 * C_Initialize asking the module to lock with the operating system's primitives, so that it may be
 * called from several threads (PKCS#11 v2.40 §5.4, CK_C_INITIALIZE_ARGS); true when it agreed. A
 * module that cannot (CKR_CANT_LOCK, or any other refusal of the arguments) is initialized for a
 * single thread: false.
 */
function initialize(lib: Pkcs11Api): boolean {
  try {
    lib.C_Initialize({ flags: K.CKF_OS_LOCKING_OK });
    return true;
  } catch (err) {
    // CKR_CANT_LOCK is the answer the standard gives; a module that refuses the arguments some
    // other way (CKR_ARGUMENTS_BAD from a vendor library) still loads as it did without them.
    if ((err as { code?: number }).code === K.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw err;
  }
  lib.C_Initialize();
  return false;
}

/**
 * Keeps the module loaded until the returned function is called: a long-lived process (the
 * local signing agent) pays C_Initialize once, not once per listing and per signature (loading
 * a module reads every token's objects: about 10 ms with SoftHSM2, more with a vendor driver).
 * Stores opened meanwhile share it; calling the function again does nothing.
 */
export async function holdPkcs11Module(modulePath: string): Promise<() => void> {
  const m = await loadModule(modulePath);
  m.refs++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (modules.get(modulePath) === m && --m.refs === 0) release(modulePath);
  };
}

/** Drops (and overwrites) the hash of the PIN that logged in to `token`: the login has ended. */
function forgetPin(m: Loaded | undefined, token: string): void {
  const known = m?.loggedIn.get(token);
  if (!known) return;
  known.fill(0);
  m!.loggedIn.delete(token);
}

function release(modulePath: string): void {
  const m = modules.get(modulePath);
  modules.delete(modulePath);
  // C_Finalize ends every login of the module.
  for (const token of [...(m?.loggedIn.keys() ?? [])]) forgetPin(m, token);
  try {
    m?.lib.C_Finalize();
  } catch {
    // not initialized
  }
}

function spkiCurveBits(spki: Buffer): number {
  const k = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 384 : 256;
}
