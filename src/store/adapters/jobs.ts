import { sql, type Selectable } from 'kysely';
import type { JobItemRecord, JobRecord, JobRepository, WebhookAttempt, WebhookDelivery } from '../../jobs/ports.js';
import type { JobItemsTable, JobsTable, WebhookDeliveriesTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, dateOrNull, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/**
 * Jobs and webhook deliveries (src/jobs/ports.ts). Claims are one UPDATE … WHERE key IN (SELECT …
 * LIMIT 1) … RETURNING that re-checks the claimable condition, so two workers (threads, processes
 * or instances) never both win an item; on PostgreSQL the inner SELECT skips rows another
 * transaction has locked (FOR UPDATE SKIP LOCKED) instead of queueing behind them.
 */
export class KyselyJobRepository implements JobRepository {
  constructor(private readonly ctx: DbContext) {}

  async createJob(job: JobRecord, items: readonly JobItemRecord[]): Promise<void> {
    await this.ctx.atomic(async (db) => {
      await storeCall(
        db
          .insertInto('jobs')
          .values({
            id: job.id,
            kind: job.kind,
            owner_id: job.ownerId,
            organization_id: job.organizationId,
            actor_id: job.actorId,
            state: job.state,
            options: job.options,
            authorization_id: job.authorizationId,
            signing_time: iso(job.signingTime),
            deterministic: job.deterministic ? 1 : 0,
            webhook_url: job.webhookUrl,
            created_at: iso(job.createdAt),
            completed_at: job.completedAt ? iso(job.completedAt) : null,
          })
          .execute(),
      );
      for (const it of items) {
        await storeCall(
          db
            .insertInto('job_items')
            .values({
              job_id: it.jobId,
              n: it.n,
              name: it.name,
              input_sha256: it.inputSha256,
              input_bytes: it.inputBytes,
              state: it.state,
              attempts: it.attempts,
              claim_token: null,
              lease_until: null,
              output_sha256: null,
              output_bytes: null,
              error_code: null,
              error_message: null,
              updated_at: iso(it.updatedAt),
            })
            .execute(),
        );
      }
    });
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toJob(row);
  }

  async listItems(jobId: string): Promise<JobItemRecord[]> {
    const rows = await storeCall(this.ctx.db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).orderBy('n').execute());
    return rows.map(toItem);
  }

  async getItem(jobId: string, n: number): Promise<JobItemRecord | undefined> {
    const row = await storeCall(
      this.ctx.db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).where('n', '=', n).executeTakeFirst(),
    );
    return row && toItem(row);
  }

  async claimItem(claimToken: string, now: Date, leaseUntil: Date): Promise<JobItemRecord | undefined> {
    const at = iso(now);
    const claimable = sql`(state = 'pending' or (state = 'running' and lease_until < ${at}))`;
    const set = sql`state = 'running', claim_token = ${claimToken}, lease_until = ${iso(leaseUntil)}, attempts = attempts + 1, updated_at = ${at}`;
    // PostgreSQL: the row is picked and locked once in a CTE (a LIMIT … SKIP LOCKED subquery
    // inside IN may be evaluated more than once by the planner); SQLite: one writer at a time.
    const query =
      this.ctx.dialect === 'postgres'
        ? sql<Selectable<JobItemsTable>>`
            with next as (
              select job_id, n from job_items where ${claimable} order by updated_at, job_id, n limit 1 for update skip locked)
            update job_items j set ${set} from next
            where j.job_id = next.job_id and j.n = next.n
            returning j.*`
        : sql<Selectable<JobItemsTable>>`
            update job_items set ${set}
            where (job_id, n) in (select job_id, n from job_items where ${claimable} order by updated_at, job_id, n limit 1)
            and ${claimable}
            returning *`;
    const r = await storeCall(query.execute(this.ctx.db));
    const row = r.rows[0];
    return row && toItem(row);
  }

  async finishItem(
    jobId: string,
    n: number,
    claimToken: string,
    result: { state: 'done'; outputSha256: string; outputBytes: number } | { state: 'failed'; errorCode: string; errorMessage: string },
    now: Date,
  ): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('job_items')
        .set({
          state: result.state,
          lease_until: null,
          updated_at: iso(now),
          ...(result.state === 'done'
            ? { output_sha256: result.outputSha256, output_bytes: result.outputBytes }
            : { error_code: result.errorCode, error_message: result.errorMessage }),
        })
        .where('job_id', '=', jobId)
        .where('n', '=', n)
        .where('state', '=', 'running')
        .where('claim_token', '=', claimToken)
        .executeTakeFirst(),
    );
    return changed(r) === 1;
  }

  async completeJobIfFinished(jobId: string, now: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('jobs')
        .set({ state: 'completed', completed_at: iso(now) })
        .where('id', '=', jobId)
        .where('state', '=', 'running')
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('job_items').select('n').where('job_id', '=', jobId).where('state', 'in', ['pending', 'running']))),
        )
        .executeTakeFirst(),
    );
    return changed(r) === 1;
  }

  async cancelJob(jobId: string, now: Date): Promise<boolean> {
    return this.ctx.atomic(async (db) => {
      const r = await storeCall(
        db
          .updateTable('jobs')
          .set({ state: 'cancelled', completed_at: iso(now) })
          .where('id', '=', jobId)
          .where('state', '=', 'running')
          .executeTakeFirst(),
      );
      if (changed(r) !== 1) return false;
      await storeCall(
        db
          .updateTable('job_items')
          .set({ state: 'cancelled', updated_at: iso(now) })
          .where('job_id', '=', jobId)
          .where('state', '=', 'pending')
          .execute(),
      );
      return true;
    });
  }

  async getWebhookSecret(ownerId: string): Promise<string | undefined> {
    const row = await storeCall(
      this.ctx.db.selectFrom('webhook_secrets').select('secret').where('owner_id', '=', ownerId).executeTakeFirst(),
    );
    return row?.secret;
  }

  async setWebhookSecret(ownerId: string, secret: string, now: Date): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('webhook_secrets')
        .values({ owner_id: ownerId, secret, updated_at: iso(now) })
        .onConflict((oc) => oc.column('owner_id').doUpdateSet({ secret, updated_at: iso(now) }))
        .execute(),
    );
  }

  async createDelivery(d: WebhookDelivery): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('webhook_deliveries')
        .values({
          id: d.id,
          job_id: d.jobId,
          owner_id: d.ownerId,
          url: d.url,
          state: d.state,
          attempts: d.attempts,
          next_attempt_at: iso(d.nextAttemptAt),
          claim_token: null,
          lease_until: null,
          created_at: iso(d.createdAt),
        })
        .execute(),
    );
  }

  async claimDelivery(claimToken: string, now: Date, leaseUntil: Date): Promise<WebhookDelivery | undefined> {
    const at = iso(now);
    const claimable = sql`(state = 'pending' and next_attempt_at <= ${at} and (lease_until is null or lease_until < ${at}))`;
    const set = sql`claim_token = ${claimToken}, lease_until = ${iso(leaseUntil)}`;
    const query =
      this.ctx.dialect === 'postgres'
        ? sql<Selectable<WebhookDeliveriesTable>>`
            with next as (
              select id from webhook_deliveries where ${claimable} order by next_attempt_at limit 1 for update skip locked)
            update webhook_deliveries d set ${set} from next where d.id = next.id
            returning d.*`
        : sql<Selectable<WebhookDeliveriesTable>>`
            update webhook_deliveries set ${set}
            where id in (select id from webhook_deliveries where ${claimable} order by next_attempt_at limit 1)
            and ${claimable}
            returning *`;
    const r = await storeCall(query.execute(this.ctx.db));
    const row = r.rows[0];
    return row && toDelivery(row);
  }

  async recordAttempt(
    attempt: WebhookAttempt,
    next: { state: WebhookDelivery['state']; nextAttemptAt: Date },
    claimToken: string,
  ): Promise<void> {
    await this.ctx.atomic(async (db) => {
      const r = await storeCall(
        db
          .updateTable('webhook_deliveries')
          .set({ state: next.state, attempts: attempt.n, next_attempt_at: iso(next.nextAttemptAt), claim_token: null, lease_until: null })
          .where('id', '=', attempt.deliveryId)
          .where('claim_token', '=', claimToken)
          .executeTakeFirst(),
      );
      if (changed(r) !== 1) return;
      await storeCall(
        db
          .insertInto('webhook_attempts')
          .values({ delivery_id: attempt.deliveryId, n: attempt.n, at: iso(attempt.at), status: attempt.status, error: attempt.error })
          .execute(),
      );
    });
  }

  async listDeliveries(jobId: string): Promise<Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }>> {
    const rows = await storeCall(
      this.ctx.db.selectFrom('webhook_deliveries').selectAll().where('job_id', '=', jobId).orderBy('created_at').execute(),
    );
    const out: Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }> = [];
    for (const row of rows) {
      const attempts = await storeCall(
        this.ctx.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', row.id).orderBy('n').execute(),
      );
      out.push({
        ...toDelivery(row),
        attemptLog: attempts.map((a) => ({
          deliveryId: a.delivery_id,
          n: Number(a.n),
          at: date(a.at),
          status: a.status === null ? null : Number(a.status),
          error: a.error,
        })),
      });
    }
    return out;
  }
}

