import { sql, type Selectable } from 'kysely';
import type {
  CertificateFilter,
  CertificateRecord,
  CertificateRepository,
  CertificateStatus,
  CertificateStatusChange,
  NewPendingCertificate,
  RevokedEntry,
  StoredCertificateStatus,
  StoredRevocationReason,
} from '../../pki/ports.js';
import type { CertificatesTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, bufOrNull, changed, date, dateOrNull, iso, isoOrNull, pageOf } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

const SERIAL_RE = /^(?:[0-9a-f]{2}){1,20}$/;

export class KyselyCertificateRepository implements CertificateRepository {
  constructor(private readonly ctx: DbContext) {}

  async reserve(r: NewPendingCertificate): Promise<CertificateRecord> {
    if (!SERIAL_RE.test(r.serial)) throw new TypeError('certificate serial: lowercase even-length hex, at most 20 octets');
    const row: CertificatesTable = {
      id: r.id,
      ca_id: r.caId,
      serial: r.serial,
      profile: r.profile,
      subscriber_id: r.subscriberId,
      request_id: r.requestId,
      replaces_id: r.replacesId,
      subject_dn: r.subjectDn,
      spki_sha256: r.spkiSha256,
      key_uri: r.keyUri,
      not_before: iso(r.notBefore),
      not_after: iso(r.notAfter),
      status: 'pending',
      der: null,
      revocation_reason: null,
      revoked_at: null,
      invalidity_date: null,
      failure_reason: null,
      created_at: iso(r.createdAt),
      updated_at: iso(r.createdAt),
    };
    await storeCall(this.ctx.db.insertInto('certificates').values(row).execute());
    return toCert(row);
  }

  async markIssued(id: string, der: Buffer, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('certificates')
        .set({ status: 'active', der: buf(der), updated_at: iso(at) })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async markFailed(id: string, failureReason: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('certificates')
        .set({ status: 'failed', failure_reason: failureReason, updated_at: iso(at) })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async changeStatus(id: string, expectedStatus: CertificateStatus, c: CertificateStatusChange): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('certificates')
        .set({
          status: c.status,
          revocation_reason: c.revocationReason,
          revoked_at: isoOrNull(c.revokedAt),
          invalidity_date: isoOrNull(c.invalidityDate),
          updated_at: iso(c.at),
        })
        .where('id', '=', id)
        .where('status', '=', expectedStatus)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async findById(id: string): Promise<CertificateRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toCert(row);
  }

  async findBySerial(caId: string, serial: string): Promise<CertificateRecord | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_SERIAL.bind(db, dialect, { caId, serial })))).rows[0];
    return row && toCert(row);
  }

  async findBySerials(keys: readonly { readonly caId: string; readonly serial: string }[]): Promise<(CertificateRecord | undefined)[]> {
    const { db, dialect } = this.ctx;
    const found = new Map<string, CertificateRecord>();
    // each certificate read once (answers by one responder all ask for its own certificate)
    const distinct = [...new Map(keys.map((k) => [`${k.caId}:${k.serial}`, k])).values()];
    // one statement compiled once per chunk of BY_SERIALS_SLOTS keys; a short chunk repeats its first key
    for (let i = 0; i < distinct.length; i += BY_SERIALS_SLOTS) {
      const chunk = distinct.slice(i, i + BY_SERIALS_SLOTS);
      const values: Record<string, string> = {};
      for (let j = 0; j < BY_SERIALS_SLOTS; j++) {
        const k = chunk[j] ?? chunk[0]!;
        values[`ca${j}`] = k.caId;
        values[`serial${j}`] = k.serial;
      }
      const rows = (await storeCall(this.ctx.execute(BY_SERIALS.bind(db, dialect, values)))).rows;
      for (const r of rows) found.set(`${r.ca_id}:${r.serial}`, toCert(r));
    }
    return keys.map((k) => found.get(`${k.caId}:${k.serial}`));
  }

  async findBySerialAnyCa(serial: string): Promise<CertificateRecord[]> {
    const { db, dialect } = this.ctx;
    return (await storeCall(this.ctx.execute(BY_SERIAL_ANY_CA.bind(db, dialect, { serial })))).rows.map(toCert);
  }

  async findStatusByDer(serial: string, der: Buffer): Promise<StoredCertificateStatus | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(STATUS_BY_DER.bind(db, dialect, { serial, der })))).rows[0];
    return (
      row && {
        status: row.status as CertificateStatus,
        revocationReason: row.revocation_reason as StoredRevocationReason | null,
        revokedAt: dateOrNull(row.revoked_at),
      }
    );
  }

  async list(f: CertificateFilter): Promise<CertificateRecord[]> {
    const { limit, offset } = pageOf(f);
    let q = this.ctx.db.selectFrom('certificates').selectAll();
    if (f.caId !== undefined) q = q.where('ca_id', '=', f.caId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.subscriberId !== undefined) q = q.where('subscriber_id', '=', f.subscriberId);
    if (f.profile !== undefined) q = q.where('profile', '=', f.profile);
    if (f.validAt !== undefined) q = q.where('not_after', '>', iso(f.validAt));
    const rows = await storeCall(q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute());
    return rows.map(toCert);
  }

  /**
   * Served by the partial index certificates_revoked (ca_id, serial) WHERE status IN
   * ('revoked', 'on-hold'): the predicate below is written identically so both planners use it.
   * Only the columns a CRL entry needs are read (RFC 5280 §5.3).
   */
  async listRevoked(caId: string, page: { afterSerial?: string; limit: number; notExpiredAt?: Date }): Promise<RevokedEntry[]> {
    const limit = Math.max(1, Math.floor(page.limit));
    let q = this.ctx.db
      .selectFrom('certificates')
      .select(['serial', 'revoked_at', 'revocation_reason', 'invalidity_date'])
      .where('ca_id', '=', caId)
      .where('status', 'in', ['revoked', 'on-hold']);
    if (page.afterSerial !== undefined) q = q.where('serial', '>', page.afterSerial);
    if (page.notExpiredAt !== undefined) q = q.where('not_after', '>=', iso(page.notExpiredAt));
    const rows = await storeCall(q.orderBy('serial').limit(limit).execute());
    return rows.map((r) => ({
      serial: r.serial,
      revokedAt: date(r.revoked_at ?? '1970-01-01T00:00:00.000Z'),
      reason: (r.revocation_reason ?? 'unspecified') as StoredRevocationReason,
      invalidityDate: dateOrNull(r.invalidity_date),
    }));
  }

  async failStalePending(olderThan: Date, failureReason: string, at: Date): Promise<number> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('certificates')
        .set({ status: 'failed', failure_reason: failureReason, updated_at: iso(at) })
        .where('status', '=', 'pending')
        .where('created_at', '<', iso(olderThan))
        .executeTakeFirst(),
    );
    return changed(r);
  }
}

