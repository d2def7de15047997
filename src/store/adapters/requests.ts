import type { Selectable } from 'kysely';
import type { RequestFilter, RequestParams, RequestRecord, RequestRepository, RequestState, RequestTransition } from '../../pki/ports.js';
import type { RequestsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, bufOrNull, changed, date, dateOrNull, iso, pageOf } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

export class KyselyRequestRepository implements RequestRepository {
  constructor(private readonly ctx: DbContext) {}

  async insert(r: RequestRecord): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('requests')
        .values({
          id: r.id,
          kind: r.kind,
          state: r.state,
          subscriber_id: r.subscriberId,
          profile: r.profile,
          ca_id: r.caId,
          certificate_id: r.certificateId,
          csr_der: r.csrDer === null ? null : buf(r.csrDer),
          params: JSON.stringify(r.params ?? {}),
          requested_by: r.requestedBy,
          requested_at: iso(r.requestedAt),
          decided_by: r.decidedBy,
          decided_at: r.decidedAt === null ? null : iso(r.decidedAt),
          decision_note: r.decisionNote,
          result_certificate_id: r.resultCertificateId,
          completed_at: r.completedAt === null ? null : iso(r.completedAt),
          failure_reason: r.failureReason,
        })
        .execute(),
    );
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toRequest(row);
  }

  async transition(id: string, expectedState: RequestState, c: RequestTransition): Promise<boolean> {
    const set: Partial<RequestsTable> = { state: c.state };
    if (c.decidedBy !== undefined) set.decided_by = c.decidedBy;
    if (c.decidedAt !== undefined) set.decided_at = iso(c.decidedAt);
    if (c.decisionNote !== undefined) set.decision_note = c.decisionNote;
    if (c.resultCertificateId !== undefined) set.result_certificate_id = c.resultCertificateId;
    if (c.completedAt !== undefined) set.completed_at = iso(c.completedAt);
    if (c.failureReason !== undefined) set.failure_reason = c.failureReason;
    const r = await storeCall(
      this.ctx.db.updateTable('requests').set(set).where('id', '=', id).where('state', '=', expectedState).executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async list(f: RequestFilter): Promise<RequestRecord[]> {
    const { limit, offset } = pageOf(f);
    let q = this.ctx.db.selectFrom('requests').selectAll();
    if (f.state !== undefined) q = q.where('state', '=', f.state);
    if (f.subscriberId !== undefined) q = q.where('subscriber_id', '=', f.subscriberId);
    if (f.managingOrganizationId !== undefined) {
      const org = f.managingOrganizationId;
      q = q.where('subscriber_id', 'in', (eb) => eb.selectFrom('subscribers').select('id').where('managing_organization_id', '=', org));
    }
    const rows = await storeCall(q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute());
    return rows.map(toRequest);
  }
}

function toRequest(r: Selectable<RequestsTable>): RequestRecord {
  return {
    id: r.id,
    kind: r.kind as RequestRecord['kind'],
    state: r.state as RequestState,
    subscriberId: r.subscriber_id,
    profile: r.profile,
    caId: r.ca_id,
    certificateId: r.certificate_id,
    csrDer: bufOrNull(r.csr_der),
    params: JSON.parse(r.params) as RequestParams,
    requestedBy: r.requested_by,
    requestedAt: date(r.requested_at),
    decidedBy: r.decided_by,
    decidedAt: dateOrNull(r.decided_at),
    decisionNote: r.decision_note,
    resultCertificateId: r.result_certificate_id,
    completedAt: dateOrNull(r.completed_at),
    failureReason: r.failure_reason,
  };
}
