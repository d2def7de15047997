import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '../../../src/accounts/ports.js';
import { isAppError } from '../../../src/core/errors.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';

const T0 = new Date('2026-03-01T08:00:00.000Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

function account(id: string, o: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id,
    username: id.replace('acc_', 'user.'),
    displayName: 'Nguyễn Văn A',
    role: 'auditor',
    organizationId: 'org_a',
    authorityId: null,
    officialId: null,
    passwordHash: 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
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
    ...o,
  };
}

describe.each(DIALECTS)('accounts, sign-in counters and sessions (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  it('ok/stores and finds accounts; usernames and OIDC identities are unique', async () => {
    const a = account('acc_1', { oidcIssuer: 'https://idp', oidcSubject: 'sub-1', passwordHash: null });
    await ctx.store.accounts.create(a);
    expect(await ctx.store.accounts.get('acc_1')).toEqual(a);
    expect(await ctx.store.accounts.byUsername('user.1')).toEqual(a);
    expect(await ctx.store.accounts.byOidcIdentity('https://idp', 'sub-1')).toEqual(a);
    const dupName = await ctx.store.accounts.create(account('acc_2', { username: 'user.1' })).catch((e: unknown) => e);
    expect(isAppError(dupName, 'STORE_CONSTRAINT')).toBe(true);
    const dupSub = await ctx.store.accounts
      .create(account('acc_3', { oidcIssuer: 'https://idp', oidcSubject: 'sub-1' }))
      .catch((e: unknown) => e);
    expect(isAppError(dupSub, 'STORE_CONSTRAINT')).toBe(true);
    await ctx.store.accounts.update('acc_1', { role: 'signer', officialId: 'off_1', disabledAt: later(5) }, later(5));
    expect(await ctx.store.accounts.get('acc_1')).toMatchObject({
      role: 'signer',
      officialId: 'off_1',
      disabledAt: later(5),
      updatedAt: later(5),
    });
  });

  it('ok/a change of password, TOTP secret or disabled flag advances the credentials epoch; other changes do not', async () => {
    await ctx.store.accounts.create(account('acc_epoch'));
    const epoch = async () => (await ctx.store.accounts.get('acc_epoch'))?.credentialsEpoch;
    expect(await epoch()).toBe(0);
    await ctx.store.accounts.update('acc_epoch', { displayName: 'Lê Thị B', role: 'signer', officialId: 'off_1' }, later(1));
    await ctx.store.accounts.acceptTotpStep('acc_epoch', 7, later(2));
    expect(await epoch()).toBe(0);
    await ctx.store.accounts.update('acc_epoch', { passwordHash: 'scrypt$other' }, later(3));
    expect(await epoch()).toBe(1);
    await ctx.store.accounts.update('acc_epoch', { totpSecret: 'v1.sealed', totpLastStep: null }, later(4));
    await ctx.store.accounts.update('acc_epoch', { disabledAt: later(5) }, later(5));
    await ctx.store.accounts.update('acc_epoch', { disabledAt: null }, later(6));
    expect(await epoch()).toBe(4);
    // Concurrent changes each count: none is lost to another's read.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => ctx.store.accounts.update('acc_epoch', { passwordHash: `scrypt$${i}` }, later(7))),
    );
    expect(await epoch()).toBe(14);
  });

  it('race/of 30 concurrent attempt reservations at most the limit succeed; a lock that ran out, or failures older than the window, start a new count', async () => {
    await ctx.store.accounts.create(account('acc_race'));
    const got = await Promise.all(Array.from({ length: 30 }, () => ctx.store.accounts.reserveAttempt('acc_race', 5, 600, T0)));
    expect(got.filter(Boolean)).toHaveLength(5);
    expect(await ctx.store.accounts.lockWhenExhausted('acc_race', 5, later(900))).toBe(true);
    expect(await ctx.store.accounts.lockWhenExhausted('acc_race', 5, later(900))).toBe(false);
    expect(await ctx.store.accounts.reserveAttempt('acc_race', 5, 600, later(899))).toBe(false);
    expect(await ctx.store.accounts.reserveAttempt('acc_race', 5, 600, later(900))).toBe(true);
    expect(await ctx.store.accounts.get('acc_race')).toMatchObject({ failedAttempts: 1, lockedUntil: null });
    await ctx.store.accounts.resetAttempts('acc_race');
    expect((await ctx.store.accounts.get('acc_race'))?.failedAttempts).toBe(0);
    // Failures spread wider than the window never add up to the limit; within it they do.
    await ctx.store.accounts.create(account('acc_window'));
    for (const s of [0, 100, 200, 300]) expect(await ctx.store.accounts.reserveAttempt('acc_window', 5, 600, later(s))).toBe(true);
    expect(await ctx.store.accounts.reserveAttempt('acc_window', 5, 600, later(601))).toBe(true);
    expect((await ctx.store.accounts.get('acc_window'))?.failedAttempts).toBe(1);
    for (const s of [602, 603, 604, 605]) expect(await ctx.store.accounts.reserveAttempt('acc_window', 5, 600, later(s))).toBe(true);
    expect(await ctx.store.accounts.reserveAttempt('acc_window', 5, 600, later(606))).toBe(false);
  });

  it('race/a TOTP step is accepted once, never an earlier one', async () => {
    await ctx.store.accounts.create(account('acc_totp'));
    const got = await Promise.all(Array.from({ length: 10 }, () => ctx.store.accounts.acceptTotpStep('acc_totp', 1000, T0)));
    expect(got.filter(Boolean)).toHaveLength(1);
    expect(await ctx.store.accounts.acceptTotpStep('acc_totp', 999, T0)).toBe(false);
    expect(await ctx.store.accounts.acceptTotpStep('acc_totp', 1001, T0)).toBe(true);
  });

  it('race/the per-IP counter: concurrent reservations stop at the limit; the window forgets old failures; release gives one back', async () => {
    const ip = '203.0.113.7';
    const got = await Promise.all(Array.from({ length: 25 }, () => ctx.store.loginIpAttempts.reserve(ip, 10, 600, T0)));
    expect(got.filter(Boolean)).toHaveLength(10);
    await ctx.store.loginIpAttempts.release(ip);
    expect(await ctx.store.loginIpAttempts.reserve(ip, 10, 600, later(1))).toBe(true);
    expect(await ctx.store.loginIpAttempts.reserve(ip, 10, 600, later(2))).toBe(false);
    expect(await ctx.store.loginIpAttempts.lockWhenExhausted(ip, 10, later(900))).toBe(true);
    expect(await ctx.store.loginIpAttempts.reserve(ip, 10, 600, later(899))).toBe(false);
    expect(await ctx.store.loginIpAttempts.reserve(ip, 10, 600, later(900))).toBe(true);
    // Another IP is counted on its own; an unlocked window older than windowSeconds starts over.
    expect(await ctx.store.loginIpAttempts.reserve('198.51.100.1', 1, 600, T0)).toBe(true);
    expect(await ctx.store.loginIpAttempts.reserve('198.51.100.1', 1, 600, later(10))).toBe(false);
    expect(await ctx.store.loginIpAttempts.reserve('198.51.100.1', 1, 600, later(601))).toBe(true);
    // The sweep forgets ended locks and counts whose window has passed, nothing else.
    expect(await ctx.store.loginIpAttempts.deleteForgotten(600, later(1200))).toBe(0);
    expect(await ctx.store.loginIpAttempts.deleteForgotten(600, later(1201))).toBe(1);
    expect(await ctx.store.loginIpAttempts.deleteForgotten(600, later(1500))).toBe(1);
  });

  it('race/the per-username counter of names with no password: concurrent reservations stop at the limit; a lock that ran out, or failures older than the window, start a new count', async () => {
    const c = ctx.store.loginNameAttempts;
    const got = await Promise.all(Array.from({ length: 30 }, () => c.reserve('no.such.user', 5, 600, T0)));
    expect(got.filter(Boolean)).toHaveLength(5);
    expect(await c.lockedUntil('no.such.user')).toBeNull();
    expect(await c.lockWhenExhausted('no.such.user', 5, later(900))).toBe(true);
    expect(await c.lockWhenExhausted('no.such.user', 5, later(900))).toBe(false);
    expect(await c.lockedUntil('no.such.user')).toEqual(later(900));
    expect(await c.reserve('no.such.user', 5, 600, later(899))).toBe(false);
    // Another name is counted on its own.
    expect(await c.reserve('other.user', 5, 600, later(899))).toBe(true);
    expect(await c.lockWhenExhausted('other.user', 5, later(1800))).toBe(false);
    // The sweep forgets ended locks and counts whose window has passed, nothing else.
    expect(await c.deleteForgotten(600, later(899))).toBe(0);
    expect(await c.deleteForgotten(600, later(900))).toBe(1);
    expect(await c.lockedUntil('no.such.user')).toBeNull();
    expect(await c.deleteForgotten(600, later(1498))).toBe(0);
    expect(await c.deleteForgotten(600, later(1499))).toBe(1);
    const again = await Promise.all(Array.from({ length: 8 }, () => c.reserve('no.such.user', 5, 600, later(901))));
    expect(again.filter(Boolean)).toHaveLength(5);
    // A lock that ran out without the sweep: the next reservation clears it and counts 1.
    expect(await c.lockWhenExhausted('no.such.user', 5, later(1000))).toBe(true);
    expect(await c.reserve('no.such.user', 1, 600, later(1000))).toBe(true);
    expect(await c.lockedUntil('no.such.user')).toBeNull();
    expect(await c.reserve('no.such.user', 1, 600, later(1001))).toBe(false);
    // An unlocked count older than the window starts over without the sweep too.
    expect(await c.reserve('no.such.user', 1, 600, later(1601))).toBe(true);
  });

  it('ok/sessions by hash: revoke once, revoke all of an account; pending OIDC sign-ins are taken once', async () => {
    const s = {
      accountId: 'acc_s',
      createdAt: T0,
      lastSeenAt: T0,
      expiresAt: later(3600),
      idleTimeoutSeconds: 1800,
      revokedAt: null,
      credentialsEpoch: 3,
    };
    await ctx.store.sessions.create({ idHash: 'a'.repeat(64), ...s });
    await ctx.store.sessions.create({ idHash: 'b'.repeat(64), ...s });
    expect(await ctx.store.sessions.get('a'.repeat(64))).toEqual({ idHash: 'a'.repeat(64), ...s });
    await ctx.store.sessions.touch('a'.repeat(64), later(60));
    expect((await ctx.store.sessions.get('a'.repeat(64)))?.lastSeenAt).toEqual(later(60));
    expect(await ctx.store.sessions.revoke('a'.repeat(64), later(61))).toBe(true);
    expect(await ctx.store.sessions.revoke('a'.repeat(64), later(62))).toBe(false);
    expect(await ctx.store.sessions.revokeAllOf('acc_s', later(63))).toBe(1);
    expect((await ctx.store.sessions.get('b'.repeat(64)))?.revokedAt).toEqual(later(63));

    // The sweep forgets the signed-out and the expired, and only those.
    await ctx.store.sessions.create({ idHash: 'd'.repeat(64), ...s, accountId: 'acc_t', expiresAt: later(100) });
    await ctx.store.sessions.create({ idHash: 'e'.repeat(64), ...s, accountId: 'acc_t', expiresAt: later(101) });
    expect(await ctx.store.sessions.deleteEnded(later(100))).toBe(3);
    expect(await ctx.store.sessions.get('a'.repeat(64))).toBeUndefined();
    expect(await ctx.store.sessions.get('d'.repeat(64))).toBeUndefined();
    expect((await ctx.store.sessions.get('e'.repeat(64)))?.expiresAt).toEqual(later(101));
    expect(await ctx.store.sessions.deleteEnded(later(100))).toBe(0);

    const p = { idHash: 'c'.repeat(64), state: 'st', nonce: 'no', codeVerifier: 'cv', returnTo: '/workstation', expiresAt: later(600) };
    await ctx.store.oidcPending.create(p);
    const taken = await Promise.all(Array.from({ length: 5 }, () => ctx.store.oidcPending.take('c'.repeat(64))));
    expect(taken.filter(Boolean)).toEqual([p]);
  });
});
