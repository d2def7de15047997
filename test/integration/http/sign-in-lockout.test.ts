import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../../src/accounts/totp.js';
import { call, startHarness, type Harness } from './harness.js';

/**
 * The account lock over HTTP with a short lock (docs/sign-in.md, attempt limits): every lock ends
 * after KYSO_LOGIN_LOCK seconds and Retry-After says when; an unknown username is locked exactly
 * like a real one, so the answers do not tell which usernames exist.
 */
const PASSWORD = 'mật khẩu đủ dài 2026';
const ADMIN = { id: 'test', role: 'admin' } as const;
let h: Harness;

const signIn = (username: string, password = PASSWORD, extra: Record<string, string> = {}) =>
  call(h, 'POST', '/api/v1/session', { json: { username, password, ...extra } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits out the Retry-After of a 429 answer, checking it promises no more than the 2 s lock. */
async function waitOut(r: { status: number; headers: Headers }): Promise<void> {
  expect(r.status).toBe(429);
  const seconds = Number(r.headers.get('retry-after'));
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(2);
  await sleep(seconds * 1000 + 250);
}

const create = (username: string) =>
  h.ctx.accounts.create({ username, displayName: `Phạm ${username}`, role: 'auditor', organizationId: 'org_a', password: PASSWORD }, ADMIN);

beforeAll(async () => {
  h = await startHarness({ KYSO_LOGIN_MAX_FAILURES: '3', KYSO_LOGIN_MAX_FAILURES_IP: '1000', KYSO_LOGIN_LOCK: '2' });
}, 120_000);
afterAll(async () => h?.close());

describe('sign-in locks end', () => {
  it('asking for the TOTP code up to the limit locks for the configured time, then the code signs in', async () => {
    const a = await create('hoa.totp');
    const { uri } = await h.ctx.accounts.enableTotp(a.id, ADMIN);
    const secret = new URL(uri).searchParams.get('secret')!;
    for (let i = 0; i < 3; i++) expect((await signIn('hoa.totp')).json.code).toBe('TOTP_REQUIRED');
    const locked = await signIn('hoa.totp', PASSWORD, { totp: totpCodeAt(secret, new Date()) });
    expect(locked.json.code).toBe('LOGIN_LOCKED');
    expect((await h.ctx.accounts.get(a.id)).lockedUntil).not.toBeNull();
    await waitOut(locked);
    const ok = await signIn('hoa.totp', PASSWORD, { totp: totpCodeAt(secret, new Date()) });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
  });

  it('a count left at the limit with no lock (attempts that never finished) gets a lock that ends', async () => {
    const a = await create('khanh.stuck');
    for (let i = 0; i < 3; i++) expect(await h.ctx.store.accounts.reserveAttempt(a.id, 3, 900, new Date())).toBe(true);
    const locked = await signIn('khanh.stuck');
    expect(locked.json.code).toBe('LOGIN_LOCKED');
    await waitOut(locked);
    expect((await signIn('khanh.stuck')).status).toBe(200);
  });
});

describe('unknown usernames', () => {
  /** Five wrong passwords in a row: status, code and whether Retry-After came, as one line each. */
  async function fiveWrong(username: string) {
    const answers: string[] = [];
    let last: Awaited<ReturnType<typeof signIn>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await signIn(username, 'đoán sai mật khẩu');
      answers.push(`${last.status} ${last.json.code}${last.headers.has('retry-after') ? ' Retry-After' : ''}`);
    }
    return { answers, last: last! };
  }

  it('answer like a real username: the same statuses, locked after the same count, and the lock ends', async () => {
    await create('lan.real');
    const real = await fiveWrong('lan.real');
    const unknown = await fiveWrong('lan.nobody');
    expect(real.answers).toEqual([
      '401 LOGIN_FAILED',
      '401 LOGIN_FAILED',
      '401 LOGIN_FAILED',
      '429 LOGIN_LOCKED Retry-After',
      '429 LOGIN_LOCKED Retry-After',
    ]);
    expect(unknown.answers).toEqual(real.answers);
    // Usernames are normalised before counting, as before the account lookup.
    expect((await signIn('  LAN.Nobody ', 'đoán sai mật khẩu')).json.code).toBe('LOGIN_LOCKED');
    await Promise.all([waitOut(real.last), waitOut(unknown.last)]);
    expect((await signIn('lan.nobody', 'đoán sai mật khẩu')).json.code).toBe('LOGIN_FAILED');
    expect((await signIn('lan.real', 'đoán sai mật khẩu')).json.code).toBe('LOGIN_FAILED');
  });

  it('concurrent guesses at an unknown username are counted up to the limit only, as for an account', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn('ghost.user', `wrong guess ${i} !!`)));
    const codes = answers.map((a) => a.json.code as string);
    expect(codes.filter((c) => c === 'LOGIN_FAILED').length).toBeLessThanOrEqual(3);
    expect(codes.filter((c) => c === 'LOGIN_LOCKED').length).toBeGreaterThanOrEqual(9);
  });
});
