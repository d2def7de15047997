import type { Kysely, Selectable } from 'kysely';
import type { AuditCheckpoint, AuditKeyRecord, AuditTreeRepository } from '../../audit/tree.js';
import { nodeKey, type PerfectNode } from '../../audit/merkle.js';
import type { AuditCheckpointsTable, Database } from '../schema.js';
import { storeCall } from '../errors.js';
import type { DbContext } from './tx-runner.js';

/** Reads complete-subtree hashes in one query (a proof needs at most a few hundred). */
export async function readTreeNodes(db: Kysely<Database>, wanted: readonly PerfectNode[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < wanted.length; i += 200) {
    const part = wanted.slice(i, i + 200);
    const rows = await db
      .selectFrom('audit_tree')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(part.map((p) => eb.and([eb('level', '=', p.level), eb('idx', '=', p.index)]))))
      .execute();
    for (const r of rows) out.set(nodeKey({ level: Number(r.level), index: Number(r.idx) }), Buffer.from(r.hash, 'hex'));
  }
  return out;
}

export class KyselyAuditTreeRepository implements AuditTreeRepository {
  constructor(private readonly ctx: DbContext) {}

  size(): Promise<number> {
    return storeCall(async () => {
      const h = await this.ctx.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(h.seq);
    });
  }

  nodes(wanted: readonly PerfectNode[]): Promise<Map<string, Buffer>> {
    return storeCall(() => readTreeNodes(this.ctx.db, wanted));
  }

  insertCheckpoint(c: AuditCheckpoint): Promise<void> {
    return storeCall(async () => {
      await this.ctx.db
        .insertInto('audit_checkpoints')
        .values({ id: c.id, tree_size: c.treeSize, root_hash: c.rootHash, time: c.time, kid: c.kid, jws: c.jws, tsa_token: c.tsaToken })
        .execute();
    });
  }

  listCheckpoints(o: { limit?: number; beforeSize?: number } = {}): Promise<AuditCheckpoint[]> {
    return storeCall(async () => {
      let q = this.ctx.db.selectFrom('audit_checkpoints').selectAll();
      if (o.beforeSize !== undefined) q = q.where('tree_size', '<', o.beforeSize);
      const rows = await q
        .orderBy('tree_size', 'desc')
        .orderBy('time', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(1, o.limit ?? 100), 10_000))
        .execute();
      return rows.map(toCheckpoint);
    });
  }

  keys(): Promise<AuditKeyRecord[]> {
    return storeCall(async () => {
      const rows = await this.ctx.db.selectFrom('audit_keys').selectAll().orderBy('created_at').execute();
      return rows.map((r) => ({
        kid: r.kid,
        keyUri: r.key_uri,
        publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
        createdAt: r.created_at,
      }));
    });
  }

  insertKey(k: AuditKeyRecord): Promise<boolean> {
    return storeCall(async () => {
      const r = await this.ctx.db
        .insertInto('audit_keys')
        .values({ kid: k.kid, key_uri: k.keyUri, public_jwk: JSON.stringify(k.publicJwk), created_at: k.createdAt })
        .onConflict((oc) => oc.column('kid').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    });
  }
}

function toCheckpoint(r: Selectable<AuditCheckpointsTable>): AuditCheckpoint {
  return {
    id: r.id,
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    time: r.time,
    kid: r.kid,
    jws: r.jws,
    tsaToken: r.tsa_token ? Buffer.from(r.tsa_token) : null,
  };
}
