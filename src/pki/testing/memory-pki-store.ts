import { AppError } from '../../core/errors.js';
import type {
  CaRecord,
  CaRepository,
  CertificateFilter,
  CertificateRecord,
  CertificateRepository,
  CertificateStatus,
  CertificateStatusChange,
  CrlRecord,
  CrlRepository,
  NewPendingCertificate,
  PkiRepositories,
  PkiStore,
  RequestFilter,
  RequestRecord,
  RequestRepository,
  RequestState,
  RequestTransition,
  RevokedEntry,
  SubscriberFilter,
  SubscriberRecord,
  SubscriberRepository,
} from '../ports.js';

/**
 * An honest in-memory PkiStore for unit tests and benchmarks: same uniqueness rules and
 * compare-and-set semantics as the SQL adapters, transactions roll back by snapshot.
 */
interface State {
  cas: Map<string, CaRecord>;
  crlCounters: Map<string, number>;
  certs: Map<string, CertificateRecord>;
  certBySerial: Map<string, string>;
  subs: Map<string, SubscriberRecord>;
  reqs: Map<string, RequestRecord>;
  crls: CrlRecord[];
}

const dup = (what: string): never => {
  throw new AppError('STORE_CONSTRAINT', `duplicate ${what}`);
};
const page = <T>(rows: T[], f: { limit?: number; offset?: number }): T[] =>
  rows.slice(f.offset ?? 0, (f.offset ?? 0) + Math.min(f.limit ?? 100, 1000));

class Cas implements CaRepository {
  constructor(private readonly s: () => State) {}
  async get(id: string) {
    return this.s().cas.get(id);
  }
  async list() {
    return [...this.s().cas.values()];
  }
  async insert(r: CaRecord) {
    if (this.s().cas.has(r.id)) dup('CA id');
    this.s().cas.set(r.id, r);
    this.s().crlCounters.set(r.id, 0);
  }
  async updateCertificate(
    id: string,
    c: { keyUri: string; certificateDer: Buffer; serial: string; notBefore: Date; notAfter: Date; subjectDn: string },
  ) {
    const r = this.s().cas.get(id);
    if (r) this.s().cas.set(id, { ...r, ...c });
  }
  async allocateCrlNumber(caId: string) {
    const n = (this.s().crlCounters.get(caId) ?? 0) + 1;
    this.s().crlCounters.set(caId, n);
    return n;
  }
}

