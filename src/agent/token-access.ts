import { createHash, X509Certificate } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { SIGNATURE_ALGORITHMS, defaultAlgorithmFor, type SignatureAlgorithm } from '../core/signature-algorithms.js';
import { formatPkcs11Uri, parsePkcs11Uri } from '../keys/pkcs11-uri.js';

/**
 * The PKCS#11 tokens the agent may use: only the module paths the official configured are ever
 * loaded (a page names a certificate by `<module index>/<pkcs11 URI>`, never a library path).
 */
export interface AgentCertificate {
  /** `<module index>/pkcs11:token=…;id=…` — opaque to the page. */
  readonly id: string;
  readonly module: string;
  readonly token: string;
  readonly label: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notAfter: string;
  /** Base64 DER of the signer certificate, then the CA certificates found on the same token that chain it. */
  readonly chain: readonly string[];
  /**
   * The signature algorithm the server would choose for this key (RSA → RSA-PKCS1-SHA256, P-256 →
   * ECDSA-SHA256…): the page names it when it prepares, so it can open a declared batch with it
   * before the first prepare answers. Absent for a key type the service does not sign with.
   */
  readonly algorithm?: SignatureAlgorithm;
}

export interface TokenAccessOptions {
  /** How long a listing answers certificate lookups of /v1/sign (default 10 000 ms). */
  readonly certificateTtlMs?: number;
  readonly now?: () => number;
}

/**
 * Cost per signature. The modules are loaded once and held until close() (loading one reads
 * every token's objects), and the certificate listing is kept for a short while
 * (`certificateTtlMs`, 10 s by default) so that a batch signed right after the page listed the
 * certificates does not enumerate and parse every certificate again for each document. An
 * explicit listing (the page asking for the certificates) always reads the tokens afresh and
 * reloads the modules, so a token plugged in since is seen as before; a lookup once the listing
 * expired reads the tokens afresh through the modules held, and reloads them only when the
 * certificate is not found that way. A certificate removed from
 * the token can still be named for at most the lifetime of the listing; the key itself is looked
 * up on the token at every signature.
 *
 * The PIN logs in for one request (C_Login, sign one document or the documents of a batch the
 * official confirmed as a whole, C_Logout), or for one declared batch (`openSession`): the
 * official confirmed a count of named documents, and the login lasts until they are signed, the
 * page ends the batch, it sits idle or anything fails (the agent's DeclaredBatches decides when;
 * the CSC "credentials/authorize" model, SCAL2 in CEN/TS 119 432). A USB token issued to an
 * official stands for them alone; no login is ever kept beyond what the official confirmed.
 * SoftHSM2 logs in in about 1-10 ms, a smart card with one PIN-verify command: small beside the
 * card's own signature.
 *
 * Token operations run one at a time: Cryptoki login state is per application and token, so a
 * C_Logout at the end of one signature would log out a second one running beside it. For the
 * same reason, while a declared batch holds a token's login every other signature on that token
 * is refused (CONFLICT) instead of logging the batch out.
 */
export class TokenAccess {
  readonly #modules: readonly string[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** module path → its release, for the modules loaded and held by this agent. */
  readonly #held = new Map<string, () => void>();
  #listed: { at: number; certificates: AgentCertificate[] } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** `module\ntoken` of the tokens whose login a declared batch holds. */
  readonly #heldLogins = new Set<string>();

  constructor(modules: readonly string[], o: TokenAccessOptions = {}) {
    this.#modules = modules;
    this.#ttlMs = o.certificateTtlMs ?? 10_000;
    this.#now = o.now ?? Date.now;
  }

  get modules(): readonly string[] {
    return this.#modules;
  }

  /** Every certificate on every token present, read afresh (modules reloaded: tokens plugged in since are seen). */
  list(): Promise<AgentCertificate[]> {
    return this.#serial(() => this.#list());
  }

