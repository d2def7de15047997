import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { issueSigner } from '../fixtures/pki-fixture.js';
import { softHsmToken, type SoftHsmToken } from '../fixtures/softhsm-token.js';
import { PAIR_QUESTION, startAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { CredentialService } from '../../src/signing/index.js';
import { ARTIFACTS, launchChromium, startWebHarness, type WebHarness } from './web-harness.js';

/**
 * The officials' workstation in Debian's Chromium against the real app (web-harness.ts): the
 * official's own credentials listed, the PDF rendered by pdf.js and the stamp placed by a click,
 * server-held credential + PIN, a SoftHSM2 "USB token" through the built `kyso agent`, a batch of
 * five with progress and one ZIP; every output checked by pdfsig and `kyso verify`; a page of
 * another origin cannot use the agent.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'quyet-dinh.pdf'));
// Screenshots go with the other test artifacts (never into the repository); docs/images holds the
// reviewed copies.
const IMAGES = join(ARTIFACTS, 'workstation');
const OFFICIAL = 'Nguyễn Thị Hương Giang';
const PIN = '246810';

let web: WebHarness;
let browser: Browser;
let token: string;
let nss: string;
let trustPem: string;
let work: string;
let usb: SoftHsmToken;
let agent: AgentProcess;
let credentialId: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(IMAGES, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'kyso-ws-'));
  web = await startWebHarness();
  trustPem = join(work, 'root.pem');
  writeFileSync(trustPem, web.ca.certPem);
  nss = join(work, 'nss');
  mkdirSync(nss);
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password'], { stdio: 'ignore' });
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'root', '-t', 'CT,C,C', '-i', trustPem], { stdio: 'ignore' });

  // The official's server-held credential (key in the app's key store, PIN set) and their own token.
  const ctx = web.app.ctx;
  const official = issueSigner(web.ca, { cn: OFFICIAL, crlUrl: web.crlUrl });
  const key = await ctx.keys.importPkcs8(official.key.export({ type: 'pkcs8', format: 'der' }), 'e2e official');
  const credentials = new CredentialService({
    keyStore: ctx.keys,
    credentials: ctx.store.credentials,
    authorizations: ctx.store.signingAuthorizations,
    audit: ctx.audit,
    clock: ctx.clock,
    pinVerifierKey: () => ctx.pinVerifierKey(),
  });
  ({ id: credentialId } = await credentials.register({ ownerId: 'can-bo-giang', keyUri: key.uri, certificates: official.chain, pin: PIN }));
  ({ token } = await ctx.tokens.create({ role: 'signer', organizationId: 'ubnd-xa-ha-long', officialId: 'can-bo-giang', label: 'e2e' }));

  // The same official's USB token: a SoftHSM2 token with another key and certificate of the test CA.
  const onToken = issueSigner(web.ca, { cn: 'Trần Văn Bình', crlUrl: web.crlUrl });
  usb = softHsmToken({ key: onToken.key, chain: onToken.chain });
  agent = await startAgent({ env: usb.env });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  usb?.close();
  await web?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function newPage(query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${web.url}/workstation${query}`);
  await page.fill('#token', token);
  await page.click('#token-save');
  await page.waitForSelector('#credential option[value^="cred"], #credential option:not([value=""])', { state: 'attached' });
  return page;
}
const problemsOf = (p: Page): string[] => (p as Page & { problems?: string[] }).problems ?? [];
/** The audit events of one action on the official's credential, oldest first. */
const events = async (action: string) =>
  (await web.app.ctx.audit.list({ action, limit: 10_000, order: 'asc' })).filter((e) => e.target === credentialId);

/** The id of the authorization the page opens next, read from the server's answer to it. */
function nextAuthorization(page: Page): Promise<string> {
  return page
    .waitForResponse((r) => r.request().method() === 'POST' && /\/authorizations$/.test(r.url()) && r.ok())
    .then(async (r) => ((await r.json()) as { authorizationId: string }).authorizationId);
}

/**
 * Every unit of the page's latest authorization (opened for `documents` documents, with the id
 * `authorizationId`) was used by the batch's files, so the page left it as it was (no
 * revocation), and the server refuses to sign anything more with it.
 */
async function expectSpent(authorizationId: string, documents: number): Promise<void> {
  const opened = (await events('signing.batch.authorize')).at(-1)!;
  expect(opened.details).toMatchObject({ documents });
  const ref = (opened.details as { authorization: string }).authorization;
  expect((await events('signing.batch.revoke')).map((e) => (e.details as { authorization?: string }).authorization)).not.toContain(ref);
  const a = (await web.app.ctx.store.signingAuthorizations.get(authorizationId))!;
  expect([a.usedDocuments, a.maxDocuments, a.revokedAt]).toEqual([documents, documents, null]);
  const form = new FormData();
  form.append('options', JSON.stringify({ signer: { kind: 'credential', authorizationId } }));
  form.append('pdf', new Blob([EXAMPLE], { type: 'application/pdf' }), 'more.pdf');
  const r = await fetch(`${web.url}/api/v1/sign/batch`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
}

async function choose(page: Page, files: Array<{ name: string; buffer: Buffer }>): Promise<void> {
  await page.setInputFiles(
    '#pdfs',
    files.map((f) => ({ ...f, mimeType: 'application/pdf' })),
  );
  await page.waitForSelector('#page-view:not([hidden])');
  await page.waitForSelector('#stamp-box[data-preview="ready"]', { timeout: 30_000 });
}

/**
 * pdfsig (poppler + NSS trusting only the test root) and `kyso verify` (exit 0 = TOTAL_PASSED) on
 * one output. Run asynchronously: the fixture CA's CRL is served from this process.
 */
async function checkSigned(pdf: Buffer, name: string): Promise<void> {
  const file = join(work, name);
  writeFileSync(file, pdf);
  const sig = await run('pdfsig', ['-nssdir', `sql:${nss}`, file]);
  expect(sig.out, sig.out).toMatch(/Signature Validation: Signature is Valid\./);
  const v = await run(process.execPath, [
    join(ROOT, 'bin', 'kyso.js'),
    'verify',
    file,
    '--trust',
    trustPem,
    '--data',
    join(work, 'verify-data'),
  ]);
  expect(v.code, v.out).toBe(0);
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Text inside the rectangle (user space, A4 page with its boxes at the origin), by pdftotext. */
function textIn(file: string, r: number[]): string {
  const [x1, y1, x2, y2] = r.map(Math.round) as [number, number, number, number];
  return execFileSync(
    'pdftotext',
    ['-f', '1', '-l', '1', '-r', '72', '-x', String(x1), '-y', String(842 - y2), '-W', String(x2 - x1), '-H', String(y2 - y1), file, '-'],
    { encoding: 'utf8' },
  );
}

/** The /Rect of the signature widget on page 1, read by qpdf. */
function signatureRect(pdf: Buffer): number[] {
  const file = join(work, 'rect.pdf');
  writeFileSync(file, pdf);
  const j = JSON.parse(execFileSync('qpdf', ['--json=2', '--json-key=qpdf', file], { encoding: 'utf8', maxBuffer: 1 << 26 })) as {
    qpdf: [unknown, Record<string, { value?: Record<string, unknown> }>];
  };
  const sigs = Object.values(j.qpdf[1]).filter((o) => o.value && o.value['/FT'] === '/Sig' && Array.isArray(o.value['/Rect']));
  const rect = sigs.map((o) => o.value!['/Rect'] as number[]).find((r) => r[2]! - r[0]! > 0);
  expect(rect).toBeDefined();
  return rect!;
}

describe('officials workstation (/workstation)', () => {
  it('lists the official’s own credential, places the stamp where page 1 was clicked, signs with the PIN', async () => {
    const page = await newPage();
    expect(await page.textContent('#credential')).toContain(OFFICIAL);
    await choose(page, [{ name: 'quyet-dinh.pdf', buffer: EXAMPLE }]);
    // Click in the blank signature area under "PHÓ CHỦ TỊCH": the stamp's top-left goes there.
    const scale = Number(await page.getAttribute('#page-view', 'data-scale'));
    const [cx, cy] = [Math.round(300 * scale), Math.round(590 * scale)];
    await page.locator('#page-canvas').click({ position: { x: cx, y: cy } });
    await page.fill('#signer-title', 'Chủ tịch');
    await page.waitForSelector('#stamp-box[data-preview="ready"]');
    await page.screenshot({ path: join(IMAGES, 'workstation-stamp.png'), fullPage: true });

    // A wrong PIN stops the batch at the authorization: one attempt counted, no file sent.
    const signed = async () =>
      (await web.app.ctx.audit.list({ limit: 10_000 })).filter((e) => ['signing.sign', 'signing.batch'].includes(e.action)).length;
    const signedBefore = await signed();
    await page.fill('#pin', '000000');
    await page.click('#sign-button');
    await page.waitForSelector('.problem');
    expect(await page.textContent('.problem-code')).toBe('PIN_INVALID');
    // said in Vietnamese, with the attempts left (not the server's "Unprocessable Content")
    expect(await page.textContent('.problem-title')).toMatch(/^Mã PIN không đúng.* Còn 4 lần thử\.$/);
    await page.locator('#error').screenshot({ path: join(IMAGES, 'workstation-wrong-pin.png') });
    expect(await page.getAttribute('.file-row', 'data-state')).toBeNull();
    expect((await web.app.ctx.store.credentials.get(credentialId))?.failedAttempts).toBe(1);
    expect(await signed()).toBe(signedBefore);

    await page.fill('#pin', PIN);
    await page.click('#sign-button');
    await page.waitForSelector('#done:not([hidden])', { timeout: 60_000 });
    expect(await page.inputValue('#pin')).toBe('');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    expect(download.suggestedFilename()).toBe('quyet-dinh-da-ky.pdf');
    const out = readFileSync((await download.path())!);
    expect(out.subarray(0, EXAMPLE.length).equals(EXAMPLE)).toBe(true);
    expect(problemsOf(page)).toEqual([]);
    await page.close();

    // A4 page, crop box at the origin: x = cx / scale, top edge = 842 − cy / scale (canvas y grows downwards).
    const [x1, y1, x2, y2] = signatureRect(out);
    expect(Math.abs(x1! - cx / scale)).toBeLessThanOrEqual(2);
    expect(Math.abs(y2! - (842 - cy / scale))).toBeLessThanOrEqual(2);
    expect(x2! - x1!).toBe(220);
    expect(y2! - y1!).toBe(90);
    const text = textIn(join(work, 'rect.pdf'), [x1!, y1!, x2!, y2!]);
    expect(text).toContain(OFFICIAL);
    expect(text.toUpperCase()).toContain('CHỦ TỊCH');
    await checkSigned(out, 'credential.pdf');
  });

  it('on a page with /Rotate 90 the click still maps to the user-space point under it and the stamp reads upright', async () => {
    const src = join(work, 'src.pdf');
    const rotated = join(work, 'rotated.pdf');
    writeFileSync(src, EXAMPLE);
    execFileSync('qpdf', ['--rotate=+90:1', src, rotated]);
    const page = await newPage();
    await choose(page, [{ name: 'xoay.pdf', buffer: readFileSync(rotated) }]);
    const scale = Number(await page.getAttribute('#page-view', 'data-scale'));
    const [cx, cy] = [Math.round(100 * scale), Math.round(200 * scale)];
    await page.locator('#page-canvas').click({ position: { x: cx, y: cy } });
    await page.fill('#pin', PIN);
    await page.click('#sign-button');
    await page.waitForSelector('#done:not([hidden])', { timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    const out = readFileSync((await download.path())!);
    await page.close();
    // Rotated 90° clockwise for display: screen right = user +y, screen down = user +x, origin at the
    // top-left; the stamp's on-screen top-left corner is its user-space lower-left corner, and the
    // upright 220 × 90 stamp occupies 90 × 220 in user space (drawn rotated to read upright).
    const [x1, y1, x2, y2] = signatureRect(out);
    expect(Math.abs(x1! - cy / scale)).toBeLessThanOrEqual(2);
    expect(Math.abs(y1! - cx / scale)).toBeLessThanOrEqual(2);
    expect([x2! - x1!, y2! - y1!]).toEqual([90, 220]);
    // Rendered as a viewer shows the page, the stamp's name reads upright (pdftotext follows /Rotate).
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', join(work, 'rect.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Nguyễn Thị Hương Giang');
    await checkSigned(out, 'rotated-signed.pdf');
  });

  it('says every state in Vietnamese, and in English with ?lang=en', async () => {
    const vi = await newPage();
    await vi.click('#sign-button');
    await expect.poll(() => vi.textContent('.problem-detail')).toBe('Hãy chọn ít nhất một tệp PDF cần ký (bước 1).');
    await vi.close();
    const en = await newPage('?lang=en');
    await expect.poll(() => en.textContent('h1')).toBe('Sign documents');
    await expect.poll(() => en.textContent('#who')).toBe('Using this tab’s API access token.');
    await choose(en, [{ name: 'quyet-dinh.pdf', buffer: EXAMPLE }]);
    await expect.poll(() => en.textContent('#stamp-where')).toMatch(/^Signature on page 1, \d+ mm from the left edge/);
    await en.click('#sign-button');
    await expect.poll(() => en.textContent('.problem-detail')).toBe('Choose a certificate and type its PIN (step 3).');
    await en.check('input[name=method][value=agent]');
    await en.waitForSelector('#agent-state:has-text("kyso agent")');
    expect(problemsOf(en)).toEqual([]);
    await en.close();
  });

  it('redraws the page and the stamp preview as fast as the official clicks: drawings on a canvas never overlap', async () => {
    const page = await newPage();
    await choose(page, [{ name: 'quyet-dinh.pdf', buffer: EXAMPLE }]);
    // Clicks without waiting: each moves the stamp and starts a preview drawing on the same canvas
    // while the previous one may still run (pdf.js refuses overlapping renders on one canvas).
    const canvas = page.locator('#page-canvas');
    // Each click lies above and left of the stamp the previous one placed, so no click lands on it.
    const points = [0, 1, 2, 3, 4, 5].map((i) => ({ x: 500 - 80 * i, y: 950 - 150 * i }));
    await Promise.all(points.map((position) => canvas.click({ position })));
    await expect.poll(() => page.textContent('#stamp-where')).toMatch(/^Chữ ký đặt ở trang 1,/);
    expect(await page.textContent('#stamp-where')).not.toMatch(/Không xem trước/);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('signs a batch of five with a progress bar per file reaching 100% and hands them over as one ZIP', async () => {
    const page = await newPage();
    const files = [1, 2, 3, 4, 5].map((n) => ({ name: `ket-qua-${n}.pdf`, buffer: EXAMPLE }));
    await choose(page, files);
    expect(await page.textContent('#sign-button')).toBe('Ký 5 văn bản');
    await page.fill('#pin', PIN);
    const authorization = nextAuthorization(page);
    await page.click('#sign-button');
    await page.waitForSelector('#done:not([hidden])', { timeout: 120_000 });
    const values = await page.$$eval('.file-progress', (bars) => bars.map((b) => (b as unknown as { value: number }).value));
    expect(values).toEqual([100, 100, 100, 100, 100]);
    // One PIN check for the five: one authorization for exactly five documents, spent by them.
    await expectSpent(await authorization, 5);
    expect(JSON.stringify(await web.app.ctx.audit.list({ limit: 10_000 }))).not.toContain(PIN);
    expect(await page.$$eval('.file-row', (rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual(Array(5).fill('ws.fileDone'));
    await page.screenshot({ path: join(IMAGES, 'workstation-batch.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    expect(download.suggestedFilename()).toBe('van-ban-da-ky.zip');
    const dir = join(work, 'zip');
    mkdirSync(dir);
    execFileSync('unzip', ['-q', (await download.path())!, '-d', dir]);
    const names = readdirSync(dir).sort();
    expect(names).toEqual(files.map((f) => f.name.replace('.pdf', '-da-ky.pdf')));
    for (const n of names) await checkSigned(readFileSync(join(dir, n)), `batch-${n}`);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('a damaged file in a batch fails alone with its own code; the others are signed under the same authorization', async () => {
    const page = await newPage();
    const files = [
      { name: 'dung-1.pdf', buffer: EXAMPLE },
      { name: 'hong.pdf', buffer: Buffer.from('%PDF-1.7 not really a PDF') },
      { name: 'dung-2.pdf', buffer: EXAMPLE },
    ];
    await choose(page, files);
    await page.fill('#pin', PIN);
    await page.click('#sign-button');
    await page.waitForSelector('#done:not([hidden])', { timeout: 120_000 });
    expect(await page.$$eval('.file-row', (rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual([
      'ws.fileDone',
      'ws.fileFailed',
      'ws.fileDone',
    ]);
    expect(await page.textContent('.problem-code')).toMatch(/^[A-Z_]+$/);
    const opened = (await events('signing.batch.authorize')).at(-1)!;
    expect(opened.details).toMatchObject({ documents: 3 });
    const ref = (opened.details as { authorization: string }).authorization;
    expect((await events('signing.batch.revoke')).map((e) => (e.details as { authorization?: string }).authorization)).toContain(ref);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('signs thirty files with two POST /api/v1/sign/batch in flight under one authorization; a wrong PIN first stops it with nothing sent', async () => {
    const page = await newPage();
    const files = Array.from({ length: 30 }, (_, i) => ({ name: `phieu-${i + 1}.pdf`, buffer: EXAMPLE }));
    await choose(page, files);
    // Counts the page's batch requests and how many were open at once (each passed on unchanged).
    let requests = 0;
    let active = 0;
    let most = 0;
    await page.route('**/api/v1/sign/batch', async (route) => {
      requests++;
      most = Math.max(most, ++active);
      try {
        await route.fulfill({ response: await route.fetch() });
      } finally {
        active--;
      }
    });
    const batches = async () => (await web.app.ctx.audit.list({ action: 'signing.batch', limit: 10_000 })).length;
    const before = await batches();
    await page.fill('#pin', '000000');
    await page.click('#sign-button');
    await page.waitForSelector('.problem');
    expect(await page.textContent('.problem-code')).toBe('PIN_INVALID');
    expect(requests).toBe(0);
    expect(await batches()).toBe(before);
    expect(await page.$$eval('.file-row', (rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual(Array(30).fill(null));

    await page.fill('#pin', PIN);
    const authorization = nextAuthorization(page);
    await page.click('#sign-button');
    await page.waitForSelector('#done:not([hidden])', { timeout: 120_000 });
    // 25 files in the first request, the other five in the second: both in flight at once.
    expect([requests, most]).toEqual([2, 2]);
    expect(await page.$$eval('.file-progress', (bars) => bars.map((b) => (b as unknown as { value: number }).value))).toEqual(
      Array(30).fill(100),
    );
    expect(await page.$$eval('.file-row', (rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual(Array(30).fill('ws.fileDone'));
    await expectSpent(await authorization, 30);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    const dir = join(work, 'zip-30');
    mkdirSync(dir);
    execFileSync('unzip', ['-q', (await download.path())!, '-d', dir]);
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(30);
    await checkSigned(readFileSync(join(dir, names[0]!)), 'thirty-first.pdf');
    await checkSigned(readFileSync(join(dir, names[29]!)), 'thirty-last.pdf');
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('signs a batch of seven with the SoftHSM2 USB token through kyso agent after pairing: one confirmation listing them, one PIN, two groups through the pipeline', async () => {
    const page = await newPage(`?agent-port=${agent.port}`);
    const files = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ name: `to-trinh-${n}.pdf`, buffer: EXAMPLE }));
    await choose(page, files);
    await page.check('input[name=method][value=agent]');
    await page.waitForSelector('#pairing:not([hidden])');
    let at = agent.output().length;
    await page.click('#agent-pair');
    const code = (await page.textContent('#pair-code .pair-digits')) ?? '';
    expect(code).toMatch(/^\d{6}$/);
    at = await agent.waitFor(PAIR_QUESTION, at);
    expect(agent.output()).toContain(web.url);
    // the official types the code the page shows; the agent does not show it
    expect(agent.output()).not.toContain(code);
    await page.locator('#agent-options').screenshot({ path: join(IMAGES, 'workstation-agent-pairing.png') });
    agent.answer(code);
    await page.waitForSelector('#agent-ready:not([hidden])');
    expect(await page.textContent('#agent-cert')).toContain('Trần Văn Bình');
    const before = async (action: string) => (await web.app.ctx.audit.list({ action, limit: 10_000 })).length;
    const prepares = await before('signing.prepare.batch');
    const completes = await before('signing.complete.batch');
    await page.fill('#agent-pin', usb.pin);
    await page.click('#sign-button');
    const asked = await agent.waitFor(/Sign all\? \[/, at);
    // One prompt for the whole selection, declared before the token signs anything: the count and
    // every name (seven are under the listing's bound).
    const prompt = agent.output().slice(at, asked);
    expect(prompt).toContain('documents: 7');
    for (const f of files) expect(prompt).toContain(f.name);
    // While the official decides, the first group (five) waits at the agent's step and the second is
    // prepared meanwhile: every bar ends up waiting there, none signed.
    const bars = () => page.$$eval('.file-progress', (b) => b.map((x) => (x as unknown as { value: number }).value));
    await expect.poll(bars).toEqual(Array(7).fill(40));
    agent.answer('y');
    await page.waitForSelector('#done:not([hidden])', { timeout: 120_000 });
    expect(await bars()).toEqual(Array(7).fill(100));
    expect(await page.$$eval('.file-row', (rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual(Array(7).fill('ws.fileDone'));
    // One declared batch, one login, ended by the agent itself once the seven were signed.
    expect(agent.output().slice(at)).toMatch(/batch opened: 7 documents/);
    await agent.waitFor(/batch ended \(every document signed\): 7 of 7 signed/, at);
    // Asked once: no second confirmation and no PIN prompt in the agent.
    expect(
      agent
        .output()
        .slice(at)
        .match(/Sign( all)?\? \[/g),
    ).toHaveLength(1);
    expect(agent.output().slice(at)).not.toContain('token PIN');
    // Groups of five: two prepare and two complete requests.
    expect(await before('signing.prepare.batch')).toBe(prepares + 2);
    expect(await before('signing.complete.batch')).toBe(completes + 2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    expect(download.suggestedFilename()).toBe('van-ban-da-ky.zip');
    const dir = join(work, 'usb-zip');
    mkdirSync(dir);
    execFileSync('unzip', ['-q', (await download.path())!, '-d', dir]);
    const names = readdirSync(dir).sort();
    expect(names).toEqual(files.map((f) => f.name.replace('.pdf', '-da-ky.pdf')));
    expect(agent.output()).not.toContain(usb.pin);
    expect(JSON.stringify(await web.app.ctx.audit.list({ limit: 10_000 }))).not.toContain(usb.pin);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
    for (const n of names) await checkSigned(readFileSync(join(dir, n)), `usb-${n}`);
    const first = readFileSync(join(dir, names[0]!));
    writeFileSync(join(work, 'usb.pdf'), first);
    expect(textIn(join(work, 'usb.pdf'), signatureRect(first))).toContain('Trần Văn Bình');
  });

  it('a page of another origin cannot use the agent: pairing refused, signing and listing blocked by CORS', async () => {
    const other: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>x</title>'),
    );
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const page = await browser.newPage();
    await page.goto(otherUrl);
    const base = agent.url;
    const at = agent.output().length;
    const pairing = page.evaluate(async (b) => {
      const r = await fetch(`${b}/v1/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"111222"}' });
      return { status: r.status, body: (await r.json()) as { code?: string } };
    }, base);
    await agent.waitFor(PAIR_QUESTION, at);
    expect(agent.output().slice(at)).toContain(otherUrl);
    agent.answer('n');
    expect(await pairing).toEqual({ status: 403, body: expect.objectContaining({ code: 'AGENT_REFUSED' }) as unknown });
    const blocked = await page.evaluate(async (b) => {
      const out: string[] = [];
      for (const [path, init] of [
        ['/v1/certificates', {}],
        ['/v1/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
        ['/v1/sign/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
        ['/v1/sign/batches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
        [`/v1/sign/batches/${'A'.repeat(43)}`, { method: 'DELETE' }],
      ] as const) {
        try {
          await fetch(`${b}${path}`, init as RequestInit);
          out.push(`${path}: answered`);
        } catch (e) {
          out.push(`${path}: ${(e as Error).name}`);
        }
      }
      return out;
    }, base);
    expect(blocked).toEqual([
      '/v1/certificates: TypeError',
      '/v1/sign: TypeError',
      '/v1/sign/batch: TypeError',
      '/v1/sign/batches: TypeError',
      `/v1/sign/batches/${'A'.repeat(43)}: TypeError`,
    ]);
    expect(agent.output().slice(at)).not.toMatch(/Sign( all)?\? \[/);
    await page.close();
    await new Promise<void>((r) => other.close(() => r()));
  });
});