class Certs implements CertificateRepository {
  /** Serial-sorted revoked rows per CA, rebuilt after any change (keyset paging like an index). */
  #revokedIndex = new Map<string, { version: number; rows: CertificateRecord[] }>();
  #version = 0;
  constructor(private readonly s: () => State) {}
  async reserve(r: NewPendingCertificate) {
    const key = `${r.caId}:${r.serial}`;
    if (this.s().certBySerial.has(key)) dup('(caId, serial)');
    if (this.s().certs.has(r.id)) dup('certificate id');
    const rec: CertificateRecord = {
      ...r,
      status: 'pending',
      der: null,
      revocationReason: null,
      revokedAt: null,
      invalidityDate: null,
      failureReason: null,
      updatedAt: r.createdAt,
    };
    this.s().certs.set(r.id, rec);
    this.s().certBySerial.set(key, r.id);
    this.#version++;
    return rec;
  }
  #cas(id: string, expected: CertificateStatus, patch: Partial<CertificateRecord>): boolean {
    const r = this.s().certs.get(id);
    if (!r || r.status !== expected) return false;
    this.s().certs.set(id, { ...r, ...patch });
    this.#version++;
    return true;
  }
  async markIssued(id: string, der: Buffer, at: Date) {
    return this.#cas(id, 'pending', { status: 'active', der, updatedAt: at });
  }
  async markFailed(id: string, failureReason: string, at: Date) {
    return this.#cas(id, 'pending', { status: 'failed', failureReason, updatedAt: at });
  }
  async changeStatus(id: string, expected: CertificateStatus, c: CertificateStatusChange) {
    return this.#cas(id, expected, {
      status: c.status,
      revocationReason: c.revocationReason,
      revokedAt: c.revokedAt,
      invalidityDate: c.invalidityDate,
      updatedAt: c.at,
    });
  }
  async findById(id: string) {
    return this.s().certs.get(id);
  }
  async findBySerial(caId: string, serial: string) {
    const id = this.s().certBySerial.get(`${caId}:${serial}`);
    return id ? this.s().certs.get(id) : undefined;
  }
  async findBySerials(keys: readonly { caId: string; serial: string }[]) {
    return Promise.all(keys.map((k) => this.findBySerial(k.caId, k.serial)));
  }
  async findBySerialAnyCa(serial: string) {
    return [...this.s().certs.values()].filter((c) => c.serial === serial);
  }
  async findStatusByDer(serial: string, der: Buffer) {
    const c = [...this.s().certs.values()].find((r) => r.serial === serial && r.der !== null && r.der.equals(der));
    return c && { status: c.status, revocationReason: c.revocationReason, revokedAt: c.revokedAt };
  }
  async list(f: CertificateFilter) {
    const rows = [...this.s().certs.values()]
      .filter(
        (c) =>
          (!f.caId || c.caId === f.caId) &&
          (!f.status || c.status === f.status) &&
          (!f.subscriberId || c.subscriberId === f.subscriberId) &&
          (!f.profile || c.profile === f.profile) &&
          (!f.validAt || c.notAfter > f.validAt),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return page(rows, f);
  }
  async listRevoked(caId: string, p: { afterSerial?: string; limit: number; notExpiredAt?: Date }): Promise<RevokedEntry[]> {
    let idx = this.#revokedIndex.get(caId);
    if (!idx || idx.version !== this.#version) {
      const rows = [...this.s().certs.values()]
        .filter((c) => c.caId === caId && (c.status === 'revoked' || c.status === 'on-hold'))
        .sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));
      idx = { version: this.#version, rows };
      this.#revokedIndex.set(caId, idx);
    }
    const rows = idx.rows;
    let lo = 0;
    if (p.afterSerial) {
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((rows[mid] as CertificateRecord).serial <= p.afterSerial) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: RevokedEntry[] = [];
    for (let i = lo; i < rows.length && out.length < p.limit; i++) {
      const c = rows[i] as CertificateRecord;
      if (p.notExpiredAt && c.notAfter < p.notExpiredAt) continue;
      out.push({
        serial: c.serial,
        revokedAt: c.revokedAt as Date,
        reason: c.revocationReason ?? 'unspecified',
        invalidityDate: c.invalidityDate,
      });
    }
    return out;
  }
  async failStalePending(olderThan: Date, failureReason: string, at: Date) {
    let n = 0;
    for (const c of this.s().certs.values()) {
      if (c.status === 'pending' && c.createdAt < olderThan) {
        this.s().certs.set(c.id, { ...c, status: 'failed', failureReason, updatedAt: at });
        this.#version++;
        n++;
      }
    }
    return n;
  }
}

class Subs implements SubscriberRepository {
  constructor(private readonly s: () => State) {}
  async insert(r: SubscriberRecord) {
    if (this.s().subs.has(r.id)) dup('subscriber id');
    this.s().subs.set(r.id, r);
  }
  async update(id: string, c: Parameters<SubscriberRepository['update']>[1]) {
    const r = this.s().subs.get(id);
    if (!r) return false;
    const next = { ...r } as Record<string, unknown>;
    for (const [k, v] of Object.entries(c)) if (v !== undefined) next[k] = v;
    this.s().subs.set(id, next as unknown as SubscriberRecord);
    return true;
  }
  async get(id: string) {
    return this.s().subs.get(id);
  }
  async findByIdentifier(identifier: string) {
    return [...this.s().subs.values()].filter((s) => s.identifiers.includes(identifier));
  }
  async list(f: SubscriberFilter) {
    return page(
      [...this.s().subs.values()].filter(
        (s) =>
          (!f.kind || s.kind === f.kind) &&
          (!f.status || s.status === f.status) &&
          (!f.managingOrganizationId || s.managingOrganizationId === f.managingOrganizationId),
      ),
      f,
    );
  }
}

