import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { isAppError } from '../core/errors.js';
import type { CaRegistry, LoadedCa } from './ca-registry.js';
import { ocspResponderId } from './ca-bootstrap.js';
import { mustNotAnswer, ownCertificateKey, ownCertificateStateOf } from './ca-certificate-status.js';
import type { PkiConfig } from './config.js';
import {
  buildOcspResponse,
  decodeOcspGetPath,
  issuerHashes,
  ocspErrorResponse,
  parseOcspRequest,
  type OcspCertStatus,
  type OcspResponder,
  type OcspResponseStatus,
  type OcspSingle,
} from './ocsp.js';
import type { CertificateRecord, PkiStore } from './ports.js';
import { reasonCode } from './revocation-reasons.js';

export interface OcspAnswer {
  /** application/ocsp-response body (always 200 at the HTTP layer, RFC 6960 Appendix A). */
  readonly der: Buffer;
  readonly status: OcspResponseStatus;
  /** RFC 5019 §6.2 cache hints; absent for error responses and nonce responses. */
  readonly cache?: { readonly producedAt: Date; readonly nextUpdate: Date; readonly maxAgeSeconds: number; readonly etag: string };
  /** The underlying error for logs (never sent to the client). */
  readonly error?: unknown;
}

export interface OcspDeps {
  readonly store: PkiStore;
  readonly cas: CaRegistry;
  readonly clock: Clock;
  readonly config: PkiConfig;
}

interface CacheEntry {
  readonly der: Buffer;
  readonly fingerprint: string;
  readonly producedAt: Date;
  readonly refreshAt: number;
  readonly nextUpdate: Date;
  readonly etag: string;
}

const MAX_CACHE = 50_000;
/** Certificates read together at most (two per answer). */
const MAX_BATCH_KEYS = 64;

interface ReadBatch {
  readonly keys: { caId: string; serial: string }[];
  readonly rows: Promise<(CertificateRecord | undefined)[]>;
}
const HASHES = ['sha1', 'sha256', 'sha384', 'sha512'];

function fingerprint(c: CertificateRecord | undefined): string {
  if (!c || c.status === 'pending' || c.status === 'failed') return 'unknown';
  if (c.status === 'active') return 'good';
  return `revoked|${c.revokedAt?.getTime() ?? 0}|${c.revocationReason ?? ''}`;
}

function statusOf(c: CertificateRecord | undefined): OcspCertStatus {
  if (!c || c.status === 'pending' || c.status === 'failed') return { kind: 'unknown' };
  if (c.status === 'active') return { kind: 'good' };
  return {
    kind: 'revoked',
    revokedAt: c.revokedAt ?? c.updatedAt,
    reasonCode: c.revocationReason ? reasonCode(c.revocationReason) : undefined,
  };
}

/**
 * OCSP responder (RFC 6960, RFC 5019 profile). Responses for a (CA, serial) are signed once
 * and served from cache while the stored status is unchanged and nextUpdate is not near;
 * the status is read from the store on every request, so a revocation made by another process
 * (e.g. the CLI) is visible immediately. Requests with a nonce are signed fresh (RFC 8954).
 */
export class OcspService {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<CacheEntry>>();
  #index: Map<string, string> | undefined;
  #batch: ReadBatch | undefined;
  #indexBuiltAt = 0;
  signed = 0;

  constructor(private readonly d: OcspDeps) {}

  /** Drop cached responses for one certificate (called on status change). */
  invalidate(caId: string, serial: string): void {
    this.#cache.delete(`${caId}:${serial}`);
  }

  /** Rebuild the issuer index (after CA changes). */
  reload(): void {
    this.#index = undefined;
    this.#cache.clear();
  }

  respondToGet(pathSegment: string): Promise<OcspAnswer> {
    let der: Buffer;
    try {
      der = decodeOcspGetPath(pathSegment);
    } catch (e) {
      return Promise.resolve({ der: ocspErrorResponse('malformedRequest'), status: 'malformedRequest', error: e });
    }
    return this.respond(der);
  }

