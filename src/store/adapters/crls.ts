import { sql, type Selectable } from 'kysely';
import type { CrlRecord, CrlRepository } from '../../pki/ports.js';
import type { CrlsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, changed, date, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

export class KyselyCrlRepository implements CrlRepository {
  constructor(private readonly ctx: DbContext) {}

  async save(r: CrlRecord): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('crls')
        .values({
          ca_id: r.caId,
          crl_number: r.crlNumber,
          this_update: iso(r.thisUpdate),
          next_update: iso(r.nextUpdate),
          der: buf(r.der),
          entry_count: r.entryCount,
          created_at: iso(r.createdAt),
        })
        .execute(),
    );
  }

  async latest(caId: string): Promise<CrlRecord | undefined> {
    const row = await storeCall(
      // LIMIT as a literal: SQLite prepares a statement whose LIMIT is a bound parameter again on every run
      this.ctx.db
        .selectFrom('crls')
        .selectAll()
        .where('ca_id', '=', caId)
        .orderBy('crl_number', 'desc')
        .limit(sql.lit(1))
        .executeTakeFirst(),
    );
    return row && toCrl(row);
  }

  async prune(caId: string, keep: number): Promise<number> {
    const k = Math.max(1, Math.floor(keep));
    const cut = await storeCall(
      this.ctx.db
        .selectFrom('crls')
        .select('crl_number')
        .where('ca_id', '=', caId)
        .orderBy('crl_number', 'desc')
        .offset(k - 1)
        .limit(1)
        .executeTakeFirst(),
    );
    if (!cut) return 0;
    const r = await storeCall(
      this.ctx.db.deleteFrom('crls').where('ca_id', '=', caId).where('crl_number', '<', cut.crl_number).executeTakeFirst(),
    );
    return changed(r);
  }
}

function toCrl(r: Selectable<CrlsTable>): CrlRecord {
  return {
    caId: r.ca_id,
    crlNumber: Number(r.crl_number),
    thisUpdate: date(r.this_update),
    nextUpdate: date(r.next_update),
    der: buf(r.der),
    entryCount: Number(r.entry_count),
    createdAt: date(r.created_at),
  };
}
