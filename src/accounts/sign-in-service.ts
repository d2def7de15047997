import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiRole } from '../core/principal.js';
import { accountPrincipalId, scopeOf, totpContext, type AccountService } from './account-service.js';
import { dummyHash, verifyPassword } from './password-hash.js';
import type { AccountAuditSink, AccountRecord, AccountRepository, LoginIpCounter, LoginNameCounter, SecretBox } from './ports.js';
import type { SessionService, StartedSession } from './sessions.js';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in-limits.js';
import { totpStepOf } from './totp.js';

export interface LocalSignIn {
  readonly username: string;
  readonly password: string;
  readonly totp?: string;
  /** The client IP (req.ip), for the per-IP counter and the audit. */
  readonly ip: string;
}

/** What the identity provider said about the person, after the claim mapping (oidc-claims.ts). */
export interface OidcIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly displayName: string;
  readonly role: ApiRole;
  readonly organizationId: string | null;
  readonly authorityId: string | null;
  readonly officialId: string | null;
}

const SAFE_USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

/**
 * Signs people in: a local account (password, then TOTP when on) or an OpenID Connect identity,
 * and starts a session. Attempts are reserved in the account's and the IP's counters before the
 * password is evaluated, so concurrent guesses never exceed the limits; every outcome is audited
 * with its reason code, never the password or the code typed.
 */
export class SignInService {
  constructor(
    private readonly d: {
      readonly accounts: AccountRepository;
      readonly accountService: AccountService;
      readonly ipCounter: LoginIpCounter;
      readonly nameCounter: LoginNameCounter;
      readonly sessions: SessionService;
      readonly secrets: SecretBox;
      readonly clock: Clock;
      readonly audit: AccountAuditSink;
      readonly limits?: SignInLimits;
    },
  ) {}

  get limits(): SignInLimits {
    return this.d.limits ?? DEFAULT_SIGN_IN_LIMITS;
  }

  async signIn(o: LocalSignIn): Promise<StartedSession> {
    const l = this.limits;
    const now = this.d.clock.now();
    const username = o.username.trim().toLowerCase();
    const target = SAFE_USERNAME.test(username) ? `username:${username}` : 'username:(invalid)';
    if (!(await this.d.ipCounter.reserve(o.ip, l.perIp, l.windowSeconds, now))) {
      await this.#fail(undefined, target, o.ip, 'LOGIN_LOCKED', 'ip');
      throw locked(l.lockSeconds);
    }
    const a = SAFE_USERNAME.test(username) ? await this.d.accounts.byUsername(username) : undefined;
    if (!a || !a.passwordHash) return this.#refuseWithoutPassword(o, username, target, a ? 'no-password' : 'unknown-user');
    if (!(await this.d.accounts.reserveAttempt(a.id, l.perAccount, l.windowSeconds, now))) {
      await this.d.ipCounter.release(o.ip);
      // A count at the limit with no lock (attempts still in flight, or one that never finished)
      // would refuse for ever: it gets the configured lock, so every refusal has an end.
      await this.#lockAccount(a);
      await this.#fail(a, target, o.ip, 'LOGIN_LOCKED', 'account');
      throw this.#locked((await this.d.accounts.get(a.id))?.lockedUntil);
    }
    const passwordOk = await verifyPassword(o.password, a.passwordHash);
    if (!passwordOk || a.disabledAt) {
      await this.#countFailure(a, o.ip);
      await this.#fail(a, target, o.ip, 'LOGIN_FAILED', passwordOk ? 'disabled' : 'password');
      throw failed();
    }
    if (a.totpSecret) {
      if (!o.totp) {
        // The password is right: the attempt stays counted until the code is given, so the
        // question "is this password right?" costs an attempt like any other, and the last one
        // allowed locks the account for the configured time like a wrong password.
        await this.#lockAccount(a);
        await this.d.ipCounter.release(o.ip);
        await this.#fail(a, target, o.ip, 'TOTP_REQUIRED', 'totp-missing');
        throw new AppError('TOTP_REQUIRED', 'enter the 6-digit code from your authenticator app');
      }
      const step = totpStepOf(this.d.secrets.open(a.totpSecret, totpContext(a.id)), o.totp.trim(), now);
      if (step === undefined || !(await this.d.accounts.acceptTotpStep(a.id, step, now))) {
        await this.#countFailure(a, o.ip);
        await this.#fail(a, target, o.ip, 'LOGIN_FAILED', step === undefined ? 'totp' : 'totp-replayed');
        throw failed();
      }
    }
    await this.d.accounts.resetAttempts(a.id);
    await this.d.ipCounter.release(o.ip);
    const session = await this.d.sessions.start(a);
    await this.#succeed(a, o.ip, 'password', session);
    return session;
  }

