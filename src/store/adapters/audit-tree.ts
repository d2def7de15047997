import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { AuditCheckpoint, AuditKeyRecord, AuditTreeRepository } from '../../audit/tree.js';
import { auditLeafHash, ChainChecker, GENESIS_HASH } from '../../audit/chain.js';
import { MerkleFrontier, nodeKey, perfectCover, type PerfectNode } from '../../audit/merkle.js';
import { toRecord } from './audit-log.js';
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

/** Events hashed into the tree per transaction when the tree catches up with the log. */
const MATERIALIZE_BATCH = 2_000;

/**
 * Brings the stored tree up to the head of the log. Appends write only the event (its seq is the
 * dense leaf index, its chain hash binds every earlier record); the complete-subtree hashes are
 * derived data (RFC 9162 §2.1.1: fully determined by the leaves), written here in seq order on
 * first need (a proof, root, checkpoint or self-check) so an append stays one row. The leaves
 * hashed here are first checked against the hash chain from the last leaf already in the tree, so
 * the tree never grows over an edited, missing or reordered event. Resumes from whatever is
 * stored: a crash between an append's commit and this step leaves nothing to repair.
 */
export async function materializeAuditTree(ctx: DbContext): Promise<number> {
  const { leaves, head } = await treeState(ctx.db);
  if (leaves >= head) return leaves;
  let state: { leaves: number; head: number };
  do state = await ctx.atomic(materializeBatch);
  while (state.leaves < state.head);
  return state.leaves;
}

/** Leaves in the tree (1 + the highest level-0 index; nodes are written in leaf order) and events in the log. */
async function treeState(db: Kysely<Database>): Promise<{ leaves: number; head: number }> {
  const head = await db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('audit_tree')
    .select((eb) => eb.fn.max('idx').as('m'))
    .where('level', '=', 0)
    .executeTakeFirst();
  return { leaves: last?.m === null || last?.m === undefined ? 0 : Number(last.m) + 1, head: Number(head.seq) };
}

/** One transaction's worth of catching up; returns the leaves in the tree after it and the head. */
async function materializeBatch(db: Kysely<Database>): Promise<{ leaves: number; head: number }> {
  const { leaves, head } = await treeState(db);
  if (leaves >= head) return { leaves, head };
  const to = Math.min(head, leaves + MATERIALIZE_BATCH);
  const broken = (message: string): AppError => new AppError('AUDIT_CHAIN_BROKEN', `the audit tree cannot grow: ${message}`);
  const cover = perfectCover({ lo: 0, hi: leaves });
  const found = await readTreeNodes(db, cover);
  const edge = cover.map((p) => {
    const h = found.get(nodeKey(p));
    if (!h) throw broken(`audit tree node ${nodeKey(p)} is missing`);
    return h;
  });
  const frontier = MerkleFrontier.resume(leaves, edge);
  let prev = GENESIS_HASH;
  if (leaves > 0) {
    const last = await db.selectFrom('audit_events').select('hash').where('seq', '=', leaves).executeTakeFirst();
    if (!last) throw broken(`event ${leaves} is missing`);
    prev = last.hash;
  }
  const checker = new ChainChecker({ seq: leaves, hash: prev });
  const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', leaves).where('seq', '<=', to).orderBy('seq').execute();
  const values: { level: number; idx: number; hash: string }[] = [];
  for (const row of rows) {
    const r = toRecord(row);
    if (!checker.push(r)) {
      const f = checker.finish();
      throw broken(f.ok ? `event ${r.seq} does not chain` : f.message);
    }
    for (const n of frontier.append(auditLeafHash(r))) values.push({ level: n.level, idx: n.index, hash: n.hash.toString('hex') });
  }
  if (frontier.size !== to) throw broken(`event ${frontier.size + 1} is missing`);
  // 3 columns a row; another instance catching up at the same time writes the same hashes
  for (let i = 0; i < values.length; i += 300)
    await db
      .insertInto('audit_tree')
      .values(values.slice(i, i + 300))
      .onConflict((oc) => oc.columns(['level', 'idx']).doNothing())
      .execute();
  return { leaves: to, head };
}

export class KyselyAuditTreeRepository implements AuditTreeRepository {
  /** Leaves this instance has seen in the tree (rows are append-only): asks below it skip the catch-up check. */
  #leaves = 0;

  constructor(private readonly ctx: DbContext) {}

  size(): Promise<number> {
    return storeCall(async () => {
      const h = await this.ctx.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(h.seq);
    });
  }

  nodes(wanted: readonly PerfectNode[]): Promise<Map<string, Buffer>> {
    return storeCall(async () => {
      const reach = Math.max(0, ...wanted.map((p) => (p.index + 1) * 2 ** p.level));
      if (reach > this.#leaves) this.#leaves = await materializeAuditTree(this.ctx);
      return readTreeNodes(this.ctx.db, wanted);
    });
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
