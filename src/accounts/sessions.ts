import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Principal } from '../core/principal.js';
import { principalOfAccount } from './account-service.js';
import type { AccountRecord, AccountRepository, SessionRecord, SessionRepository } from './ports.js';

/**
 * Server sessions (OWASP Session Management Cheat Sheet): a 256-bit random id lives only in the
 * browser's HttpOnly cookie; the database keeps its SHA-256, so a copy of the table opens no
 * session. The synchronizer CSRF token is derived from the id with a separate label, so it is
 * bound to the session, unknown to anyone without the cookie, and never stored.
 */
export interface SessionPolicy {
  /** Absolute lifetime from sign-in. */
  readonly absoluteSeconds: number;
  /** Ends after this long without a request. */
  readonly idleSeconds: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({ absoluteSeconds: 8 * 3600, idleSeconds: 30 * 60 });

/** last_seen_at is written at most this often (one write per minute, not per request). */
const TOUCH_EVERY_MS = 60_000;

export interface LiveSession {
  readonly principal: Principal;
  readonly account: AccountRecord;
  readonly csrfToken: string;
  readonly expiresAt: Date;
  readonly idleExpiresAt: Date;
  readonly idHash: string;
}

export interface StartedSession extends LiveSession {
  /** The cookie value; shown to the browser only. */
  readonly sessionId: string;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export const hashSessionId = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update('kyso csrf token v1\0').update(sessionId, 'utf8').digest('base64url');
}

/** Constant-time check of a presented CSRF token. */
export function csrfTokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionService {
  constructor(
    private readonly d: {
      readonly sessions: SessionRepository;
      readonly accounts: AccountRepository;
      readonly clock: Clock;
      readonly policy?: SessionPolicy;
    },
  ) {}

  get policy(): SessionPolicy {
    return this.d.policy ?? DEFAULT_SESSION_POLICY;
  }

  /** A new session with a new id (at every sign-in: no session fixation, OWASP ASVS V3.2.1). */
  async start(account: AccountRecord): Promise<StartedSession> {
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.d.clock.now();
    const rec: SessionRecord = {
      idHash: hashSessionId(sessionId),
      accountId: account.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.policy.absoluteSeconds * 1000),
      idleTimeoutSeconds: this.policy.idleSeconds,
      revokedAt: null,
      credentialsEpoch: account.credentialsEpoch,
    };
    await this.d.sessions.create(rec);
    return { sessionId, ...this.#live(rec, account, sessionId, now) };
  }

  /**
   * The live session for a cookie value, or undefined (unknown, revoked, expired, idle, account
   * disabled, or its credentials changed since the sign-in read them).
   */
  async authenticate(sessionId: string): Promise<LiveSession | undefined> {
    if (!SESSION_ID.test(sessionId)) return undefined;
    const s = await this.d.sessions.get(hashSessionId(sessionId));
    const now = this.d.clock.now();
    if (!s || s.revokedAt || s.expiresAt <= now || s.lastSeenAt.getTime() + s.idleTimeoutSeconds * 1000 <= now.getTime()) return undefined;
    const account = await this.d.accounts.get(s.accountId);
    // Ending every session at a password reset cannot reach one whose sign-in read the old hash
    // and inserts its row after the reset: the epoch it copied is what refuses it.
    if (!account || account.disabledAt || account.credentialsEpoch !== s.credentialsEpoch) return undefined;
    if (now.getTime() - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await this.d.sessions.touch(s.idHash, now);
    return this.#live(s, account, sessionId, now);
  }

  /** Ends the session (sign-out); false when it was not live. */
  end(idHash: string): Promise<boolean> {
    return this.d.sessions.revoke(idHash, this.d.clock.now());
  }

  #live(s: SessionRecord, account: AccountRecord, sessionId: string, now: Date): LiveSession {
    return {
      principal: principalOfAccount(account),
      account,
      csrfToken: csrfTokenOf(sessionId),
      expiresAt: s.expiresAt,
      idleExpiresAt: new Date(Math.min(s.expiresAt.getTime(), now.getTime() + s.idleTimeoutSeconds * 1000)),
      idHash: s.idHash,
    };
  }
}