  /**
   * A username with no password to check (unknown, or an OIDC-only account) answers like an
   * account with a wrong password, in the same steps: its own counter per username, counted
   * before the (dummy) scrypt check and locked at the same limit for the same time, so neither
   * the answers nor their timing tell whether the name exists (OWASP Authentication Cheat Sheet,
   * "authentication responses"). Names the username rule cannot produce are not stored: no
   * account can have them, so their answer reveals nothing.
   */
  async #refuseWithoutPassword(o: LocalSignIn, username: string, target: string, reason: string): Promise<never> {
    const l = this.limits;
    const counted = SAFE_USERNAME.test(username);
    if (counted && !(await this.d.nameCounter.reserve(username, l.perAccount, l.windowSeconds, this.d.clock.now()))) {
      await this.d.ipCounter.release(o.ip);
      await this.#lockName(username);
      await this.#fail(undefined, target, o.ip, 'LOGIN_LOCKED', 'account');
      throw this.#locked(await this.d.nameCounter.lockedUntil(username));
    }
    await verifyPassword(o.password, await dummyHash());
    if (counted) await this.#lockName(username);
    await this.#countIp(o.ip);
    await this.#fail(undefined, target, o.ip, 'LOGIN_FAILED', reason);
    throw failed();
  }

  /**
   * The first sign-in of an identity creates its account record (so the audit log shows one
   * stable `account:<id>` actor); later ones bring its role and scope up to date from the claims.
   */
  async signInWithOidc(id: OidcIdentity, ip: string): Promise<StartedSession> {
    const now = this.d.clock.now();
    await this.d.accountService.checkScope(id.role, id).catch((e: unknown) => {
      throw new AppError('OIDC_FAILED', `the identity provider's claims give no valid scope: ${(e as Error).message}`, {
        details: { reason: 'claims' },
      });
    });
    let a = await this.d.accounts.byOidcIdentity(id.issuer, id.subject);
    if (!a) {
      a = {
        id: newId('acc'),
        username: `oidc.${createHash('sha256').update(`${id.issuer}\0${id.subject}`).digest('hex').slice(0, 20)}`,
        displayName: id.displayName,
        role: id.role,
        organizationId: id.organizationId,
        authorityId: id.authorityId,
        officialId: id.officialId,
        passwordHash: null,
        totpSecret: null,
        totpLastStep: null,
        oidcIssuer: id.issuer,
        oidcSubject: id.subject,
        failedAttempts: 0,
        lockedUntil: null,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
        credentialsEpoch: 0,
      };
      await this.d.accounts.create(a);
      await this.d.audit.append({
        actor: accountPrincipalId(a.id),
        role: a.role,
        action: 'account.create',
        target: accountPrincipalId(a.id),
        outcome: 'success',
        details: { source: 'oidc', issuer: id.issuer, subject: id.subject, ...scopeOf(a) },
      });
    } else if (a.disabledAt) {
      await this.#fail(a, accountPrincipalId(a.id), ip, 'OIDC_FAILED', 'disabled');
      throw new AppError('OIDC_FAILED', 'this account is disabled', { details: { reason: 'disabled' } });
    } else {
      const changed = (['role', 'organizationId', 'authorityId', 'officialId', 'displayName'] as const).some((k) => a![k] !== id[k]);
      if (changed) {
        const change = {
          role: id.role,
          organizationId: id.organizationId,
          authorityId: id.authorityId,
          officialId: id.officialId,
          displayName: id.displayName,
        };
        await this.d.accounts.update(a.id, change, now);
        await this.d.audit.append({
          actor: accountPrincipalId(a.id),
          role: id.role,
          action: 'account.update',
          target: accountPrincipalId(a.id),
          outcome: 'success',
          details: { source: 'oidc', before: scopeOf(a), after: scopeOf(id) },
        });
        a = { ...a, ...change };
      }
    }
    const session = await this.d.sessions.start(a);
    await this.#succeed(a, ip, 'oidc', session);
    return session;
  }

  /** A failed sign-in that never reached an account (e.g. an OIDC callback with a wrong state). */
  async recordFailure(method: 'oidc', reason: string, ip: string): Promise<void> {
    await this.d.audit.append({
      actor: 'anonymous',
      role: 'none',
      action: 'account.login',
      target: `${method}:callback`,
      outcome: 'failure',
      details: { error: 'OIDC_FAILED', reason, ip, method },
    });
  }

  /** Sign-out: the session ends in the database. */
  async signOut(session: { idHash: string; account: AccountRecord }, ip: string): Promise<void> {
    await this.d.sessions.end(session.idHash);
    await this.d.audit.append({
      actor: accountPrincipalId(session.account.id),
      role: session.account.role,
      action: 'account.logout',
      target: accountPrincipalId(session.account.id),
      outcome: 'success',
      details: { ip, session: session.idHash.slice(0, 16) },
    });
  }

  async #countFailure(a: AccountRecord, ip: string): Promise<void> {
    await this.#lockAccount(a);
    await this.#countIp(ip);
  }

  /** Locks the account for lockSeconds when its count has reached the limit and it is not locked yet. */
  async #lockAccount(a: AccountRecord): Promise<void> {
    const until = new Date(this.d.clock.now().getTime() + this.limits.lockSeconds * 1000);
    if (await this.d.accounts.lockWhenExhausted(a.id, this.limits.perAccount, until))
      await this.d.audit.append({
        actor: 'system',
        role: 'system',
        action: 'account.lock',
        target: accountPrincipalId(a.id),
        outcome: 'success',
        details: { until: until.toISOString(), failures: this.limits.perAccount },
      });
  }

  /** As #lockAccount, for a username with no password to check. */
  async #lockName(username: string): Promise<void> {
    const until = new Date(this.d.clock.now().getTime() + this.limits.lockSeconds * 1000);
    if (await this.d.nameCounter.lockWhenExhausted(username, this.limits.perAccount, until))
      await this.d.audit.append({
        actor: 'system',
        role: 'system',
        action: 'account.lock',
        target: `username:${username}`,
        outcome: 'success',
        details: { until: until.toISOString(), failures: this.limits.perAccount },
      });
  }

  /**
   * LOGIN_LOCKED until `until`, counted from the time of this answer (not the attempt's start), so
   * Retry-After (RFC 9110 §10.2.3) is the lock's end rounded up to the second, not a second more.
   */
  #locked(until: Date | null | undefined): AppError {
    const left = until ? until.getTime() - this.d.clock.now().getTime() : this.limits.lockSeconds * 1000;
    return locked(Math.max(1, Math.ceil(left / 1000)));
  }

  async #countIp(ip: string): Promise<void> {
    const until = new Date(this.d.clock.now().getTime() + this.limits.lockSeconds * 1000);
    await this.d.ipCounter.lockWhenExhausted(ip, this.limits.perIp, until);
  }

  async #succeed(a: AccountRecord, ip: string, method: 'password' | 'oidc', s: StartedSession): Promise<void> {
    await this.d.audit.append({
      actor: accountPrincipalId(a.id),
      role: a.role,
      action: 'account.login',
      target: accountPrincipalId(a.id),
      outcome: 'success',
      details: { method, ip, totp: a.totpSecret !== null, session: s.idHash.slice(0, 16) },
    });
  }

  async #fail(a: AccountRecord | undefined, target: string, ip: string, error: string, reason: string): Promise<void> {
    await this.d.audit.append({
      actor: a ? accountPrincipalId(a.id) : 'anonymous',
      role: a?.role ?? 'none',
      action: 'account.login',
      target: a ? accountPrincipalId(a.id) : target,
      outcome: 'failure',
      details: { error, reason, ip },
    });
  }
}

function failed(): AppError {
  return new AppError('LOGIN_FAILED', 'wrong username or password');
}

function locked(retryAfterSeconds: number): AppError {
  return new AppError('LOGIN_LOCKED', 'too many failed sign-ins; try again later', { details: { retryAfterSeconds } });
}