  /** The certificate `id` names, from a listing at most `certificateTtlMs` old (else read afresh); undefined when absent. */
  certificate(id: string): Promise<AgentCertificate | undefined> {
    return this.#serial(async () => {
      const fresh = this.#listed && this.#now() - this.#listed.at < this.#ttlMs;
      if (fresh) return this.#listed!.certificates.find((c) => c.id === id);
      // Stale: read the tokens again through the modules already held (C_Finalize + C_Initialize
      // re-reads every token's objects); only a certificate not found that way reloads them.
      return (await this.#list(false)).find((c) => c.id === id) ?? (await this.#list()).find((c) => c.id === id);
    });
  }

  /** Releases the modules (C_Finalize when nothing else uses them); for the agent's stop. */
  async close(): Promise<void> {
    await this.#serial(async () => {
      for (const release of this.#held.values()) release();
      this.#held.clear();
      this.#listed = undefined;
    });
  }

  #serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(f);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Every certificate on the tokens present; `reload`: the modules are loaded again first (else those held are used). */
  async #list(reload = true): Promise<AgentCertificate[]> {
    const { listPkcs11Certificates, holdPkcs11Module } = await import('../keys/adapters/pkcs11-key-store.js');
    const out: AgentCertificate[] = [];
    for (const [i, module] of this.#modules.entries()) {
      let found;
      try {
        if (reload || !this.#held.has(module)) {
          this.#held.get(module)?.();
          this.#held.delete(module);
          this.#held.set(module, await holdPkcs11Module(module));
        }
        found = await listPkcs11Certificates(module);
      } catch {
        continue; // a module that cannot load (token vendor not installed) simply lists nothing
      }
      const parsed = found.flatMap((c) => {
        try {
          return [{ c, x: new X509Certificate(c.der) }];
        } catch {
          return [];
        }
      });
      for (const { c, x } of parsed) {
        if (x.ca) continue;
        const chain = [c.der.toString('base64')];
        let at = x;
        for (let depth = 0; depth < 5; depth++) {
          const up = parsed.find((p) => p.c.token === c.token && p.x.ca && at.checkIssued(p.x) && p.x !== at);
          if (!up) break;
          chain.push(up.c.der.toString('base64'));
          if (up.x.checkIssued(up.x)) break;
          at = up.x;
        }
        const algorithm = algorithmOf(x);
        out.push({
          id: `${i}/${formatPkcs11Uri({ token: c.token, id: c.id })}`,
          module,
          token: c.token,
          label: c.label,
          subject: x.subject,
          issuer: x.issuer,
          notAfter: new Date(x.validTo).toISOString(),
          chain,
          ...(algorithm ? { algorithm } : {}),
        });
      }
    }
    this.#listed = { at: this.#now(), certificates: out };
    return out;
  }

  /** Logs in with `pin`, signs `data` (the DER signed attributes; the token hashes them) and logs out. */
  async sign(certificateId: string, algorithm: string, data: Buffer, pin: string): Promise<Buffer> {
    return (await this.signMany(certificateId, algorithm, [data], pin))[0]!;
  }

  /**
   * One login for a batch the official confirmed as a whole: C_Login, one C_Sign per item, C_Logout
   * in any case (also when an item fails). The login lasts exactly as long as this call; nothing
   * else runs on the token meanwhile (one operation at a time).
   */
  signMany(certificateId: string, algorithm: string, data: readonly Buffer[], pin: string): Promise<Buffer[]> {
    return this.#serial(() => this.#sign(certificateId, algorithm, data, pin));
  }

  /** Whether a declared batch holds the login of `cert`'s token (a signature would be refused: CONFLICT). */
  isHeld(cert: AgentCertificate): boolean {
    return this.#heldLogins.has(`${cert.module}\n${cert.token}`);
  }

  /**
   * Logs in with `pin` for a declared batch: the session signs until `close()` (C_Logout,
   * C_CloseSession), which the agent calls when the batch ends. Meanwhile no other signature runs on
   * that token (CONFLICT). A wrong PIN fails here, before anything is signed.
   */
  openSession(certificateId: string, algorithm: string, pin: string): Promise<TokenSession> {
    return this.#serial(async () => {
      const open = await this.#login(certificateId, algorithm, pin);
      this.#heldLogins.add(open.key);
      let ending: Promise<void> | undefined;
      return {
        sign: (data) =>
          this.#serial(async () => {
            if (ending) throw new AppError('NOT_FOUND', 'the batch has ended');
            const out: Buffer[] = [];
            for (const d of data) out.push(Buffer.from(await open.signer.sign(d)));
            return out;
          }),
        close: () =>
          (ending ??= this.#serial(async () => {
            this.#heldLogins.delete(open.key);
            open.store.close();
          })),
      };
    });
  }

  async #sign(certificateId: string, algorithm: string, data: readonly Buffer[], pin: string): Promise<Buffer[]> {
    const { store, signer } = await this.#login(certificateId, algorithm, pin);
    try {
      const out: Buffer[] = [];
      for (const d of data) out.push(Buffer.from(await signer.sign(d)));
      return out;
    } finally {
      store.close();
    }
  }

  /** C_Login on the certificate's token and its private key's signer; the caller closes the store. */
  async #login(certificateId: string, algorithm: string, pin: string) {
    const slash = certificateId.indexOf('/');
    const module = this.#modules[Number(certificateId.slice(0, slash))];
    const uri = parsePkcs11Uri(certificateId.slice(slash + 1));
    if (slash < 1 || !module || !uri?.token || !uri.id) throw new AppError('VALIDATION_FAILED', 'unknown certificate id');
    if (!(SIGNATURE_ALGORITHMS as readonly string[]).includes(algorithm))
      throw new AppError('VALIDATION_FAILED', `unsupported algorithm ${algorithm}`);
    const key = `${module}\n${uri.token}`;
    if (this.#heldLogins.has(key)) throw tokenHeld();
    const { Pkcs11KeyStore } = await import('../keys/adapters/pkcs11-key-store.js');
    const store = await Pkcs11KeyStore.open({ modulePath: module, tokenLabel: uri.token, pin });
    try {
      const signer = await store.signer(
        formatPkcs11Uri({ token: uri.token, id: uri.id, type: 'private' }),
        algorithm as SignatureAlgorithm,
      );
      return { key, store, signer };
    } catch (e) {
      store.close();
      throw e;
    }
  }
}

export function tokenHeld(): AppError {
  return new AppError('CONFLICT', 'the token is signing a declared batch: it is free again when that batch ends');
}

/** A token login held for one declared batch (TokenAccess.openSession). */
export interface TokenSession {
  /** Signs each item (DER signed attributes) in order; refused once `close()` was called. */
  sign(data: readonly Buffer[]): Promise<Buffer[]>;
  /** C_Logout and C_CloseSession, after any signature already queued; called again, the same promise. */
  close(): Promise<void>;
}

/** The service's default signature algorithm for the certificate's key (sign-service), undefined for another key type. */
function algorithmOf(x: X509Certificate): SignatureAlgorithm | undefined {
  try {
    return defaultAlgorithmFor(x.publicKey);
  } catch {
    return undefined;
  }
}

/** SHA-2 digest named by a signature algorithm (for checking the page's digest against the data). */
export function digestOf(algorithm: string, data: Buffer): Buffer {
  const h = /SHA512$/.test(algorithm) ? 'sha512' : /SHA384$/.test(algorithm) ? 'sha384' : 'sha256';
  return createHash(h).update(data).digest();
}
