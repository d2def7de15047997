import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../../src/core/clock.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { SessionService, csrfTokenMatches, hashSessionId } from '../../../src/accounts/sessions.js';
import type { AccountRecord } from '../../../src/accounts/ports.js';

/** Session lifetimes with a fake clock (convention 7) over the SQLite store in memory. */
const T0 = new Date('2026-04-01T01:00:00.000Z');
let store: Store;
const clock = new FakeClock(T0);
const account: AccountRecord = {
  id: 'acc_s',
  username: 'lan.nguyen',
  displayName: 'Nguyễn Thị Lan',
  role: 'signer',
  organizationId: 'org_qn',
  authorityId: null,
  officialId: 'off_lan',
  passwordHash: null,
  totpSecret: null,
  totpLastStep: null,
  oidcIssuer: null,
  oidcSubject: null,
  failedAttempts: 0,
  lockedUntil: null,
  disabledAt: null,
  createdAt: T0,
  updatedAt: T0,
  credentialsEpoch: 0,
};

beforeAll(async () => {
  store = await openStore({ dialect: 'sqlite', filename: ':memory:' }, { clock });
  await store.accounts.create(account);
});
afterAll(async () => store?.close());

const service = () =>
  new SessionService({ sessions: store.sessions, accounts: store.accounts, clock, policy: { absoluteSeconds: 3600, idleSeconds: 600 } });

describe('sessions', () => {
  it('stores only the hash of the id; the principal is the account with its scope', async () => {
    clock.set(T0);
    const s = await service().start(account);
    expect(s.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await store.sessions.get(hashSessionId(s.sessionId))).toBeDefined();
    expect(await store.sessions.get(s.sessionId)).toBeUndefined();
    expect(s.principal).toEqual({
      id: 'account:acc_s',
      personId: 'account:acc_s',
      role: 'signer',
      organizationId: 'org_qn',
      officialId: 'off_lan',
    });
    expect(csrfTokenMatches(s.csrfToken, s.csrfToken)).toBe(true);
    expect(csrfTokenMatches(s.csrfToken, undefined)).toBe(false);
    expect(csrfTokenMatches(s.csrfToken, s.csrfToken.slice(1))).toBe(false);
    expect(s.csrfToken).not.toBe(s.sessionId);
  });

  it('ends after the idle timeout without requests, and at the absolute expiry even when used', async () => {
    clock.set(T0);
    const svc = service();
    const idle = await svc.start(account);
    clock.advance(599_000);
    expect(await svc.authenticate(idle.sessionId)).toBeDefined();
    clock.advance(599_000); // used 599 s ago: still alive
    expect(await svc.authenticate(idle.sessionId)).toBeDefined();
    clock.advance(601_000);
    expect(await svc.authenticate(idle.sessionId)).toBeUndefined();

    clock.set(T0);
    const busy = await svc.start(account);
    for (let t = 0; t < 3600; t += 300) {
      clock.set(T0.getTime() + t * 1000);
      expect(await svc.authenticate(busy.sessionId)).toBeDefined();
    }
    clock.set(T0.getTime() + 3600_000);
    expect(await svc.authenticate(busy.sessionId)).toBeUndefined();
  });

  it('refuses unknown, malformed and revoked ids', async () => {
    clock.set(T0);
    const svc = service();
    expect(await svc.authenticate(randomBytes(32).toString('base64url'))).toBeUndefined();
    expect(await svc.authenticate('not a session')).toBeUndefined();
    const s = await svc.start(account);
    expect(await svc.end(s.idHash)).toBe(true);
    expect(await svc.authenticate(s.sessionId)).toBeUndefined();
  });
});
