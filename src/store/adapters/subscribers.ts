import type { Kysely, Selectable } from 'kysely';
import type { SubjectFields, SubscriberFilter, SubscriberRecord, SubscriberRepository, SubscriberStatus } from '../../pki/ports.js';
import type { Database, SubscribersTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, iso, pageOf } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

type SubscriberChange = Parameters<SubscriberRepository['update']>[1];

/**
 * Subscribers, with their prefixed identifiers mirrored into `subscriber_identifiers` so that
 * `findByIdentifier` is an indexed exact match on both engines (no JSON operators needed).
 */
export class KyselySubscriberRepository implements SubscriberRepository {
  constructor(private readonly ctx: DbContext) {}

  insert(r: SubscriberRecord): Promise<void> {
    return storeCall(() =>
      this.ctx.atomic(async (db) => {
        await db
          .insertInto('subscribers')
          .values({
            id: r.id,
            kind: r.kind,
            managing_organization_id: r.managingOrganizationId,
            name: r.name,
            subject: JSON.stringify(r.subject),
            identifiers: JSON.stringify(r.identifiers),
            email: r.email,
            position: r.position,
            status: r.status,
            created_at: iso(r.createdAt),
            updated_at: iso(r.updatedAt),
          })
          .execute();
        await writeIdentifiers(db, r.id, r.identifiers);
      }),
    );
  }

  update(id: string, c: SubscriberChange): Promise<boolean> {
    return storeCall(() =>
      this.ctx.atomic(async (db) => {
        const set: Partial<SubscribersTable> = { updated_at: iso(c.updatedAt) };
        if (c.name !== undefined) set.name = c.name;
        if (c.subject !== undefined) set.subject = JSON.stringify(c.subject);
        if (c.identifiers !== undefined) set.identifiers = JSON.stringify(c.identifiers);
        if (c.email !== undefined) set.email = c.email;
        if (c.position !== undefined) set.position = c.position;
        if (c.managingOrganizationId !== undefined) set.managing_organization_id = c.managingOrganizationId;
        if (c.status !== undefined) set.status = c.status;
        const r = await db.updateTable('subscribers').set(set).where('id', '=', id).executeTakeFirst();
        if (changed(r) === 0) return false;
        if (c.identifiers !== undefined) {
          await db.deleteFrom('subscriber_identifiers').where('subscriber_id', '=', id).execute();
          await writeIdentifiers(db, id, c.identifiers);
        }
        return true;
      }),
    );
  }

  async get(id: string): Promise<SubscriberRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toSubscriber(row);
  }

  async findByIdentifier(identifier: string): Promise<SubscriberRecord[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('subscribers')
        .selectAll('subscribers')
        .innerJoin('subscriber_identifiers as si', 'si.subscriber_id', 'subscribers.id')
        .where('si.identifier', '=', identifier)
        .orderBy('subscribers.created_at')
        .orderBy('subscribers.id')
        .execute(),
    );
    return rows.map(toSubscriber);
  }

  async list(f: SubscriberFilter): Promise<SubscriberRecord[]> {
    const { limit, offset } = pageOf(f);
    let q = this.ctx.db.selectFrom('subscribers').selectAll();
    if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
    if (f.managingOrganizationId !== undefined) q = q.where('managing_organization_id', '=', f.managingOrganizationId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    const rows = await storeCall(q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute());
    return rows.map(toSubscriber);
  }
}

async function writeIdentifiers(db: Kysely<Database>, subscriberId: string, identifiers: readonly string[]): Promise<void> {
  const unique = [...new Set(identifiers)];
  if (unique.length === 0) return;
  await db
    .insertInto('subscriber_identifiers')
    .values(unique.map((identifier) => ({ subscriber_id: subscriberId, identifier })))
    .execute();
}

function toSubscriber(r: Selectable<SubscribersTable>): SubscriberRecord {
  return {
    id: r.id,
    kind: r.kind as SubscriberRecord['kind'],
    managingOrganizationId: r.managing_organization_id,
    name: r.name,
    subject: JSON.parse(r.subject) as SubjectFields,
    identifiers: JSON.parse(r.identifiers) as string[],
    email: r.email,
    position: r.position,
    status: r.status as SubscriberStatus,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}
