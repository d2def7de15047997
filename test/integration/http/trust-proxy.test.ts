import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from './harness.js';

/**
 * The client IP behind a reverse proxy (KYSO_TRUST_PROXY, docs/operations.md), seen through the
 * per-IP sign-in counter: an outsider who exhausts it must not lock out a person who reaches kyso
 * through the same proxy, and a client must not escape it by writing its own X-Forwarded-For.
 * The tests are the proxy: they talk to 127.0.0.1 and send the header a proxy would add.
 */
const PASSWORD = 'mật khẩu đủ dài 2026';
const PER_IP = 3;

function withHarness(env: Record<string, string>): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness({ KYSO_LOGIN_MAX_FAILURES_IP: String(PER_IP), ...env });
    await h.ctx.accounts.create(
      { username: 'victim.user', displayName: 'Nguyễn Thị Lan', role: 'auditor', organizationId: 'org_qn', password: PASSWORD },
      { id: 'test', role: 'admin' },
    );
  }, 120_000);
  afterAll(async () => h?.close());
  return () => h!;
}

const signIn = (h: Harness, username: string, password: string, forwardedFor: string) =>
  call(h, 'POST', '/api/v1/session', { json: { username, password }, headers: { 'x-forwarded-for': forwardedFor } });

/** The client IP kyso recorded for the sign-ins under a username (audit `account.login` details). */
async function recordedIps(h: Harness, username: string): Promise<unknown[]> {
  const events = await h.ctx.audit.list({ action: 'account.login', target: `username:${username}` });
  return events.map((e) => e.details?.ip);
}

/** PER_IP wrong sign-ins, each forwarded for `forwardedFor(i)`; all must be ordinary failures. */
async function exhaust(h: Harness, forwardedFor: (i: number) => string): Promise<void> {
  for (let i = 0; i < PER_IP; i++) {
    const r = await signIn(h, `outsider.${i}`, 'not the password', forwardedFor(i));
    expect(r.json.code, `attempt ${i}`).toBe('LOGIN_FAILED');
  }
}

describe('without KYSO_TRUST_PROXY', () => {
  const h = withHarness({});

  it('ignores X-Forwarded-For: the client IP is the address of the connection', async () => {
    await exhaust(h(), () => '203.0.113.66');
    expect(await recordedIps(h(), 'outsider.0')).toEqual(['127.0.0.1']);
    // Everyone behind the same address shares the counter, whatever the header says.
    const victim = await signIn(h(), 'victim.user', PASSWORD, '198.51.100.7');
    expect(victim.json.code).toBe('LOGIN_LOCKED');
  });
});

describe('KYSO_TRUST_PROXY=loopback (the proxy on this machine)', () => {
  const h = withHarness({ KYSO_TRUST_PROXY: 'loopback' });

  it('counts each forwarded client on its own: an outsider locked out does not lock out another client', async () => {
    await exhaust(h(), () => '203.0.113.66');
    expect(await recordedIps(h(), 'outsider.0')).toEqual(['203.0.113.66']);
    const outsider = await signIn(h(), 'victim.user', PASSWORD, '203.0.113.66');
    expect(outsider.json.code).toBe('LOGIN_LOCKED');
    const victim = await signIn(h(), 'victim.user', PASSWORD, '198.51.100.7');
    expect(victim.status, JSON.stringify(victim.json)).toBe(200);
  });

  it('takes the address the trusted proxy appended, not one the client wrote before it', async () => {
    const r = await signIn(h(), 'listed.user', 'not the password', '10.9.9.9, 192.0.2.44');
    expect(r.json.code).toBe('LOGIN_FAILED');
    expect(await recordedIps(h(), 'listed.user')).toEqual(['192.0.2.44']);
  });
});

describe('KYSO_TRUST_PROXY=1 (one proxy in front)', () => {
  const h = withHarness({ KYSO_TRUST_PROXY: '1' });

  it('a client prepending its own X-Forwarded-For entries still counts under the address the proxy appended', async () => {
    // Each attempt claims a fresh address first; the proxy appends the real one last.
    await exhaust(h(), (i) => `10.0.0.${i + 1}, 203.0.113.66`);
    expect(await recordedIps(h(), 'outsider.1')).toEqual(['203.0.113.66']);
    const spoofed = await signIn(h(), 'victim.user', PASSWORD, '10.0.0.99, 203.0.113.66');
    expect(spoofed.json.code).toBe('LOGIN_LOCKED');
    const victim = await signIn(h(), 'victim.user', PASSWORD, '198.51.100.7');
    expect(victim.status, JSON.stringify(victim.json)).toBe(200);
  });
});
