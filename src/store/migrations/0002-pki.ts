import { sql } from 'kysely';
import { binaryType, type PortableMigration } from './types.js';

/**
 * PKI tables. Invariants the schema itself enforces: one serial per CA (unique (ca_id, serial),
 * RFC 5280 §4.1.2.2), one CRL per (ca_id, crl_number), known status values, CRLs belong to an
 * existing CA. certificates.ca_id has no foreign key on purpose: a self-signed root's certificate
 * row is reserved (intent recorded) before its CA row can exist. The partial index on revoked/on-hold rows keeps the CRL scan
 * proportional to the revoked set, not to all certificates.
 */
export const migration0002Pki: PortableMigration = {
  name: '0002-pki',
  async up(db, dialect) {
    const bin = binaryType(dialect);
    await db.schema
      .createTable('cas')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('root', 'issuing', 'ocsp-responder', 'tsa')`))
      .addColumn('parent_id', 'text', (c) => c.references('cas.id'))
      .addColumn('key_uri', 'text', (c) => c.notNull())
      .addColumn('certificate_der', bin, (c) => c.notNull())
      .addColumn('subject_dn', 'text', (c) => c.notNull())
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'retired')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('crl_number', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('certificates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ca_id', 'text', (c) => c.notNull())
      .addColumn('serial', 'text', (c) => c.notNull().check(sql`length(serial) between 2 and 40`))
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('subscriber_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('replaces_id', 'text')
      .addColumn('subject_dn', 'text', (c) => c.notNull())
      .addColumn('spki_sha256', 'text', (c) => c.notNull())
      .addColumn('key_uri', 'text')
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active', 'on-hold', 'revoked', 'failed')`))
      .addColumn('der', bin)
      .addColumn('revocation_reason', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('invalidity_date', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('certificates_ca_serial_unique', ['ca_id', 'serial'])
      .execute();
    await db.schema
      .createIndex('certificates_revoked')
      .on('certificates')
      .columns(['ca_id', 'serial'])
      .where(sql.ref('status'), 'in', ['revoked', 'on-hold'])
      .execute();
    await db.schema.createIndex('certificates_serial').on('certificates').column('serial').execute();
    await db.schema.createIndex('certificates_subscriber').on('certificates').column('subscriber_id').execute();
    await db.schema.createIndex('certificates_status_created').on('certificates').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('certificates_created').on('certificates').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('certificates_spki').on('certificates').column('spki_sha256').execute();

    await db.schema
      .createTable('subscribers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('organization', 'individual', 'device')`))
      .addColumn('managing_organization_id', 'text', (c) => c.references('subscribers.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('identifiers', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('position', 'text')
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'inactive')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subscribers_managing').on('subscribers').column('managing_organization_id').execute();
    await db.schema
      .createTable('subscriber_identifiers')
      .addColumn('subscriber_id', 'text', (c) => c.notNull().references('subscribers.id'))
      .addColumn('identifier', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('subscriber_identifiers_pk', ['subscriber_id', 'identifier'])
      .execute();
    await db.schema.createIndex('subscriber_identifiers_identifier').on('subscriber_identifiers').column('identifier').execute();

    await db.schema
      .createTable('requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('new', 'renew', 'rekey', 'change-info', 'revoke')`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'approved', 'rejected', 'completed', 'failed')`))
      .addColumn('subscriber_id', 'text', (c) => c.notNull().references('subscribers.id'))
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('ca_id', 'text', (c) => c.notNull())
      .addColumn('certificate_id', 'text')
      .addColumn('csr_der', bin)
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_note', 'text')
      .addColumn('result_certificate_id', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('failure_reason', 'text')
      .execute();
    await db.schema.createIndex('requests_state').on('requests').columns(['state', 'requested_at']).execute();
    await db.schema.createIndex('requests_subscriber').on('requests').column('subscriber_id').execute();

    await db.schema
      .createTable('crls')
      .addColumn('ca_id', 'text', (c) => c.notNull().references('cas.id'))
      .addColumn('crl_number', 'integer', (c) => c.notNull().check(sql`crl_number >= 1`))
      .addColumn('this_update', 'text', (c) => c.notNull())
      .addColumn('next_update', 'text', (c) => c.notNull())
      .addColumn('der', bin, (c) => c.notNull())
      .addColumn('entry_count', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('crls_pk', ['ca_id', 'crl_number'])
      .execute();
  },
};
