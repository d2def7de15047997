import type { Selectable } from 'kysely';
import type { ApprovalKind, ApprovalRequest, ApprovalRequestRepository, ApprovalState } from '../../core/approval-requests.js';
import type { ApprovalRequestsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, dateOrNull, iso, pageOf } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/** Dual-control requests; the partial unique index keeps one pending request per (kind, target). */
export class KyselyApprovalRequestRepository implements ApprovalRequestRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(r: ApprovalRequest): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('approval_requests')
        .values({
          id: r.id,
          kind: r.kind,
          target: r.target,
          params: JSON.stringify(r.params),
          state: r.state,
          requested_by: r.requestedBy,
          requested_at: iso(r.requestedAt),
          decided_by: r.decidedBy,
          decided_at: r.decidedAt === null ? null : iso(r.decidedAt),
          note: r.note,
        })
        .execute(),
    );
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toRequest(row);
  }

  async transition(
    id: string,
    expected: ApprovalState,
    change: { state: ApprovalState; by?: string; at?: Date; note?: string | null },
  ): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('approval_requests')
        .set({
          state: change.state,
          ...(change.by !== undefined ? { decided_by: change.by } : {}),
          ...(change.at !== undefined ? { decided_at: iso(change.at) } : {}),
          ...(change.note !== undefined ? { note: change.note } : {}),
        })
        .where('id', '=', id)
        .where('state', '=', expected)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async list(filter: { kind?: ApprovalKind; state?: ApprovalState; limit?: number }): Promise<ApprovalRequest[]> {
    let q = this.ctx.db.selectFrom('approval_requests').selectAll();
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.state) q = q.where('state', '=', filter.state);
    const rows = await storeCall(q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(pageOf(filter).limit).execute());
    return rows.map(toRequest);
  }
}

function toRequest(r: Selectable<ApprovalRequestsTable>): ApprovalRequest {
  return {
    id: r.id,
    kind: r.kind as ApprovalKind,
    target: r.target,
    params: JSON.parse(r.params) as Record<string, string>,
    state: r.state as ApprovalState,
    requestedBy: r.requested_by,
    requestedAt: date(r.requested_at),
    decidedBy: r.decided_by,
    decidedAt: dateOrNull(r.decided_at),
    note: r.note,
  };
}