class Reqs implements RequestRepository {
  constructor(private readonly s: () => State) {}
  async insert(r: RequestRecord) {
    if (this.s().reqs.has(r.id)) dup('request id');
    this.s().reqs.set(r.id, r);
  }
  async get(id: string) {
    return this.s().reqs.get(id);
  }
  async transition(id: string, expected: RequestState, c: RequestTransition) {
    const r = this.s().reqs.get(id);
    if (!r || r.state !== expected) return false;
    const next = { ...r } as Record<string, unknown>;
    for (const [k, v] of Object.entries(c)) if (v !== undefined) next[k] = v;
    this.s().reqs.set(id, next as unknown as RequestRecord);
    return true;
  }
  async list(f: RequestFilter) {
    return page(
      [...this.s().reqs.values()].filter(
        (r) =>
          (!f.state || r.state === f.state) &&
          (!f.subscriberId || r.subscriberId === f.subscriberId) &&
          (!f.managingOrganizationId || this.s().subs.get(r.subscriberId)?.managingOrganizationId === f.managingOrganizationId),
      ),
      f,
    );
  }
}

class Crls implements CrlRepository {
  constructor(private readonly s: () => State) {}
  async save(r: CrlRecord) {
    if (this.s().crls.some((c) => c.caId === r.caId && c.crlNumber === r.crlNumber)) dup('(caId, crlNumber)');
    this.s().crls.push(r);
  }
  async latest(caId: string) {
    return this.s()
      .crls.filter((c) => c.caId === caId)
      .sort((a, b) => b.crlNumber - a.crlNumber)[0];
  }
  async prune(caId: string, keep: number) {
    const mine = this.s()
      .crls.filter((c) => c.caId === caId)
      .sort((a, b) => b.crlNumber - a.crlNumber);
    const drop = new Set(mine.slice(keep));
    this.s().crls = this.s().crls.filter((c) => !drop.has(c));
    return drop.size;
  }
}

export class MemoryPkiStore implements PkiStore {
  #state: State = {
    cas: new Map(),
    crlCounters: new Map(),
    certs: new Map(),
    certBySerial: new Map(),
    subs: new Map(),
    reqs: new Map(),
    crls: [],
  };
  #queue: Promise<unknown> = Promise.resolve();
  readonly cas = new Cas(() => this.#state);
  readonly certificates = new Certs(() => this.#state);
  readonly subscribers = new Subs(() => this.#state);
  readonly requests = new Reqs(() => this.#state);
  readonly crls = new Crls(() => this.#state);

  /** Serialised; restores a snapshot when `fn` throws. */
  transaction<T>(fn: (repos: PkiRepositories) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const s = this.#state;
      const snapshot: State = {
        cas: new Map(s.cas),
        crlCounters: new Map(s.crlCounters),
        certs: new Map(s.certs),
        certBySerial: new Map(s.certBySerial),
        subs: new Map(s.subs),
        reqs: new Map(s.reqs),
        crls: [...s.crls],
      };
      try {
        return await fn(this);
      } catch (e) {
        this.#state = snapshot;
        throw e;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }
}

/** Collects audit events in memory (tests assert on them). */
export class MemoryAuditSink {
  readonly events: {
    actor: string;
    role: string;
    action: string;
    target?: string;
    outcome: 'success' | 'failure';
    details?: Record<string, unknown>;
  }[] = [];
  failNext = false;
  async append(e: MemoryAuditSink['events'][number]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new AppError('STORE_UNAVAILABLE', 'audit store down (test)');
    }
    this.events.push(e);
  }
}
