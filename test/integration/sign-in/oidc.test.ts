import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { startTestProvider, type TestProvider } from './oidc-test-provider.js';

/**
 * OpenID Connect sign-in end to end against a real provider (oidc-provider) on 127.0.0.1:
 * authorization code + PKCE, state and nonce, claims mapped to role and scope, the account
 * linked by issuer and subject, and the refusals (wrong state, wrong nonce, unmapped role).
 * The "browser" here follows redirects by hand with one cookie jar per origin.
 */
let op: TestProvider;
let h: Harness;

const USERS = [
  {
    sub: 'cb-0001',
    claims: { name: 'Trần Thị Hoa', kyso_role: 'chung-thuc', kyso_org: 'org_qn', kyso_authority: 'auth_hg', kyso_official: 'off_hoa' },
  },
  { sub: 'cb-0002', claims: { name: 'Lê Văn Nam', kyso_role: ['nhan-vien', 'ky-so'], kyso_org: 'org_qn', kyso_official: 'off_nam' } },
  { sub: 'cb-0003', claims: { name: 'Phạm Quản Trị', kyso_role: 'admin' } },
];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

class Browser {
  readonly jars = new Map<string, Map<string, string>>();
  cookieHeader(url: URL): string {
    return [...(this.jars.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  store(url: URL, res: Response): void {
    const jar = this.jars.get(url.host) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.jars.set(url.host, jar);
  }
  /** Follows redirects (at most 20) until a non-redirect answer or `stopAt` matches the next URL. */
  async go(start: string, o: { rewrite?: (u: URL) => URL; stopAt?: (u: URL) => boolean } = {}): Promise<{ url: URL; res: Response }> {
    let url = new URL(start);
    for (let i = 0; i < 20; i++) {
      if (o.rewrite) url = o.rewrite(url);
      const cookie = this.cookieHeader(url);
      const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      this.store(url, res);
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return { url, res };
      await res.arrayBuffer();
      url = new URL(loc, url);
      if (o.stopAt?.(url)) return { url, res };
    }
    throw new Error('too many redirects');
  }
}

async function sessionOf(b: Browser) {
  const url = new URL('/api/v1/session', h.url);
  const r = await fetch(url, { headers: { cookie: b.cookieHeader(url) } });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}

beforeAll(async () => {
  op = await startTestProvider();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  op.configure({
    clientId: 'kyso-test',
    clientSecret: 'kyso-test-secret-0123456789',
    redirectUri: `${base}/auth/oidc/callback`,
    users: USERS,
  });
  h = await startHarness({
    PORT: String(port),
    KYSO_PUBLIC_URL: base,
    KYSO_OIDC_ISSUER: op.issuer,
    KYSO_OIDC_CLIENT_ID: 'kyso-test',
    KYSO_OIDC_CLIENT_SECRET: 'kyso-test-secret-0123456789',
    KYSO_OIDC_INSECURE_LOOPBACK: 'on',
    KYSO_OIDC_ROLES: 'chung-thuc=certifier,ky-so=signer,auditor',
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await op?.close();
});

describe('OpenID Connect sign-in', () => {
  it('signs in through the provider, lands on returnTo with a session, maps the claims, and links one account', async () => {
    op.nextUser = 'cb-0001';
    const b = new Browser();
    const first = await b.go(`${h.url}/auth/oidc/login?returnTo=/workstation`);
    expect(first.url.pathname).toBe('/workstation');
    expect(first.res.status).toBe(200);
    const s = await sessionOf(b);
    expect(s.status).toBe(200);
    expect(s.json.principal).toMatchObject({
      role: 'certifier',
      organizationId: 'org_qn',
      authorityId: 'auth_hg',
      officialId: 'off_hoa',
      displayName: 'Trần Thị Hoa',
    });
    expect(s.json.principal.id).toMatch(/^account:acc_/);
    // The authorization request carried PKCE S256, state and nonce.
    const b2 = new Browser();
    const begin = await b2.go(`${h.url}/auth/oidc/login`, { stopAt: (u) => u.host !== new URL(h.url).host });
    expect(begin.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(begin.url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(begin.url.searchParams.get('state')).toBeTruthy();
    expect(begin.url.searchParams.get('nonce')).toBeTruthy();
    // A second sign-in of the same person is the same account (a stable audit actor).
    const again = new Browser();
    await again.go(`${h.url}/auth/oidc/login`);
    const s2 = await sessionOf(again);
    expect(s2.json.principal.id).toBe(s.json.principal.id);
    const events = await h.ctx.audit.list({ limit: 1000 });
    const creates = events.filter((e) => e.action === 'account.create' && e.target === s.json.principal.id);
    expect(creates).toHaveLength(1);
    expect(creates[0]!.details).toMatchObject({ source: 'oidc', issuer: op.issuer, subject: 'cb-0001' });
    expect(events.filter((e) => e.action === 'account.login' && e.outcome === 'success' && e.target === s.json.principal.id)).toHaveLength(
      2,
    );
  });

  it('maps an array role claim through the configured values (ky-so → signer)', async () => {
    op.nextUser = 'cb-0002';
    const b = new Browser();
    await b.go(`${h.url}/auth/oidc/login`);
    const s = await sessionOf(b);
    expect(s.json.principal).toMatchObject({ role: 'signer', organizationId: 'org_qn', officialId: 'off_nam', authorityId: null });
  });

  it('refuses a claim that maps to no allowed role (OIDC_FAILED, reason role), no session', async () => {
    op.nextUser = 'cb-0003';
    const b = new Browser();
    const r = await b.go(`${h.url}/auth/oidc/login`);
    expect(r.url.pathname).toBe('/login');
    expect(r.url.searchParams.get('error')).toBe('OIDC_FAILED');
    expect(r.url.searchParams.get('reason')).toBe('role');
    expect((await sessionOf(b)).status).toBe(401);
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    op.nextUser = 'cb-0001';
    const b = new Browser();
    const r = await b.go(`${h.url}/auth/oidc/login`, {
      rewrite: (u) => {
        if (u.pathname === '/auth/oidc/callback' && u.searchParams.has('state')) u.searchParams.set('state', 'forged-state-value');
        return u;
      },
    });
    expect(r.url.pathname).toBe('/login');
    expect(r.url.searchParams.get('error')).toBe('OIDC_FAILED');
    expect(r.url.searchParams.get('reason')).toBe('state');
    expect((await sessionOf(b)).status).toBe(401);
  });

  it('refuses a callback arriving in a browser that did not start the sign-in (no pending cookie)', async () => {
    op.nextUser = 'cb-0001';
    const b = new Browser();
    const atCallback = await b.go(`${h.url}/auth/oidc/login`, { stopAt: (u) => u.pathname === '/auth/oidc/callback' });
    const other = new Browser();
    const r = await other.go(atCallback.url.href);
    expect(r.url.searchParams.get('error')).toBe('OIDC_FAILED');
    expect(r.url.searchParams.get('reason')).toBe('state');
    expect((await sessionOf(other)).status).toBe(401);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    op.nextUser = 'cb-0001';
    const b = new Browser();
    const r = await b.go(`${h.url}/auth/oidc/login`, {
      rewrite: (u) => {
        if (u.host === new URL(op.issuer).host && u.searchParams.has('nonce')) u.searchParams.set('nonce', 'another-nonce-value');
        return u;
      },
    });
    expect(r.url.pathname).toBe('/login');
    expect(r.url.searchParams.get('error')).toBe('OIDC_FAILED');
    expect(r.url.searchParams.get('reason')).toBe('nonce');
    expect((await sessionOf(b)).status).toBe(401);
    const failures = (await h.ctx.audit.list({ limit: 1000 })).filter((e) => e.action === 'account.login' && e.outcome === 'failure');
    expect(failures.map((e) => e.details?.reason)).toEqual(expect.arrayContaining(['role', 'state', 'nonce']));
  });
});
