import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { CaRegistry } from './ca-registry.js';
import type { PkiConfig } from './config.js';
import { buildCrl, encodeCrlEntry } from './crl-builder.js';
import type { CrlRecord, PkiAuditSink, PkiStore } from './ports.js';

export interface CrlDeps {
  readonly store: PkiStore;
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
  readonly cas: CaRegistry;
  readonly config: PkiConfig;
}

/** CAs that publish CRLs: the root (for issuing CAs, responders) and the issuing CAs. */
const PAGE = 10_000;

/**
 * CRL generation per CA (RFC 5280 §5), on a schedule and on demand — never synchronously per
 * revocation. `markDirty` (wired to LifecycleService.onStatusChange) makes the next tick
 * regenerate early; otherwise a CRL is regenerated every `crlRefreshMinutes`.
 */
export class CrlService {
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Map<string, Promise<CrlRecord>>();

  constructor(private readonly d: CrlDeps) {}

  markDirty(caId: string): void {
    this.#dirty.add(caId);
  }

  /** Builds, signs and stores a new CRL for `caId` (pages through revoked rows by serial). */
  generate(caId: string): Promise<CrlRecord> {
    let p = this.#inFlight.get(caId);
    if (!p) {
      p = this.#generate(caId).finally(() => this.#inFlight.delete(caId));
      this.#inFlight.set(caId, p);
    }
    return p;
  }

  async #generate(caId: string): Promise<CrlRecord> {
    const ca = await this.d.cas.get(caId);
    if (ca.record.kind !== 'root' && ca.record.kind !== 'issuing') throw new AppError('CA_UNKNOWN', `${caId} does not publish CRLs`);
    this.#dirty.delete(caId);
    const thisUpdate = new Date(Math.floor(this.d.clock.now().getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.d.config.crlValidityHours * 3_600_000);
    const entries: Buffer[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await this.d.store.certificates.listRevoked(caId, {
        limit: PAGE,
        notExpiredAt: thisUpdate,
        ...(after ? { afterSerial: after } : {}),
      });
      for (const r of rows) entries.push(encodeCrlEntry(r));
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]?.serial;
    }
    const crlNumber = await this.d.store.cas.allocateCrlNumber(caId);
    const der = await buildCrl(
      { issuerNameDer: ca.issuer.nameDer, issuerKeyId: ca.keyId, crlNumber, thisUpdate, nextUpdate, entries },
      await ca.signer(),
    );
    const rec: CrlRecord = { caId, crlNumber, thisUpdate, nextUpdate, der, entryCount: entries.length, createdAt: this.d.clock.now() };
    await this.d.store.crls.save(rec);
    await this.d.audit.append({
      actor: 'system',
      role: 'system',
      action: 'crl.generate',
      target: caId,
      outcome: 'success',
      details: { crlNumber, entries: entries.length, nextUpdate: nextUpdate.toISOString() },
    });
    await this.d.store.crls.prune(caId, 5).catch(() => 0);
    return rec;
  }

  /** Latest CRL, generating one when none exists or it has passed nextUpdate. */
  async latest(caId: string): Promise<CrlRecord> {
    await this.d.cas.get(caId);
    const cur = await this.d.store.crls.latest(caId);
    if (cur && cur.nextUpdate > this.d.clock.now()) return cur;
    return this.generate(caId);
  }

  /** One scheduler pass: regenerate CRLs that are dirty, missing or older than the refresh interval. */
  async tick(): Promise<string[]> {
    const done: string[] = [];
    const now = this.d.clock.now().getTime();
    for (const ca of await this.d.cas.list()) {
      if (ca.record.kind !== 'root' && ca.record.kind !== 'issuing') continue;
      const cur = await this.d.store.crls.latest(ca.record.id);
      const stale = !cur || now - cur.thisUpdate.getTime() >= this.d.config.crlRefreshMinutes * 60_000 || cur.nextUpdate.getTime() <= now;
      if (stale || this.#dirty.has(ca.record.id)) {
        await this.generate(ca.record.id);
        done.push(ca.record.id);
      }
    }
    return done;
  }

  /** Runs `tick` every `everyMs` (unref'd timer); returns a stop function. Errors go to `onError`. */
  startSchedule(everyMs = 60_000, onError: (e: unknown) => void = () => undefined): () => void {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      this.tick()
        .catch(onError)
        .finally(() => (running = false));
    }, everyMs);
    t.unref();
    return () => clearInterval(t);
  }
}
