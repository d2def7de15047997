import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { checkPrincipalScope, isApiRole, type ApiRole, type Principal, type PrincipalScope } from '../core/principal.js';
import { safeText } from '../core/safe-text.js';
import { checkPasswordPolicy, hashPassword } from './password-hash.js';
import type { AccountAuditSink, AccountRecord, AccountRepository, SecretBox, SessionRepository } from './ports.js';
import { newTotpSecret, totpUri } from './totp.js';

/** Usernames: what people type at the sign-in form (lower-case, no spaces). */
const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

/** The organization an official or authority belongs to (undefined: no such record); as for tokens. */
export interface AccountScopeRecords {
  organizationOfOfficial(id: string): Promise<string | null | undefined>;
  organizationOfAuthority(id: string): Promise<string | null | undefined>;
}

export interface NewAccount extends PrincipalScope {
  readonly username: string;
  readonly displayName: string;
  readonly role: ApiRole;
  readonly password?: string;
}

/** The view of an account for admins and the CLI: never the hash or the TOTP secret. */
export function publicAccount(a: AccountRecord): Record<string, unknown> {
  return {
    id: a.id,
    username: a.username,
    displayName: a.displayName,
    role: a.role,
    organizationId: a.organizationId,
    authorityId: a.authorityId,
    officialId: a.officialId,
    kind: a.oidcSubject ? 'oidc' : 'local',
    ...(a.oidcSubject ? { oidcIssuer: a.oidcIssuer, oidcSubject: a.oidcSubject } : {}),
    totp: a.totpSecret !== null,
    disabled: a.disabledAt !== null,
    lockedUntil: a.lockedUntil?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
  };
}

/** The principal id of an account (docs/sign-in.md; the cross-branch contract `account:<id>`). */
export const accountPrincipalId = (accountId: string): string => `account:${accountId}`;

/** The principal an account acts as: the same role and scope checks as an API token. */
export function principalOfAccount(a: AccountRecord): Principal {
  const id = accountPrincipalId(a.id);
  return {
    id,
    personId: id,
    role: a.role,
    ...(a.organizationId ? { organizationId: a.organizationId } : {}),
    ...(a.authorityId ? { authorityId: a.authorityId } : {}),
    ...(a.officialId ? { officialId: a.officialId } : {}),
  };
}

/**
 * Accounts for people, managed by admins (HTTP) and the server's operator (CLI). Every change is
 * audited with the acting principal; passwords and TOTP secrets never reach the log.
 */
export class AccountService {
  constructor(
    private readonly d: {
      readonly accounts: AccountRepository;
      readonly sessions: SessionRepository;
      readonly secrets: SecretBox;
      readonly clock: Clock;
      readonly audit: AccountAuditSink;
      readonly records?: AccountScopeRecords;
    },
  ) {}

  /** Role and scope as for a token, and the official and authority must belong to the organization. */
  async checkScope(role: ApiRole, s: PrincipalScope): Promise<void> {
    checkPrincipalScope(role, s, 'account');
    const r = this.d.records;
    if (!r || !s.organizationId) return;
    const official = s.officialId ? await r.organizationOfOfficial(s.officialId) : undefined;
    if (official !== undefined && official !== s.organizationId)
      throw new AppError('VALIDATION_FAILED', `official ${s.officialId} does not belong to organization ${s.organizationId}`, {
        details: { field: 'officialId' },
      });
    const authority = s.authorityId ? await r.organizationOfAuthority(s.authorityId) : undefined;
    if (authority && authority !== s.organizationId)
      throw new AppError('VALIDATION_FAILED', `authority ${s.authorityId} belongs to another organization than ${s.organizationId}`, {
        details: { field: 'authorityId' },
      });
  }

  async create(o: NewAccount, by: Pick<Principal, 'id' | 'role'>): Promise<AccountRecord> {
    if (!USERNAME.test(o.username))
      throw new AppError('VALIDATION_FAILED', 'username: 2-64 characters a-z 0-9 . _ @ -, starting with a letter or digit', {
        details: { field: 'username' },
      });
    if (!isApiRole(o.role))
      throw new AppError('VALIDATION_FAILED', `unknown role ${JSON.stringify(o.role)}`, { details: { field: 'role' } });
    const displayName = safeText(o.displayName.trim(), 'displayName');
    if (!displayName || displayName.length > 200)
      throw new AppError('VALIDATION_FAILED', 'displayName: 1-200 characters', { details: { field: 'displayName' } });
    await this.checkScope(o.role, o);
    if (o.password !== undefined) this.#policy(o.password);
    if (await this.d.accounts.byUsername(o.username)) throw new AppError('CONFLICT', `account ${o.username} already exists`);
    const now = this.d.clock.now();
    const a: AccountRecord = {
      id: newId('acc'),
      username: o.username,
      displayName,
      role: o.role,
      organizationId: o.organizationId || null,
      authorityId: o.authorityId || null,
      officialId: o.officialId || null,
      passwordHash: o.password === undefined ? null : await hashPassword(o.password),
      totpSecret: null,
      totpLastStep: null,
      oidcIssuer: null,
      oidcSubject: null,
      failedAttempts: 0,
      lockedUntil: null,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
      credentialsEpoch: 0,
    };
    await this.d.accounts.create(a);
    await this.#audit(by, 'account.create', a, { username: a.username, ...scopeOf(a) });
    return a;
  }

