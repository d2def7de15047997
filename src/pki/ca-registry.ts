import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { Signer } from '../core/signature-algorithms.js';
import type { KeyStore } from '../keys/key-store.js';
import { certificateInfo, type CertificateInfo } from '../cms/certificate-info.js';
import { keyIdentifier } from './extensions.js';
import type { CaRecord, CaRepository } from './ports.js';
import { pkiUrls } from './config.js';
import type { IssuerInfo } from './x509-builder.js';

/** A CA row with what the builders need derived once: parts, key id, issuer info, signer. */
export interface LoadedCa {
  readonly record: CaRecord;
  readonly parts: CertificateInfo;
  readonly keyId: Buffer;
  readonly issuer: IssuerInfo;
  /** SHA-1 of the public key BIT STRING (OCSP ResponderID byKey). */
  readonly keyHashSha1: Buffer;
  signer(): Promise<Signer>;
}

/**
 * Caches CA material (certificate parsing, key ids, signer handles) so the issuance hot path
 * does no repeated parsing. Call `invalidate()` after a CA row changes.
 */
export class CaRegistry {
  readonly #cache = new Map<string, Promise<LoadedCa>>();

  constructor(
    private readonly cas: CaRepository,
    private readonly keys: KeyStore,
    private readonly baseUrl: string,
  ) {}

  get(caId: string): Promise<LoadedCa> {
    let p = this.#cache.get(caId);
    if (!p) {
      p = this.#load(caId);
      this.#cache.set(caId, p);
      p.catch(() => this.#cache.delete(caId));
    }
    return p;
  }

  async list(): Promise<LoadedCa[]> {
    const rows = await this.cas.list();
    return Promise.all(rows.map((r) => this.get(r.id)));
  }

  invalidate(caId?: string): void {
    if (caId) this.#cache.delete(caId);
    else this.#cache.clear();
  }

  async #load(caId: string): Promise<LoadedCa> {
    const record = await this.cas.get(caId);
    if (!record) throw new AppError('CA_UNKNOWN', `unknown CA "${caId}"`, { details: { caId } });
    return loadCa(record, this.keys, this.baseUrl);
  }
}

export function loadCa(record: CaRecord, keys: KeyStore, baseUrl: string): LoadedCa {
  // a stored CA certificate that does not parse is our fault, not the caller's
  const parts = certificateInfo(record.certificateDer, 'INTERNAL');
  const keyId = keyIdentifier(parts.publicKeyBits);
  let signer: Promise<Signer> | undefined;
  return {
    record,
    parts,
    keyId,
    keyHashSha1: createHash('sha1').update(parts.publicKeyBits).digest(),
    issuer: {
      caId: record.id,
      nameDer: parts.subject,
      keyId,
      notBefore: record.notBefore,
      notAfter: record.notAfter,
      isCa: record.kind === 'root' || record.kind === 'issuing',
      urls: pkiUrls(baseUrl, record.id),
    },
    signer() {
      if (!signer) {
        signer = keys.signer(record.keyUri);
        signer.catch(() => (signer = undefined));
      }
      return signer;
    },
  };
}