  /** Never throws: garbage gets malformedRequest, foreign issuers unauthorized, failures internalError. */
  async respond(body: Buffer): Promise<OcspAnswer> {
    let req: ReturnType<typeof parseOcspRequest>;
    try {
      req = parseOcspRequest(body);
    } catch (e) {
      return { der: ocspErrorResponse('malformedRequest'), status: 'malformedRequest', error: e };
    }
    try {
      const caIds = new Set<string>();
      for (const id of req.certIds) {
        const ca = await this.#issuerOf(id.hashAlgorithm, id.issuerNameHash, id.issuerKeyHash);
        if (!ca) return { der: ocspErrorResponse('unauthorized'), status: 'unauthorized' };
        caIds.add(ca);
      }
      if (caIds.size !== 1) return { der: ocspErrorResponse('unauthorized'), status: 'unauthorized' };
      const caId = [...caIds][0] as string;
      // RFC 6960 §2.3: while the responder's own certificate is on hold the service is
      // temporarily unable to answer (tryLater); revoked or expired, no answer it signs can be
      // trusted, so it reports an internal error and clients go to another source (the CRL).
      const loaded: LoadedCa = await this.d.cas.get(ocspResponderId(caId));
      const first = req.certIds[0];
      const single = req.certIds.length === 1 && !req.nonceExtension && first !== undefined;
      // the common request (one certificate, no nonce): the responder's own certificate and the
      // one asked about in one read, both as stored now
      const ownKey = ownCertificateKey(loaded.record);
      const [ownRec, asked] = single
        ? await this.#readTogether(ownKey, { caId, serial: first.serial })
        : [await this.d.store.certificates.findBySerial(ownKey.caId, ownKey.serial), undefined];
      const own = ownCertificateStateOf(loaded.record, ownRec, this.d.clock.now());
      if (mustNotAnswer(own)) {
        const status = own === 'on-hold' ? 'tryLater' : 'internalError';
        return { der: ocspErrorResponse(status), status };
      }
      const responder = await this.#responder(loaded);
      if (single) {
        const e = await this.#cached(caId, first.serial, first.raw, responder, asked);
        const maxAgeSeconds = Math.max(0, Math.floor((e.nextUpdate.getTime() - this.d.clock.now().getTime()) / 1000));
        return {
          der: e.der,
          status: 'successful',
          cache: { producedAt: e.producedAt, nextUpdate: e.nextUpdate, maxAgeSeconds, etag: e.etag },
        };
      }
      const now = this.#now();
      const singles: OcspSingle[] = [];
      for (const id of req.certIds) {
        const rec = await this.d.store.certificates.findBySerial(caId, id.serial);
        singles.push({ certIdRaw: id.raw, status: statusOf(rec), thisUpdate: now, nextUpdate: this.#nextUpdate(now) });
      }
      this.signed++;
      const der = await buildOcspResponse({ responder, producedAt: now, singles, nonceExtension: req.nonceExtension });
      return { der, status: 'successful' };
    } catch (e) {
      return {
        der: ocspErrorResponse(isAppError(e, 'STORE_UNAVAILABLE') ? 'tryLater' : 'internalError'),
        status: isAppError(e, 'STORE_UNAVAILABLE') ? 'tryLater' : 'internalError',
        error: e,
      };
    }
  }

  /**
   * The two rows an answer needs, as stored now, read together with those of every other answer
   * asked in the same turn of the event loop (the LTV material of a signature asks for its
   * chains' certificates at once): one read for all of them instead of one each. Nothing is
   * kept once the read has answered, so a status change is seen by the next request.
   */
  #readTogether(
    a: { caId: string; serial: string },
    b: { caId: string; serial: string },
  ): Promise<[CertificateRecord | undefined, CertificateRecord | undefined]> {
    let batch = this.#batch;
    if (!batch || batch.keys.length >= MAX_BATCH_KEYS) {
      const keys: { caId: string; serial: string }[] = [];
      const opened: ReadBatch = { keys, rows: new Promise((resolve, reject) => setImmediate(() => this.#flush(opened, resolve, reject))) };
      batch = this.#batch = opened;
    }
    const at = batch.keys.push(a, b) - 2;
    return batch.rows.then((rows) => [rows[at], rows[at + 1]]);
  }

  #flush(batch: ReadBatch, resolve: (rows: (CertificateRecord | undefined)[]) => void, reject: (e: unknown) => void): void {
    if (this.#batch === batch) this.#batch = undefined;
    this.d.store.certificates.findBySerials(batch.keys).then(resolve, reject);
  }

  #now(): Date {
    return new Date(Math.floor(this.d.clock.now().getTime() / 1000) * 1000);
  }

  #nextUpdate(now: Date): Date {
    return new Date(now.getTime() + this.d.config.ocspValidityMinutes * 60_000);
  }

  /** `rec`: the certificate's row as read for this request. */
  async #cached(
    caId: string,
    serial: string,
    certIdRaw: Buffer,
    responder: OcspResponder,
    rec: CertificateRecord | undefined,
  ): Promise<CacheEntry> {
    // The CertID bytes (hash algorithm) are part of the key: a SHA-256 CertID needs its own response.
    const key = `${caId}:${serial}`;
    const fp = fingerprint(rec);
    const hit = this.#cache.get(key);
    if (hit && hit.fingerprint === fp && hit.refreshAt > this.d.clock.now().getTime() && hit.der.includes(certIdRaw)) return hit;
    const flightKey = `${key}:${fp}:${certIdRaw.toString('hex')}`;
    let p = this.#inFlight.get(flightKey);
    if (!p) {
      p = (async () => {
        const now = this.#now();
        const nextUpdate = this.#nextUpdate(now);
        this.signed++;
        const der = await buildOcspResponse({
          responder,
          producedAt: now,
          singles: [{ certIdRaw, status: statusOf(rec), thisUpdate: now, nextUpdate }],
        });
        const entry: CacheEntry = {
          der,
          fingerprint: fp,
          producedAt: now,
          nextUpdate,
          refreshAt: now.getTime() + (nextUpdate.getTime() - now.getTime()) * 0.75,
          etag: `"${createHash('sha1').update(der).digest('hex')}"`,
        };
        if (this.#cache.size >= MAX_CACHE) {
          const oldest = this.#cache.keys().next().value;
          if (oldest !== undefined) this.#cache.delete(oldest);
        }
        this.#cache.delete(key);
        this.#cache.set(key, entry);
        return entry;
      })().finally(() => this.#inFlight.delete(flightKey));
      this.#inFlight.set(flightKey, p);
    }
    return p;
  }

  async #responder(r: LoadedCa): Promise<OcspResponder> {
    return { signer: await r.signer(), certificate: r.record.certificateDer, keyHash: r.keyHashSha1 };
  }

  async #issuerOf(hash: string, nameHash: Buffer, keyHash: Buffer): Promise<string | undefined> {
    if (!HASHES.includes(hash)) return undefined;
    const k = `${hash}:${nameHash.toString('hex')}:${keyHash.toString('hex')}`;
    if (!this.#index || (!this.#index.has(k) && this.d.clock.now().getTime() - this.#indexBuiltAt > 30_000)) {
      const index = new Map<string, string>();
      for (const ca of await this.d.cas.list()) {
        if (ca.record.kind !== 'root' && ca.record.kind !== 'issuing') continue;
        for (const h of HASHES) {
          const { nameHash: n, keyHash: kh } = issuerHashes(ca.parts.subject, ca.parts.publicKeyBits, h);
          index.set(`${h}:${n.toString('hex')}:${kh.toString('hex')}`, ca.record.id);
        }
      }
      this.#index = index;
      this.#indexBuiltAt = this.d.clock.now().getTime();
    }
    return this.#index.get(k);
  }
}
