import type { CopyDocumentStore } from '../../copies/ports.js';
import { storeCall } from '../errors.js';
import { buf, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/** Signed copies in the database (table copy_documents, bytea on PostgreSQL). */
export class KyselyCopyDocumentStore implements CopyDocumentStore {
  constructor(
    private readonly ctx: DbContext,
    private readonly now: () => Date,
  ) {}

  async put(sha256: string, pdf: Buffer): Promise<void> {
    // content-addressed: a second write of the same hash is the same bytes, so it is skipped
    await storeCall(
      this.ctx.db
        .insertInto('copy_documents')
        .values({ sha256, pdf: buf(pdf), created_at: iso(this.now()) })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute(),
    );
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('copy_documents').select('pdf').where('sha256', '=', sha256).executeTakeFirst());
    return row ? buf(row.pdf) : undefined;
  }
}
