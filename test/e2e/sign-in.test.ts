import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../integration/http/harness.js';
import { startTestProvider, type TestProvider } from '../integration/sign-in/oidc-test-provider.js';
import { launchChromium } from './web-harness.js';

/**
 * A person signs in with Chromium (Debian's, playwright-core): with a local account on the
 * sign-in page, and through the test OpenID provider on 127.0.0.1; both land on /workstation,
 * which shows their name from GET /api/v1/session. Sign-out ends the session.
 */
let op: TestProvider;
let h: Harness;
let browser: Browser;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  op = await startTestProvider();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  op.configure({
    clientId: 'kyso-web',
    clientSecret: 'kyso-web-secret-0123456789',
    redirectUri: `${base}/auth/oidc/callback`,
    users: [{ sub: 'cb-0101', claims: { name: 'Trần Thị Hoa', kyso_role: 'signer', kyso_org: 'org_qn', kyso_official: 'off_hoa' } }],
  });
  h = await startHarness({
    PORT: String(port),
    KYSO_PUBLIC_URL: base,
    KYSO_OIDC_ISSUER: op.issuer,
    KYSO_OIDC_CLIENT_ID: 'kyso-web',
    KYSO_OIDC_CLIENT_SECRET: 'kyso-web-secret-0123456789',
    KYSO_OIDC_INSECURE_LOOPBACK: 'on',
  });
  await h.ctx.accounts.create(
    { username: 'lan.nguyen', displayName: 'Nguyễn Thị Lan', role: 'signer', organizationId: 'org_qn', password: 'mật khẩu của Lan 2026' },
    { id: 'test', role: 'admin' },
  );
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await op?.close();
});

describe('sign-in in Chromium', () => {
  it('signs in with a local account, lands on /workstation showing the name, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/workstation`);
    await page.locator('#sign-in-link').click();
    await page.waitForURL(/\/login\?returnTo=%2Fworkstation/);
    expect(await page.locator('h1').textContent()).toBe('Đăng nhập');
    await page.fill('#username', 'lan.nguyen');
    await page.fill('#password', 'sai mật khẩu rồi');
    await page.click('#login-button');
    await expect.poll(() => page.locator('#login-error .problem-code').textContent()).toBe('LOGIN_FAILED');
    await page.fill('#password', 'mật khẩu của Lan 2026');
    await page.click('#login-button');
    await page.waitForURL(`${h.url}/workstation`);
    await expect.poll(() => page.locator('#session-name').textContent()).toBe('Đã đăng nhập: Nguyễn Thị Lan');
    const cookies = await context.cookies(h.url);
    const session = cookies.find((c) => c.name === 'kyso_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    // The page's scripts cannot read it.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('kyso_session');
    await page.click('#sign-out');
    await page.waitForURL(/\/login$/);
    const after = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    expect(after).toBe(401);
    await context.close();
  });

  it('signs in through the province identity provider and lands on /workstation showing the name (English on request)', async () => {
    op.nextUser = 'cb-0101';
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/login?lang=en&returnTo=/workstation`);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    await page.click('#oidc-link');
    await page.waitForURL(`${h.url}/workstation?lang=en`);
    await expect.poll(() => page.locator('#session-name').textContent()).toBe('Signed in: Trần Thị Hoa');
    const me = (await page.evaluate(async () => (await fetch('/api/v1/session')).json())) as { principal: Record<string, unknown> };
    expect(me.principal).toMatchObject({ role: 'signer', organizationId: 'org_qn', officialId: 'off_hoa', displayName: 'Trần Thị Hoa' });
    await context.close();
  });
});
