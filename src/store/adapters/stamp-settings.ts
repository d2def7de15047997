import type { Selectable } from 'kysely';
import type { AuthorityStampSettings, StampSettingsRepository } from '../../copies/stamp-settings.js';
import type { AuthorityStampsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, bufOrNull, date, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

/** Stamp settings of authorities and signature images of credentials (migration 0006-stamps). */
export class KyselyStampSettingsRepository implements StampSettingsRepository {
  constructor(private readonly ctx: DbContext) {}

  async getAuthority(authorityId: string): Promise<AuthorityStampSettings | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(AUTHORITY_STAMPS.bind(db, dialect, { authorityId })))).rows[0];
    return row && toSettings(row);
  }

  async putAuthority(s: AuthorityStampSettings): Promise<AuthorityStampSettings> {
    const row: AuthorityStampsTable = {
      authority_id: s.authorityId,
      seal_image: s.sealImage,
      seal_diameter_mm: s.sealDiameterMm,
      title: s.title,
      authority_lines: JSON.stringify(s.authorityLines),
      text_only_stamps: s.textOnlyStamps ? 1 : 0,
      updated_at: iso(s.updatedAt),
      updated_by: s.updatedBy,
    };
    const { authority_id: _id, ...rest } = row;
    await storeCall(
      this.ctx.db
        .insertInto('authority_stamps')
        .values(row)
        .onConflict((oc) => oc.column('authority_id').doUpdateSet(rest))
        .execute(),
    );
    return toSettings(row);
  }

  async getSignatureImage(credentialId: string): Promise<Buffer | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(SIGNATURE_IMAGE.bind(db, dialect, { credentialId })))).rows[0];
    return row && buf(row.image);
  }

  async putSignatureImage(credentialId: string, image: Buffer, at: Date, by: string): Promise<void> {
    const values = { credential_id: credentialId, image, updated_at: iso(at), updated_by: by };
    await storeCall(
      this.ctx.db
        .insertInto('signature_images')
        .values(values)
        .onConflict((oc) => oc.column('credential_id').doUpdateSet({ image, updated_at: values.updated_at, updated_by: by }))
        .execute(),
    );
  }
}

function toSettings(r: Selectable<AuthorityStampsTable>): AuthorityStampSettings {
  return {
    authorityId: r.authority_id,
    sealImage: bufOrNull(r.seal_image),
    sealDiameterMm: r.seal_diameter_mm === null ? null : Number(r.seal_diameter_mm),
    title: r.title,
    authorityLines: JSON.parse(r.authority_lines) as string[],
    textOnlyStamps: Number(r.text_only_stamps) === 1,
    updatedAt: date(r.updated_at),
    updatedBy: r.updated_by,
  };
}

// read by every certified copy: compiled once (./compiled-statement.ts)
const AUTHORITY_STAMPS = compiledStatement<{ authorityId: string }, Selectable<AuthorityStampsTable>>(['authorityId'], (db, _d, m) =>
  db.selectFrom('authority_stamps').selectAll().where('authority_id', '=', m.authorityId),
);
const SIGNATURE_IMAGE = compiledStatement<{ credentialId: string }, { image: Buffer | Uint8Array }>(['credentialId'], (db, _d, m) =>
  db.selectFrom('signature_images').select('image').where('credential_id', '=', m.credentialId),
);
