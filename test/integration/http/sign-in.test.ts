import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../../src/accounts/totp.js';
import { call, startHarness, type Harness } from './harness.js';

/**
 * Local accounts over HTTP (docs/sign-in.md): sign-in, the session cookie on the existing API,
 * CSRF and origin checks, sign-out, TOTP, and the attempt limit under concurrent guesses.
 */
const PASSWORD = 'mật khẩu đủ dài 2026';

let h: Harness;

function cookieOf(res: { headers: Headers }): { raw: string; pair: string; value: string } {
  const raw = res.headers.getSetCookie().find((c) => c.startsWith('kyso_session='));
  expect(raw, 'Set-Cookie kyso_session').toBeDefined();
  const pair = raw!.split(';')[0]!;
  return { raw: raw!, pair, value: pair.slice('kyso_session='.length) };
}

async function createAccount(username: string, role = 'admin', extra: Record<string, string> = {}) {
  const r = await call(h, 'POST', '/api/v1/accounts', {
    token: h.adminToken,
    json: { username, displayName: `Nguyễn Văn ${username}`, role, password: PASSWORD, ...extra },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

const signIn = (username: string, password = PASSWORD, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  call(h, 'POST', '/api/v1/session', { json: { username, password, ...extra }, headers });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHarness({ KYSO_LOGIN_MAX_FAILURES: '3', KYSO_LOGIN_MAX_FAILURES_IP: '1000' });
}, 120_000);
afterAll(async () => h?.close());

describe('local sign-in', () => {
  it('signs in, sets an HttpOnly SameSite cookie, and the cookie authenticates the API as the account', async () => {
    const acc = await createAccount('an.admin');
    const r = await signIn('an.admin');
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const c = cookieOf(r);
    const attrs = c.raw.split(';').map((s) => s.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    expect(attrs).not.toContain('secure'); // plain http on loopback: the documented development exception
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json.principal).toEqual({
      id: `account:${acc.id}`,
      role: 'admin',
      organizationId: null,
      authorityId: null,
      officialId: null,
      displayName: 'Nguyễn Văn an.admin',
    });
    expect(r.json.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await call(h, 'GET', '/api/v1/session', { headers: { cookie: c.pair } });
    expect(me.status).toBe(200);
    expect(me.json.principal.id).toBe(`account:${acc.id}`);
    expect(me.json.csrfToken).toBe(r.json.csrfToken);

    // An existing admin route, read with the cookie alone.
    const tokens = await call(h, 'GET', '/api/v1/tokens', { headers: { cookie: c.pair } });
    expect(tokens.status).toBe(200);

    // A Bearer request is judged by the token alone: csrfToken null.
    const bearer = await call(h, 'GET', '/api/v1/session', { token: h.adminToken });
    expect(bearer.json.csrfToken).toBeNull();
    expect(bearer.json.principal.id).toMatch(/^token:/);
  });

  it('refuses state changes by cookie without the CSRF token, with a wrong one, or from another origin (403 CSRF_INVALID)', async () => {
    const r = await signIn('an.admin');
    const { pair } = cookieOf(r);
    const csrf = r.json.csrfToken as string;
    const body = { role: 'auditor', organizationId: 'org_none', label: 'csrf' };
    const missing = await call(h, 'POST', '/api/v1/tokens', { json: body, headers: { cookie: pair } });
    expect(missing.status).toBe(403);
    expect(missing.json.code).toBe('CSRF_INVALID');
    expect(missing.json.details?.reason ?? 'token').toBe('token');
    const wrong = await call(h, 'POST', '/api/v1/tokens', {
      json: body,
      headers: { cookie: pair, 'x-csrf-token': csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.code).toBe('CSRF_INVALID');
    const foreign = await call(h, 'POST', '/api/v1/tokens', {
      json: body,
      headers: { cookie: pair, 'x-csrf-token': csrf, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json.code).toBe('CSRF_INVALID');
    const ok = await call(h, 'POST', '/api/v1/tokens', { json: body, headers: { cookie: pair, 'x-csrf-token': csrf, origin: h.url } });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    // Bearer requests need no CSRF token.
    const bearer = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: body });
    expect(bearer.status).toBe(201);
    // A cross-origin sign-in form is refused too (login CSRF).
    const loginCsrf = await signIn('an.admin', PASSWORD, {}, { origin: 'https://evil.example' });
    expect(loginCsrf.status).toBe(403);
    expect(loginCsrf.json.code).toBe('CSRF_INVALID');
  });

  it('issues a new session id at every sign-in and ends the one the browser had', async () => {
    const first = cookieOf(await signIn('an.admin'));
    const second = await signIn('an.admin', PASSWORD, {}, { cookie: first.pair });
    const c2 = cookieOf(second);
    expect(c2.value).not.toBe(first.value);
    expect((await call(h, 'GET', '/api/v1/session', { headers: { cookie: first.pair } })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/session', { headers: { cookie: c2.pair } })).status).toBe(200);
  });

  it('signs out: the session is revoked on the server and the cookie cleared', async () => {
    const r = await signIn('an.admin');
    const { pair } = cookieOf(r);
    const noCsrf = await call(h, 'DELETE', '/api/v1/session', { headers: { cookie: pair } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.code).toBe('CSRF_INVALID');
    const out = await call(h, 'DELETE', '/api/v1/session', { headers: { cookie: pair, 'x-csrf-token': r.json.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => /^kyso_session=;.*Max-Age=0/i.test(c))).toBe(true);
    const after = await call(h, 'GET', '/api/v1/session', { headers: { cookie: pair } });
    expect(after.status).toBe(401);
    expect(after.json.code).toBe('UNAUTHENTICATED');
  });

  it('gives one answer for unknown users and wrong passwords, and audits without secrets', async () => {
    await createAccount('binh.auditor', 'auditor', { organizationId: 'org_a' });
    const unknown = await signIn('nobody.here', 'whatever password');
    const wrong = await signIn('binh.auditor', 'wrong password 123');
    expect([unknown.status, unknown.json.code]).toEqual([401, 'LOGIN_FAILED']);
    expect([wrong.status, wrong.json.code]).toEqual([401, 'LOGIN_FAILED']);
    expect(wrong.json.detail).toBe(unknown.json.detail);
    const ok = await signIn('binh.auditor');
    expect(ok.status).toBe(200);
    expect(ok.json.principal).toMatchObject({ role: 'auditor', organizationId: 'org_a' });
    const events = await h.ctx.audit.list({ limit: 1000 });
    const logins = events.filter((e) => e.action === 'account.login');
    expect(logins.some((e) => e.outcome === 'failure' && e.details?.reason === 'password')).toBe(true);
    expect(logins.some((e) => e.outcome === 'failure' && e.details?.reason === 'unknown-user')).toBe(true);
    expect(logins.some((e) => e.outcome === 'success')).toBe(true);
    const text = JSON.stringify(events);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('wrong password 123');
    expect(events.some((e) => e.action === 'account.create')).toBe(true);
  });

  it('asks for the TOTP code, accepts it once, refuses a replay', async () => {
    const acc = await createAccount('chi.totp', 'auditor', { organizationId: 'org_a' });
    const { uri } = await h.ctx.accounts.enableTotp(acc.id, { id: 'test', role: 'admin' });
    const secret = new URL(uri).searchParams.get('secret')!;
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const noCode = await signIn('chi.totp');
    expect([noCode.status, noCode.json.code]).toEqual([401, 'TOTP_REQUIRED']);
    const badCode = await signIn('chi.totp', PASSWORD, { totp: '000000' === totpCodeAt(secret, new Date()) ? '111111' : '000000' });
    expect([badCode.status, badCode.json.code]).toEqual([401, 'LOGIN_FAILED']);
    const code = totpCodeAt(secret, new Date());
    const ok = await signIn('chi.totp', PASSWORD, { totp: code });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    const replay = await signIn('chi.totp', PASSWORD, { totp: code });
    expect([replay.status, replay.json.code]).toEqual([401, 'LOGIN_FAILED']);
    const events = JSON.stringify(await h.ctx.audit.list({ limit: 1000 }));
    expect(events).not.toContain(secret);
  });

  it('evaluates at most the limit of concurrent wrong passwords, then locks with LOGIN_LOCKED and Retry-After', async () => {
    const acc = await createAccount('dung.target', 'auditor', { organizationId: 'org_a' });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn('dung.target', `wrong guess ${i} !!`)));
    const codes = answers.map((a) => a.json.code as string);
    const failed = codes.filter((c) => c === 'LOGIN_FAILED').length;
    const locked = codes.filter((c) => c === 'LOGIN_LOCKED').length;
    expect(failed + locked).toBe(12);
    expect(failed).toBeLessThanOrEqual(3);
    expect(locked).toBeGreaterThanOrEqual(9);
    const lockedAnswer = answers.find((a) => a.json.code === 'LOGIN_LOCKED')!;
    expect(lockedAnswer.status).toBe(429);
    expect(Number(lockedAnswer.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right password is not evaluated now.
    const right = await signIn('dung.target');
    expect([right.status, right.json.code]).toEqual([429, 'LOGIN_LOCKED']);
    // Independent count from the audit log: password evaluations that failed.
    const evaluated = (await h.ctx.audit.list({ limit: 5000 })).filter(
      (e) => e.action === 'account.login' && e.target === `account:${acc.id}` && e.details?.reason === 'password',
    );
    expect(evaluated.length).toBe(failed);
    // An admin's password reset lifts the lock.
    const reset = await call(h, 'POST', `/api/v1/accounts/${acc.id}/password`, { token: h.adminToken, json: { password: PASSWORD } });
    expect(reset.status).toBe(200);
    expect((await signIn('dung.target')).status).toBe(200);
  });

  it('keeps no session from sign-ins with the old password that were in flight during a password reset', async () => {
    const acc = await createAccount('giao.reset', 'auditor', { organizationId: 'org_a' });
    const setPassword = (password: string) =>
      call(h, 'POST', `/api/v1/accounts/${acc.id}/password`, { token: h.adminToken, json: { password } });
    let started = 0;
    const alive: number[] = [];
    for (let round = 0; round < 4; round++) {
      expect((await setPassword(PASSWORD)).status).toBe(200);
      // Sign-ins a few ms apart, the reset lands while their scrypt checks of the old hash run.
      const inflight = Array.from({ length: 3 }, (_, i) => sleep(i * 15).then(() => signIn('giao.reset')));
      await sleep(30);
      expect((await setPassword('một mật khẩu mới hẳn 2027')).status).toBe(200);
      for (const a of await Promise.all(inflight)) {
        if (a.status !== 200) continue;
        started++;
        const me = await call(h, 'GET', '/api/v1/session', { headers: { cookie: cookieOf(a).pair } });
        if (me.status !== 401) alive.push(round);
      }
    }
    expect(started, 'the old password signed in while the reset ran').toBeGreaterThan(0);
    expect(alive, 'rounds that left a session of the old password alive').toEqual([]);
    expect((await signIn('giao.reset')).json.code).toBe('LOGIN_FAILED');
  });

  it('a disabled account cannot sign in and its sessions end', async () => {
    const acc = await createAccount('em.disabled', 'auditor', { organizationId: 'org_a' });
    const { pair } = cookieOf(await signIn('em.disabled'));
    const d = await call(h, 'POST', `/api/v1/accounts/${acc.id}/disable`, { token: h.adminToken });
    expect(d.status).toBe(200);
    expect(d.json.disabled).toBe(true);
    expect((await call(h, 'GET', '/api/v1/session', { headers: { cookie: pair } })).status).toBe(401);
    const again = await signIn('em.disabled');
    expect([again.status, again.json.code]).toEqual([401, 'LOGIN_FAILED']);
    const list = await call(h, 'GET', '/api/v1/accounts', { token: h.adminToken });
    expect(JSON.stringify(list.json)).not.toMatch(/scrypt|password/i);
  });

  it('four eyes compare the person: a token handed to the account cannot approve what its session requested', async () => {
    const acc = await createAccount('giang.four.eyes');
    const r = await signIn('giang.four.eyes');
    const { pair } = cookieOf(r);
    const req = await call(h, 'POST', '/api/v1/cas/tsa/revocation-requests', {
      json: { reason: 'cessationOfOperation' },
      headers: { cookie: pair, 'x-csrf-token': r.json.csrfToken },
    });
    expect(req.status, JSON.stringify(req.json)).toBeLessThan(300);
    const requestId = (req.json.id ?? req.json.request?.id) as string;
    expect(requestId).toBeTruthy();
    const { token: linked } = await h.ctx.tokens.create({ role: 'admin', accountId: acc.id }, { id: 'test', role: 'admin' });
    const self = await call(h, 'POST', `/api/v1/ca-revocation-requests/${requestId}/approve`, { token: linked });
    expect([self.status, self.json.code]).toEqual([403, 'APPROVER_NOT_ALLOWED']);
    // Another person (the bootstrap admin token, linked to no account) may decide it.
    const other = await call(h, 'POST', `/api/v1/ca-revocation-requests/${requestId}/reject`, {
      token: h.adminToken,
      json: { note: 'test' },
    });
    expect(other.status, JSON.stringify(other.json)).toBe(200);
  });

  it('serves the sign-in page in Vietnamese with a strict CSP', async () => {
    const r = await call(h, 'GET', '/login');
    expect(r.status).toBe(200);
    expect(r.body.toString('utf8')).toContain('Đăng nhập');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('behind https (public URL https)', () => {
  let hs: Harness;
  beforeAll(async () => {
    hs = await startHarness({ KYSO_PUBLIC_URL: 'https://kyso.example.gov.vn' });
  }, 120_000);
  afterAll(async () => hs?.close());

  it('names the cookie __Host-kyso_session with Secure, Path=/ and no Domain, and accepts it back', async () => {
    await hs.ctx.accounts.create(
      { username: 'https.user', displayName: 'Hà', role: 'auditor', organizationId: 'org_a', password: PASSWORD },
      { id: 'test', role: 'admin' },
    );
    const r = await call(hs, 'POST', '/api/v1/session', {
      json: { username: 'https.user', password: PASSWORD },
      headers: { origin: 'https://kyso.example.gov.vn' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const raw = r.headers.getSetCookie().find((c) => c.startsWith('__Host-kyso_session='))!;
    const attrs = raw.split(';').map((s) => s.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']));
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    const pair = raw.split(';')[0]!;
    expect((await call(hs, 'GET', '/api/v1/session', { headers: { cookie: pair } })).status).toBe(200);
    // The development name is not accepted here.
    const plain = `kyso_session=${pair.split('=')[1]}`;
    expect((await call(hs, 'GET', '/api/v1/session', { headers: { cookie: plain } })).status).toBe(401);
  });
});