  async get(id: string): Promise<AccountRecord> {
    const a = await this.d.accounts.get(id);
    if (!a) throw new AppError('ACCOUNT_NOT_FOUND', `no account ${id}`);
    return a;
  }

  /** By id (`acc_…`) or username: the CLI takes either. */
  async find(idOrUsername: string): Promise<AccountRecord> {
    const a = (await this.d.accounts.get(idOrUsername)) ?? (await this.d.accounts.byUsername(idOrUsername));
    if (!a) throw new AppError('ACCOUNT_NOT_FOUND', `no account ${idOrUsername}`);
    return a;
  }

  list(): Promise<AccountRecord[]> {
    return this.d.accounts.list();
  }

  /** Disabled accounts cannot sign in and their sessions end at once. */
  async setDisabled(id: string, disabled: boolean, by: Pick<Principal, 'id' | 'role'>): Promise<AccountRecord> {
    const a = await this.get(id);
    const now = this.d.clock.now();
    await this.d.accounts.update(a.id, { disabledAt: disabled ? now : null }, now);
    const ended = disabled ? await this.d.sessions.revokeAllOf(a.id, now) : 0;
    await this.#audit(by, disabled ? 'account.disable' : 'account.enable', a, disabled ? { sessionsEnded: ended } : {});
    return this.get(a.id);
  }

  /** An admin sets a new password (the person forgot theirs); every session of the account ends. */
  async resetPassword(id: string, password: string, by: Pick<Principal, 'id' | 'role'>): Promise<AccountRecord> {
    const a = await this.get(id);
    if (a.oidcSubject) throw new AppError('CONFLICT', 'this account signs in through the identity provider; it has no password');
    this.#policy(password);
    const now = this.d.clock.now();
    await this.d.accounts.update(a.id, { passwordHash: await hashPassword(password) }, now);
    await this.d.accounts.resetAttempts(a.id);
    const ended = await this.d.sessions.revokeAllOf(a.id, now);
    await this.#audit(by, 'account.password-reset', a, { sessionsEnded: ended });
    return this.get(a.id);
  }

  /**
   * Turns TOTP on with a new secret; returns the otpauth:// URI, shown once and never stored in the
   * clear. Sessions of the account end: they were started on the credentials before.
   */
  async enableTotp(id: string, by: Pick<Principal, 'id' | 'role'>): Promise<{ account: AccountRecord; uri: string }> {
    const a = await this.get(id);
    if (a.oidcSubject) throw new AppError('CONFLICT', 'this account signs in through the identity provider (second factor there)');
    const secret = newTotpSecret();
    const now = this.d.clock.now();
    await this.d.accounts.update(a.id, { totpSecret: this.d.secrets.seal(secret, totpContext(a.id)), totpLastStep: null }, now);
    // The update already made them unusable (credentials epoch); revoking lets the sweep delete them.
    const ended = await this.d.sessions.revokeAllOf(a.id, now);
    await this.#audit(by, 'account.totp-enable', a, { sessionsEnded: ended });
    return { account: await this.get(a.id), uri: totpUri(secret, a.username) };
  }

  /** Turns TOTP off; sessions of the account end, as at any change of credentials. */
  async disableTotp(id: string, by: Pick<Principal, 'id' | 'role'>): Promise<AccountRecord> {
    const a = await this.get(id);
    const now = this.d.clock.now();
    await this.d.accounts.update(a.id, { totpSecret: null, totpLastStep: null }, now);
    const ended = await this.d.sessions.revokeAllOf(a.id, now);
    await this.#audit(by, 'account.totp-disable', a, { sessionsEnded: ended });
    return this.get(a.id);
  }

  #policy(password: string): void {
    const why = checkPasswordPolicy(password);
    if (why) throw new AppError('VALIDATION_FAILED', `password: ${why}`, { details: { field: 'password' } });
  }

  async #audit(by: Pick<Principal, 'id' | 'role'>, action: string, a: AccountRecord, details: Record<string, unknown>): Promise<void> {
    await this.d.audit.append({ actor: by.id, role: by.role, action, target: accountPrincipalId(a.id), outcome: 'success', details });
  }
}

/** Associated data of a sealed TOTP secret: it opens only for its own account. */
export const totpContext = (accountId: string): string => `kyso totp secret v1 ${accountId}`;

export function scopeOf(a: Pick<AccountRecord, 'role' | 'organizationId' | 'authorityId' | 'officialId'>): Record<string, unknown> {
  return { role: a.role, organizationId: a.organizationId, authorityId: a.authorityId, officialId: a.officialId };
}
