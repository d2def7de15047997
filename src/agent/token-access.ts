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

export class TokenAccess {
  readonly #modules: readonly string[];

  constructor(modules: readonly string[]) {
    this.#modules = modules;
  }

  get modules(): readonly string[] {
    return this.#modules;
  }

  async list(): Promise<AgentCertificate[]> {
    const { listPkcs11Certificates } = await import('../keys/adapters/pkcs11-key-store.js');
    const out: AgentCertificate[] = [];
    for (const [i, module] of this.#modules.entries()) {
      let found;
      try {
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
    return out;
  }

  /** Logs in with `pin`, signs `data` (the DER signed attributes; the token hashes them) and logs out. */
  async sign(certificateId: string, algorithm: string, data: Buffer, pin: string): Promise<Buffer> {
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
      return Buffer.from(await signer.sign(data));
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
