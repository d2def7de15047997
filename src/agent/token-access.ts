import { createHash, X509Certificate } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from '../core/signature-algorithms.js';
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
 * reloads the modules, so a token plugged in since is seen as before. A certificate removed from
 * the token can still be named for at most the lifetime of the listing; the key itself is looked
 * up on the token at every signature.
 *
 * The PIN logs in for one request only: C_Login, sign (one document, or the documents of a batch
 * the official confirmed as a whole), C_Logout. A USB token issued to an official stands for them
 * alone; a session left logged in between requests would let any page the official trusted with
 * "a" sign without the token checking a PIN (and counting wrong ones) again.
 * SoftHSM2 logs in in about 1-10 ms, a smart card with one PIN-verify command: small beside the
 * card's own signature.
 *
 * Token operations run one at a time: Cryptoki login state is per application and token, so a
 * C_Logout at the end of one signature would log out a second one running beside it.
 */
export class TokenAccess {
  readonly #modules: readonly string[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** module path → its release, for the modules loaded and held by this agent. */
  readonly #held = new Map<string, () => void>();
  #listed: { at: number; certificates: AgentCertificate[] } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

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
      const all = fresh ? this.#listed!.certificates : await this.#list();
      return all.find((c) => c.id === id);
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

  async #list(): Promise<AgentCertificate[]> {
    const { listPkcs11Certificates, holdPkcs11Module } = await import('../keys/adapters/pkcs11-key-store.js');
    const out: AgentCertificate[] = [];
    for (const [i, module] of this.#modules.entries()) {
      let found;
      try {
        this.#held.get(module)?.();
        this.#held.delete(module);
        this.#held.set(module, await holdPkcs11Module(module));
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
        out.push({
          id: `${i}/${formatPkcs11Uri({ token: c.token, id: c.id })}`,
          module,
          token: c.token,
          label: c.label,
          subject: x.subject,
          issuer: x.issuer,
          notAfter: new Date(x.validTo).toISOString(),
          chain,
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

  async #sign(certificateId: string, algorithm: string, data: readonly Buffer[], pin: string): Promise<Buffer[]> {
    const slash = certificateId.indexOf('/');
    const module = this.#modules[Number(certificateId.slice(0, slash))];
    const uri = parsePkcs11Uri(certificateId.slice(slash + 1));
    if (slash < 1 || !module || !uri?.token || !uri.id) throw new AppError('VALIDATION_FAILED', 'unknown certificate id');
    if (!(SIGNATURE_ALGORITHMS as readonly string[]).includes(algorithm))
      throw new AppError('VALIDATION_FAILED', `unsupported algorithm ${algorithm}`);
    const { Pkcs11KeyStore } = await import('../keys/adapters/pkcs11-key-store.js');
    const store = await Pkcs11KeyStore.open({ modulePath: module, tokenLabel: uri.token, pin });
    try {
      const signer = await store.signer(
        formatPkcs11Uri({ token: uri.token, id: uri.id, type: 'private' }),
        algorithm as SignatureAlgorithm,
      );
      const out: Buffer[] = [];
      for (const d of data) out.push(Buffer.from(await signer.sign(d)));
      return out;
    } finally {
      store.close();
    }
  }
}

/** SHA-2 digest named by a signature algorithm (for checking the page's digest against the data). */
export function digestOf(algorithm: string, data: Buffer): Buffer {
  const h = /SHA512$/.test(algorithm) ? 'sha512' : /SHA384$/.test(algorithm) ? 'sha384' : 'sha256';
  return createHash(h).update(data).digest();
}
