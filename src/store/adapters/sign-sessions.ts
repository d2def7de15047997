import type { Selectable } from 'kysely';
import type { HashName, SignatureAlgorithm } from '../../core/signature-algorithms.js';
import type { PadesLevel } from '../../core/pades-level.js';
import type { SignSession, SignSessionRepository } from '../../signing/ports.js';
import type { SignSessionsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, changed, date, dateOrNull, decodeBuffers, encodeBuffers, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

export class KyselySignSessionRepository implements SignSessionRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(s: SignSession): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('sign_sessions')
        .values({
          id: s.id,
          owner_id: s.ownerId,
          prepared_pdf: buf(s.preparedPdf),
          byte_range: JSON.stringify(s.byteRange),
          signed_attributes: buf(s.signedAttributes),
          digest_algorithm: s.digestAlgorithm,
          algorithm: s.algorithm,
          certificates: encodeBuffers(s.certificates),
          level: s.level,
          created_at: iso(s.createdAt),
          expires_at: iso(s.expiresAt),
          used_at: s.usedAt === null ? null : iso(s.usedAt),
        })
        .execute(),
    );
  }

  async get(id: string): Promise<SignSession | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('sign_sessions').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toSession(row);
  }

  /** Compare-and-set on used_at IS NULL: of two concurrent completions exactly one wins. */
  async consume(id: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('sign_sessions')
        .set({ used_at: iso(at) })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async release(id: string): Promise<void> {
    await storeCall(this.ctx.db.updateTable('sign_sessions').set({ used_at: null }).where('id', '=', id).execute());
  }

  async deleteExpired(before: Date): Promise<number> {
    const r = await storeCall(this.ctx.db.deleteFrom('sign_sessions').where('expires_at', '<', iso(before)).executeTakeFirst());
    return changed(r);
  }
}

function toSession(r: Selectable<SignSessionsTable>): SignSession {
  const br = JSON.parse(r.byte_range) as [number, number, number, number];
  return {
    id: r.id,
    ownerId: r.owner_id,
    preparedPdf: buf(r.prepared_pdf),
    byteRange: [br[0], br[1], br[2], br[3]],
    signedAttributes: buf(r.signed_attributes),
    digestAlgorithm: r.digest_algorithm as HashName,
    algorithm: r.algorithm as SignatureAlgorithm,
    certificates: decodeBuffers(r.certificates),
    level: r.level as PadesLevel,
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    usedAt: dateOrNull(r.used_at),
  };
}
