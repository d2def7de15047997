import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../integration/http/harness.js';
import { ARTIFACTS, launchChromium } from './web-harness.js';

/**
 * The auditors' page in Chromium against the real app: an auditor's token, a search by action
 * group and by actor, paging with the server's next link, the integrity check, and a refusal
 * for a token of the wrong role shown as the problem document.
 */
let h: Harness;
let browser: Browser;
let page: Page;
let auditor = '';
let signerToken = '';
let orgId = '';

beforeAll(async () => {
  h = await startHarness();
  const org = await call(h, 'POST', '/api/v1/organizations', {
    token: h.adminToken,
    json: { subject: { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', uids: ['MST:5700100993'] } },
  });
  expect(org.status, JSON.stringify(org.json)).toBe(201);
  orgId = org.json.id;
  const a = await call(h, 'POST', '/api/v1/tokens', {
    token: h.adminToken,
    json: { role: 'auditor', organizationId: orgId, label: 'kiểm toán' },
  });
  expect(a.status, JSON.stringify(a.json)).toBe(201);
  auditor = a.json.token;
  const s = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'signer', organizationId: orgId, label: 'ký' } });
  signerToken = s.json.token;
  // 60 more token.create events: more than one page of 50
  for (let i = 0; i < 60; i++) {
    const r = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'admin', label: `batch ${i}` } });
    expect(r.status).toBe(201);
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
}, 120_000);

const rowCount = () => page.locator('#rows tr').count();

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the audit page', () => {
  it('ok/an auditor searches an action group, pages to the end, and checks the chain', async () => {
    await page.goto(`${h.url}/audit`);
    await page.fill('#token', auditor);
    await page.click('#token-save');
    await page.fill('#action', 'token.');
    await page.selectOption('#order', 'asc');
    await page.click('#search');
    await expect.poll(rowCount).toBe(50);
    expect(await page.isVisible('#next-page')).toBe(true);
    await page.click('#next-page');
    await expect.poll(rowCount).toBeGreaterThanOrEqual(62);
    await expect.poll(() => page.textContent('#results-count')).not.toMatch(/Đang/);
    const shown = await page.$$eval('#rows tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    const expected = (await h.ctx.audit.list({ actionPrefix: 'token.', limit: 1000 })).map((r) => r.action);
    expect(shown).toEqual(expected);
    // seq ascending, no duplicate across the page boundary
    const seqs = (await page.$$eval('#rows tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)))) as number[];
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await page.isVisible('#next-page')).toBe(false);

    await page.click('#verify-chain');
    await page.waitForSelector('#chain-state.chain-ok');
    expect(await page.textContent('#chain-state')).toMatch(/^Nhật ký nguyên vẹn: \d+ bản ghi/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'audit-page.png'), fullPage: false });
  });

  it('ok/a search by actor over a period in Vietnam time, newest first', async () => {
    const actor = (await h.ctx.audit.list({ action: 'token.create', limit: 1 }))[0]!.actor;
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    await page.fill('#action', '');
    await page.fill('#actor', actor);
    await page.fill('#since', today);
    await page.fill('#until', today);
    await page.selectOption('#order', 'desc');
    await page.click('#search');
    await expect.poll(rowCount).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('#results-count')).not.toMatch(/Đang/);
    const actors = await page.$$eval('#rows tr td:nth-child(3) code', (cs) => cs.map((c) => c.textContent));
    expect(new Set(actors)).toEqual(new Set([actor]));
    const seqs = (await page.$$eval('#rows tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)))) as number[];
    expect([...seqs].sort((x, y) => y - x)).toEqual(seqs);
  });

  it('fail/a signer token is refused: the page shows the problem with its code, no rows', async () => {
    await page.goto(`${h.url}/audit?lang=en`);
    await page.fill('#token', signerToken);
    await page.click('#token-save');
    await page.click('#search');
    await page.waitForSelector('#problem .problem');
    expect(await page.textContent('#problem .problem-code')).toBe('FORBIDDEN');
    expect(await page.$$eval('#rows tr', (r) => r.length)).toBe(0);
    expect(await page.textContent('h1')).toBe('Audit log');
  });
});