function toJob(r: Selectable<JobsTable>): JobRecord {
  return {
    id: r.id,
    kind: r.kind as JobRecord['kind'],
    ownerId: r.owner_id,
    organizationId: r.organization_id,
    actorId: r.actor_id,
    state: r.state as JobRecord['state'],
    options: r.options,
    authorizationId: r.authorization_id,
    signingTime: date(r.signing_time),
    deterministic: Number(r.deterministic) === 1,
    webhookUrl: r.webhook_url,
    createdAt: date(r.created_at),
    completedAt: dateOrNull(r.completed_at),
  };
}

function toItem(r: Selectable<JobItemsTable>): JobItemRecord {
  return {
    jobId: r.job_id,
    n: Number(r.n),
    name: r.name,
    inputSha256: r.input_sha256,
    inputBytes: Number(r.input_bytes),
    state: r.state as JobItemRecord['state'],
    attempts: Number(r.attempts),
    claimToken: r.claim_token,
    leaseUntil: dateOrNull(r.lease_until),
    outputSha256: r.output_sha256,
    outputBytes: r.output_bytes === null ? null : Number(r.output_bytes),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    updatedAt: date(r.updated_at),
  };
}

function toDelivery(r: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: r.id,
    jobId: r.job_id,
    ownerId: r.owner_id,
    url: r.url,
    state: r.state as WebhookDelivery['state'],
    attempts: Number(r.attempts),
    nextAttemptAt: date(r.next_attempt_at),
    claimToken: r.claim_token,
    createdAt: date(r.created_at),
  };
}
