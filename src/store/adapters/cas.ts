import type { Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { CaRecord, CaRepository } from '../../pki/ports.js';
import type { CasTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, changed, date, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

export class KyselyCaRepository implements CaRepository {
  constructor(private readonly ctx: DbContext) {}

  async get(id: string): Promise<CaRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('cas').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toCa(row);
  }

  async list(): Promise<CaRecord[]> {
    const rows = await storeCall(this.ctx.db.selectFrom('cas').selectAll().orderBy('created_at').orderBy('id').execute());
    return rows.map(toCa);
  }

  async insert(r: CaRecord): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('cas')
        .values({
          id: r.id,
          kind: r.kind,
          parent_id: r.parentId,
          key_uri: r.keyUri,
          certificate_der: buf(r.certificateDer),
          subject_dn: r.subjectDn,
          serial: r.serial,
          not_before: iso(r.notBefore),
          not_after: iso(r.notAfter),
          status: r.status,
          created_at: iso(r.createdAt),
          crl_number: 0,
        })
        .execute(),
    );
  }

  async updateCertificate(
    id: string,
    c: { keyUri: string; certificateDer: Buffer; serial: string; notBefore: Date; notAfter: Date; subjectDn: string },
  ): Promise<void> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('cas')
        .set({
          key_uri: c.keyUri,
          certificate_der: buf(c.certificateDer),
          serial: c.serial,
          not_before: iso(c.notBefore),
          not_after: iso(c.notAfter),
          subject_dn: c.subjectDn,
        })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (changed(r) === 0) throw new AppError('CA_UNKNOWN', `no CA ${id}`);
  }

  /** One UPDATE … RETURNING: atomic on both engines without an explicit lock. */
  async allocateCrlNumber(caId: string): Promise<number> {
    const row = await storeCall(
      this.ctx.db
        .updateTable('cas')
        .set((eb) => ({ crl_number: eb('crl_number', '+', 1) }))
        .where('id', '=', caId)
        .returning('crl_number')
        .executeTakeFirst(),
    );
    if (!row) throw new AppError('CA_UNKNOWN', `no CA ${caId}`);
    return Number(row.crl_number);
  }
}

function toCa(r: Selectable<CasTable>): CaRecord {
  return {
    id: r.id,
    kind: r.kind as CaRecord['kind'],
    parentId: r.parent_id,
    keyUri: r.key_uri,
    certificateDer: buf(r.certificate_der),
    subjectDn: r.subject_dn,
    serial: r.serial,
    notBefore: date(r.not_before),
    notAfter: date(r.not_after),
    status: r.status as CaRecord['status'],
    createdAt: date(r.created_at),
  };
}
