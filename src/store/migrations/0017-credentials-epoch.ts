import type { PortableMigration } from './types.js';

/**
 * A counter of an account's credential changes, copied into each session at sign-in.
 *
 * A sign-in reads the account (its password hash, TOTP secret, disabled flag), spends ~90 ms on
 * scrypt, then inserts its session. A password reset that ends all sessions in between would not
 * see that later insert, and the session would outlive the credentials it was started on. The
 * adapter advances `accounts.credentials_epoch` in the same UPDATE that changes the password hash,
 * the TOTP secret or the disabled flag; a session whose `credentials_epoch` is not the account's
 * is refused (OWASP ASVS 4.0 V3.3.3: a password change ends the other sessions). Existing rows start at 0
 * on both sides, so sessions live before this migration stay valid.
 */
export const migration0017CredentialsEpoch: PortableMigration = {
  name: '0017-credentials-epoch',
  async up(db) {
    await db.schema
      .alterTable('accounts')
      .addColumn('credentials_epoch', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('sessions')
      .addColumn('credentials_epoch', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