function toCert(r: Selectable<CertificatesTable>): CertificateRecord {
  return {
    id: r.id,
    caId: r.ca_id,
    serial: r.serial,
    profile: r.profile,
    subscriberId: r.subscriber_id,
    requestId: r.request_id,
    replacesId: r.replaces_id,
    subjectDn: r.subject_dn,
    spkiSha256: r.spki_sha256,
    keyUri: r.key_uri,
    notBefore: date(r.not_before),
    notAfter: date(r.not_after),
    status: r.status as CertificateStatus,
    der: bufOrNull(r.der),
    revocationReason: r.revocation_reason as StoredRevocationReason | null,
    revokedAt: dateOrNull(r.revoked_at),
    invalidityDate: dateOrNull(r.invalidity_date),
    failureReason: r.failure_reason,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

// status checks before every signature and OCSP answers: compiled once (./compiled-statement.ts)
const BY_SERIAL = compiledStatement<{ caId: string; serial: string }, Selectable<CertificatesTable>>(['caId', 'serial'], (db, _d, m) =>
  db.selectFrom('certificates').selectAll().where('ca_id', '=', m.caId).where('serial', '=', m.serial),
);
const BY_SERIAL_ANY_CA = compiledStatement<{ serial: string }, Selectable<CertificatesTable>>(['serial'], (db, _d, m) =>
  db.selectFrom('certificates').selectAll().where('serial', '=', m.serial).orderBy('ca_id'),
);
// the status check before every signature: the few columns it needs, the certificate found by
// its serial (indexed) and compared whole in the database, so its DER is not read back. The LIMIT
// is written as a literal: SQLite prepares a statement whose LIMIT is a bound parameter again on
// every run (the plan depends on the value), which cost more than the lookup itself
const STATUS_BY_DER = compiledStatement<
  { serial: string; der: Buffer },
  Pick<Selectable<CertificatesTable>, 'status' | 'revocation_reason' | 'revoked_at'>
>(['serial', 'der'], (db, _d, m) =>
  db
    .selectFrom('certificates')
    .select(['status', 'revocation_reason', 'revoked_at'])
    .where('serial', '=', m.serial)
    .where('der', '=', m.der)
    .limit(sql.lit(1)),
);
// OCSP answers asked together (LTV material for a signature's chains): up to eight (CA, serial)
// keys in one read, each served by the unique (ca_id, serial) index
const BY_SERIALS_SLOTS = 8;
const BY_SERIALS_NAMES = Array.from({ length: BY_SERIALS_SLOTS }, (_, j) => [`ca${j}`, `serial${j}`]).flat();
const BY_SERIALS = compiledStatement<Record<string, string>, Selectable<CertificatesTable>>(BY_SERIALS_NAMES, (db, _d, m) =>
  db
    .selectFrom('certificates')
    .selectAll()
    .where((eb) =>
      eb.or(
        Array.from({ length: BY_SERIALS_SLOTS }, (_, j) => eb.and([eb('ca_id', '=', m[`ca${j}`]!), eb('serial', '=', m[`serial${j}`]!)])),
      ),
    ),
);
