import { sql } from 'kysely';
import { auditLeafHash } from '../../audit/chain.js';
import { completedNodes } from '../../audit/merkle.js';
import { binaryType, type PortableMigration } from './types.js';

const BACKFILL_BATCH = 2_000;

/**
 * The audit log as an RFC 9162 Merkle tree: `audit_tree` keeps the hash of every complete subtree
 * (level 0 = leaf hashes), so any root or proof needs O(log² n) rows; `audit_checkpoints` the
 * signed tree heads; `audit_keys` the public half of the checkpoint keys (the private half is in
 * the key store). The tree table is append-only like the events. Existing events are hashed in.
 */
export const migration0009AuditMerkle: PortableMigration = {
  name: '0009-audit-merkle',
  async up(db, dialect) {
    await db.schema
      .createTable('audit_tree')
      .addColumn('level', 'integer', (c) => c.notNull().check(sql`level >= 0`))
      .addColumn('idx', 'integer', (c) => c.notNull().check(sql`idx >= 0`))
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_tree_pk', ['level', 'idx'])
      .execute();
    if (dialect === 'postgres') {
      // kyso_audit_append_only() comes from migration 0001
      await sql`CREATE TRIGGER audit_tree_append_only BEFORE UPDATE OR DELETE ON audit_tree
        FOR EACH ROW EXECUTE FUNCTION kyso_audit_append_only()`.execute(db);
    } else {
      await sql`CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
      await sql`CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
    }

    await db.schema
      .createTable('audit_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('key_uri', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tree_size', 'integer', (c) => c.notNull().check(sql`tree_size >= 0`))
      .addColumn('root_hash', 'text', (c) => c.notNull())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .addColumn('tsa_token', binaryType(dialect))
      .execute();
    await db.schema.createIndex('audit_checkpoints_size').on('audit_checkpoints').columns(['tree_size', 'time']).execute();

    // Hash the events already there into the tree, in seq order.
    const frontier = new Map<string, string>();
    let after = 0;
    for (;;) {
      const rows = (await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(BACKFILL_BATCH)
        .execute()) as Array<Record<string, unknown>>;
      if (rows.length === 0) break;
      const values: { level: number; idx: number; hash: string }[] = [];
      for (const row of rows) {
        const seq = Number(row.seq);
        const leaf = auditLeafHash({
          seq,
          time: row.time as string,
          actor: row.actor as string,
          role: row.role as string,
          action: row.action as string,
          target: row.target as string | null,
          outcome: row.outcome as 'success' | 'failure',
          details: row.details === null ? null : (JSON.parse(row.details as string) as Record<string, unknown>),
          prevHash: row.prev_hash as string,
        });
        const done = completedNodes(seq - 1, leaf, (level, index) => Buffer.from(frontier.get(`${level}:${index}`)!, 'hex'));
        for (const n of done) {
          frontier.set(`${n.level}:${n.index}`, n.hash.toString('hex'));
          values.push({ level: n.level, idx: n.index, hash: n.hash.toString('hex') });
        }
      }
      for (let i = 0; i < values.length; i += 300)
        await db
          .insertInto('audit_tree')
          .values(values.slice(i, i + 300))
          .execute();
      after = Number(rows[rows.length - 1]!.seq);
    }
  },
};
