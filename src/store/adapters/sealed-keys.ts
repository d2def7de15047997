import type { Selectable } from 'kysely';
import type { SealedKey, SealedKeyRepository } from '../../keys/sealed-key-repository.js';
import type { SealedKeysTable } from '../schema.js';
import { storeCall } from '../errors.js';
import type { DbContext } from './tx-runner.js';

/** Sealed private keys in the `sealed_keys` table: ciphertext only, see keys/sealed-key-repository.ts. */
export class KyselySealedKeyRepository implements SealedKeyRepository {
  constructor(private readonly ctx: DbContext) {}

  async put(k: SealedKey): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('sealed_keys')
        .values({
          id: k.id,
          uri: k.uri,
          label: k.label,
          key_type: k.keyType,
          public_key_spki: k.publicKeySpki,
          kek_id: k.kekId,
          iv: k.iv,
          ciphertext: k.ciphertext,
          tag: k.tag,
          created_at: k.createdAt.toISOString(),
        })
        .execute(),
    );
  }

  async get(id: string): Promise<SealedKey | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('sealed_keys').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toSealed(row);
  }

  async reseal(id: string, expectedKekId: string, n: { kekId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('sealed_keys')
        .set({ kek_id: n.kekId, iv: n.iv, ciphertext: n.ciphertext, tag: n.tag })
        .where('id', '=', id)
        .where('kek_id', '=', expectedKekId)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async listIdsByKek(kekId: string, limit: number): Promise<string[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('sealed_keys')
        .select('id')
        .where('kek_id', '=', kekId)
        .orderBy('id')
        .limit(Math.max(1, Math.floor(limit)))
        .execute(),
    );
    return rows.map((r) => r.id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await storeCall(this.ctx.db.deleteFrom('sealed_keys').where('id', '=', id).executeTakeFirst());
    return Number(r.numDeletedRows) > 0;
  }
}

function toSealed(r: Selectable<SealedKeysTable>): SealedKey {
  return {
    id: r.id,
    uri: r.uri,
    label: r.label,
    keyType: r.key_type,
    publicKeySpki: Buffer.from(r.public_key_spki),
    kekId: r.kek_id,
    iv: Buffer.from(r.iv),
    ciphertext: Buffer.from(r.ciphertext),
    tag: Buffer.from(r.tag),
    createdAt: new Date(r.created_at),
  };
}
