import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../../src/core/clock.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { deriveMasterKey } from '../../../src/keys/adapters/master-key.js';
import { SecretBox } from '../../../src/keys/adapters/secret-box.js';
import { AccountService } from '../../../src/accounts/account-service.js';
import { SessionService } from '../../../src/accounts/sessions.js';
import { SignInService, type LocalSignIn } from '../../../src/accounts/sign-in-service.js';
import { totpCodeAt } from '../../../src/accounts/totp.js';
import type { AccountRepository } from '../../../src/accounts/ports.js';

/**
 * A sign-in reads the account, checks the password (scrypt, ~90 ms), then inserts its session.
 * Here the sign-in is held right after its read while an admin changes the credentials, then let
 * go: whatever it started on the old credentials must not authenticate (docs/sign-in.md, Sessions).
 * Deterministic, unlike the HTTP race in test/integration/http/sign-in.test.ts.
 */
const T0 = new Date('2026-04-01T01:00:00.000Z');
const PASSWORD = 'mật khẩu đủ dài 2026';
const ADMIN = { id: 'test', role: 'admin' } as const;
const clock = new FakeClock(T0);
let store: Store;
let accounts: AccountService;
let sessions: SessionService;
let signIn: SignInService;

/** The next byUsername() reports its read, then waits until resumed. */
let hold: { read: () => void; resumed: Promise<void> } | undefined;

function holding(inner: AccountRepository): AccountRepository {
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'byUsername')
        return async (username: string) => {
          const a = await target.byUsername(username);
          const h = hold;
          hold = undefined;
          if (h) {
            h.read();
            await h.resumed;
          }
          return a;
        };
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Runs `change` while a sign-in holds the account as it read it; the sign-in's outcome. */
async function signInAcross(o: Omit<LocalSignIn, 'ip'>, change: () => Promise<unknown>) {
  let resume!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  const read = new Promise<void>((r) => (hold = { read: r, resumed }));
  const pending = signIn.signIn({ ...o, ip: '192.0.2.1' });
  await read;
  await change();
  resume();
  return pending;
}

beforeAll(async () => {
  store = await openStore({ dialect: 'sqlite', filename: ':memory:' }, { clock });
  const secrets = new SecretBox(deriveMasterKey(randomBytes(32), 'env'));
  accounts = new AccountService({ accounts: store.accounts, sessions: store.sessions, secrets, clock, audit: store.audit });
  sessions = new SessionService({ sessions: store.sessions, accounts: store.accounts, clock });
  signIn = new SignInService({
    accounts: holding(store.accounts),
    accountService: accounts,
    ipCounter: store.loginIpAttempts,
    nameCounter: store.loginNameAttempts,
    sessions,
    secrets,
    clock,
    audit: store.audit,
  });
});
afterAll(async () => store?.close());

const create = (username: string) =>
  accounts.create({ username, displayName: 'Trần Văn Bình', role: 'auditor', organizationId: 'org_a', password: PASSWORD }, ADMIN);

describe('a sign-in in flight while the credentials change', () => {
  it('keeps no session from the old password once an admin has reset it', async () => {
    const a = await create('reset.during');
    const s = await signInAcross({ username: 'reset.during', password: PASSWORD }, () =>
      accounts.resetPassword(a.id, 'một mật khẩu mới 2027', ADMIN),
    );
    expect(await sessions.authenticate(s.sessionId)).toBeUndefined();
    const fresh = await signIn.signIn({ username: 'reset.during', password: 'một mật khẩu mới 2027', ip: '192.0.2.1' });
    expect(await sessions.authenticate(fresh.sessionId)).toBeDefined();
  });

  it('keeps no session from a code of the replaced TOTP secret (a lost phone enrolled again)', async () => {
    const a = await create('totp.during');
    const { uri } = await accounts.enableTotp(a.id, ADMIN);
    const old = new URL(uri).searchParams.get('secret')!;
    const s = await signInAcross({ username: 'totp.during', password: PASSWORD, totp: totpCodeAt(old, clock.now()) }, () =>
      accounts.enableTotp(a.id, ADMIN),
    );
    expect(await sessions.authenticate(s.sessionId)).toBeUndefined();
  });

  it('keeps no session across a disable, even after the account is enabled again', async () => {
    const a = await create('disable.during');
    const s = await signInAcross({ username: 'disable.during', password: PASSWORD }, () => accounts.setDisabled(a.id, true, ADMIN));
    await accounts.setDisabled(a.id, false, ADMIN);
    expect(await sessions.authenticate(s.sessionId)).toBeUndefined();
  });

  it('keeps the session when only the name or scope changed', async () => {
    const a = await create('rename.during');
    const s = await signInAcross({ username: 'rename.during', password: PASSWORD }, () =>
      store.accounts.update(a.id, { displayName: 'Trần Thị Bình', role: 'signer', officialId: 'off_1' }, clock.now()),
    );
    expect((await sessions.authenticate(s.sessionId))?.principal).toMatchObject({ role: 'signer', officialId: 'off_1' });
  });
});
