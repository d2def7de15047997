import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { issueSigner, type TestSigner } from '../fixtures/pki-fixture.js';
import { newLookupCode } from '../../src/copies/lookup-code.js';
import { WEB_CSP } from '../../src/http/web-static.js';
import { CredentialService } from '../../src/signing/index.js';
import { ARTIFACTS, launchChromium, startWebHarness, type WebHarness } from './web-harness.js';

/**
 * The public pages in Debian's Chromium against the real app (see web-harness.ts): a citizen
 * verifies a PDF signed through POST /api/v1/sign, a tampered copy of it, looks up a certified
 * copy and compares its hash locally; an official signs in two phases with a key the server
 * never sees.
 */
const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
const EXAMPLE = readFileSync(join(EXAMPLES, 'quyet-dinh.pdf'));
/** The three states' headlines (src/pdf/verify/i18n.ts state.*): INDETERMINATE is not valid, so it is red too. */
const VALID_VI = 'HỢP LỆ — văn bản không bị thay đổi sau khi ký';
const INVALID_VI = 'KHÔNG HỢP LỆ — không thể tin cậy chữ ký';
const VERDICT = { TOTAL_PASSED: VALID_VI, TOTAL_FAILED: INVALID_VI, INDETERMINATE: INVALID_VI } as const;
const SIGNER_NAME = 'Nguyễn Thị Hương Giang';

let web: WebHarness;
let browser: Browser;
let signer: TestSigner;
let signed: Buffer;

async function signViaApi(pdf: Buffer, s: TestSigner): Promise<Buffer> {
  const fd = new FormData();
  fd.append('pdf', new Blob([new Uint8Array(pdf)]), 'quyet-dinh.pdf');
  fd.append('p12', new Blob([new Uint8Array(s.p12('mật-khẩu'))]), 'signer.p12');
  fd.append(
    'options',
    JSON.stringify({ signer: { kind: 'pkcs12', password: 'mật-khẩu' }, reason: 'Phê duyệt kết quả', location: 'Hạ Long' }),
  );
  const res = await fetch(`${web.url}/api/v1/sign`, {
    method: 'POST',
    body: fd,
    headers: { authorization: `Bearer ${web.app.adminToken}` },
  });
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status, body.toString('utf8', 0, 500)).toBe(200);
  return body;
}

async function apiIndication(pdf: Buffer): Promise<string> {
  const fd = new FormData();
  fd.append('pdf', new Blob([new Uint8Array(pdf)]), 'x.pdf');
  const res = await fetch(`${web.url}/api/v1/verify`, { method: 'POST', body: fd, headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  const j = (await res.json()) as { indication: string };
  return j.indication;
}

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A CSP violation or a failed module load shows up here; the pages must produce none.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  return page;
}
const problemsOf = (p: Page): string[] => (p as Page & { problems?: string[] }).problems ?? [];

async function uploadForVerification(page: Page, pdf: Buffer, name: string): Promise<void> {
  await page.goto(`${web.url}/`);
  await page.setInputFiles('#file', { name, mimeType: 'application/pdf', buffer: pdf });
  await page.waitForSelector('#verdict', { timeout: 30_000 });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  web = await startWebHarness();
  signer = issueSigner(web.ca, { cn: SIGNER_NAME, crlUrl: web.crlUrl });
  signed = await signViaApi(EXAMPLE, signer);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('citizen verification page (/)', () => {
  it('shows the verdict for a PDF signed by our signer, with the signer name in Vietnamese', async () => {
    // Trusted root (KYSO_TRUST_DIR) and a fresh CRL at the certificate's distribution point.
    const expected = await apiIndication(signed);
    expect(expected).toBe('TOTAL_PASSED');
    const page = await newPage();
    await uploadForVerification(page, signed, 'quyet-dinh-da-ky.pdf');
    expect(await page.textContent('#verdict .verdict-title')).toBe(VERDICT[expected as keyof typeof VERDICT]);
    expect(await page.getAttribute('#verdict', 'data-indication')).toBe(expected);
    expect(await page.textContent('.signature .signer-name')).toBe(SIGNER_NAME);
    const card = (await page.textContent('.signature')) ?? '';
    expect(card).toContain('Chữ ký phê duyệt');
    expect(card).toMatch(/\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(UTC\+7\)/);
    expect(card).toContain('Toàn bộ tệp');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-signed.png'), fullPage: true });

    // The signed revision of the only signature is the whole file.
    const link = await page.$('a.signed-revision');
    expect(link).not.toBeNull();
    const [download] = await Promise.all([page.waitForEvent('download'), link!.click()]);
    expect(readFileSync((await download.path())!).equals(signed)).toBe(true);

    // The people-readable reports (POST /api/v1/verify again with Accept text/html / application/pdf).
    const [html] = await Promise.all([page.waitForEvent('download'), page.click('#report-html')]);
    expect(html.suggestedFilename()).toBe('bao-cao-kiem-tra.html');
    const htmlText = readFileSync((await html.path())!, 'utf8');
    expect(htmlText).toMatch(/<html/i);
    expect(htmlText).toContain(SIGNER_NAME);
    const [pdfReport] = await Promise.all([page.waitForEvent('download'), page.click('#report-pdf')]);
    expect(
      readFileSync((await pdfReport.path())!)
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');

    // English on request, same result.
    await page.click('#lang-toggle');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // the result's words come from the server (presentation in ?lang=en): the page asks again
    await page.waitForSelector('#verdict[data-lang="en"]', { timeout: 30_000 });
    expect(await page.textContent('#verdict .verdict-title')).toBe('VALID — the document was not changed after signing');
    expect(await page.textContent('h1')).toBe('Verify an electronic document');
    expect(await page.textContent('#status')).toBe('Check complete.');
    expect(await page.textContent('.signature')).toContain('Approval signature');
    const [htmlEn] = await Promise.all([page.waitForEvent('download'), page.click('#report-html')]);
    expect(readFileSync((await htmlEn.path())!, 'utf8')).toContain('Signature verification report');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-signed-en.png'), fullPage: true });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('says "Không hợp lệ" for a tampered copy and explains why', async () => {
    const tampered = Buffer.from(signed);
    // Byte 10 lies in the binary comment after the header: still a readable PDF, but signed bytes changed.
    tampered[10] = tampered[10]! ^ 0x01;
    expect(await apiIndication(tampered)).toBe('TOTAL_FAILED');
    const page = await newPage();
    await page.goto(`${web.url}/`);
    // Dropped on the drop zone this time (a DataTransfer built in the page, as a real drag would carry).
    const dataTransfer = await page.evaluateHandle((b64: string) => {
      const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: typeof File };
      const dt = new g.DataTransfer();
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new g.File([bytes], 'quyet-dinh-bi-sua.pdf', { type: 'application/pdf' }));
      return dt;
    }, tampered.toString('base64'));
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    await page.waitForSelector('#verdict', { timeout: 30_000 });
    expect(await page.textContent('#verdict .verdict-title')).toBe(INVALID_VI);
    expect(await page.getAttribute('#verdict', 'class')).toContain('failed');
    const card = (await page.textContent('.signature')) ?? '';
    expect(card).toContain('Nội dung văn bản đã bị thay đổi sau khi ký.');
    expect(await page.$('.signature .finding.error[data-key="DIGEST_MISMATCH"]')).not.toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'verify-tampered.png'), fullPage: true });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('renders a signer name containing markup as text, never as HTML', async () => {
    const evil = issueSigner(web.ca, { cn: 'Trần <img src=x id=injected> Bình', crlUrl: web.crlUrl });
    const pdf = await signViaApi(EXAMPLE, evil);
    const page = await newPage();
    await uploadForVerification(page, pdf, 'evil.pdf');
    expect(await page.textContent('.signature .signer-name')).toBe('Trần <img src=x id=injected> Bình');
    expect(await page.$('#injected')).toBeNull();
    await page.close();
  });

  it('shows the problem (title, detail, code) for a file that is not a PDF', async () => {
    const page = await newPage();
    await page.goto(`${web.url}/`);
    await page.setInputFiles('#file', { name: 'not.pdf', mimeType: 'application/pdf', buffer: Buffer.from('hello, this is not a PDF') });
    // The app answers 422 VERIFY_UNREADABLE (RFC 9457 problem) for bytes that are not a PDF at all.
    await page.waitForSelector('.problem', { timeout: 30_000 });
    expect(await page.textContent('.problem-code')).toBe('VERIFY_UNREADABLE');
    // the page's own Vietnamese sentence for the code, not the server's HTTP status phrase
    expect(await page.textContent('.problem-title')).toMatch(/^Không đọc được tệp/);
    expect(((await page.textContent('.problem-detail')) ?? '').trim()).not.toBe('');
    expect(await page.$('#verdict')).toBeNull();
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });
});

describe('certified copy lookup page (/verify/copy)', () => {
  it('shows LOOKUP_CODE_INVALID for a malformed code from the QR link', async () => {
    const page = await newPage();
    await page.goto(`${web.url}/verify/copy?code=ABCD-EFGH-XYU`);
    await page.waitForSelector('.problem');
    expect(await page.textContent('.problem-code')).toBe('LOOKUP_CODE_INVALID');
    expect(await page.inputValue('#code')).toBe('ABCD-EFGH-XYU');
    await page.screenshot({ path: join(ARTIFACTS, 'copy-bad-code.png'), fullPage: true });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('shows COPY_NOT_FOUND for a well-formed code that is in no register', async () => {
    const code = newLookupCode();
    const page = await newPage();
    await page.goto(`${web.url}/verify/copy?code=${code}`);
    await page.waitForSelector('.problem');
    expect(await page.textContent('.problem-code')).toBe('COPY_NOT_FOUND');
    expect(await page.inputValue('#code')).toBe(code);
    expect(await page.$('.copy-facts')).toBeNull();
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });
});

/** A copy certified by the app itself (POST /api/v1/copies), with the register facts from its headers. */
interface CertifiedCopy {
  readonly bytes: Buffer;
  readonly id: string;
  readonly code: string;
  readonly qr: URL;
  readonly year: string;
  readonly number: string;
  readonly token: string;
}

let copySetup: Promise<{ token: string; certifierCredentialId: string; sealCredentialId: string }> | undefined;

/** Once per run: the authority (commune People's Committee) with its seal credential, and a certifier with a token. */
function setUpCertification(): Promise<{ token: string; certifierCredentialId: string; sealCredentialId: string }> {
  copySetup ??= (async () => {
    const ctx = web.app.ctx;
    const auth = await fetch(`${web.url}/api/v1/authorities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${web.app.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'xa-ha-long', name: 'UBND xã Hạ Long', place: 'Hạ Long', organizationId: 'ubnd-xa-ha-long' }),
    });
    expect(auth.status, await auth.clone().text()).toBe(201);
    const credentials = new CredentialService({
      keyStore: ctx.keys,
      credentials: ctx.store.credentials,
      authorizations: ctx.store.signingAuthorizations,
      audit: ctx.audit,
      clock: ctx.clock,
      pinVerifierKey: () => ctx.pinVerifierKey(),
    });
    const certifier = issueSigner(web.ca, { cn: 'Lê Văn Tư Pháp', crlUrl: web.crlUrl });
    const seal = issueSigner(web.ca, { cn: 'UBND xã Hạ Long', o: 'UBND xã Hạ Long', crlUrl: web.crlUrl });
    const reg = async (s: TestSigner, ownerId: string) => {
      const key = await ctx.keys.importPkcs8(s.key.export({ type: 'pkcs8', format: 'der' }), `e2e ${ownerId}`);
      return credentials.register({ ownerId, keyUri: key.uri, certificates: s.chain, pin: '135790' });
    };
    const certifierCredentialId = (await reg(certifier, 'can-bo-tu-phap')).id;
    const sealCredentialId = (await reg(seal, 'ubnd-xa-ha-long')).id;
    const { token } = await ctx.tokens.create({
      role: 'certifier',
      organizationId: 'ubnd-xa-ha-long',
      authorityId: 'xa-ha-long',
      officialId: 'can-bo-tu-phap',
      label: 'e2e certifier',
    });
    return { token, certifierCredentialId, sealCredentialId };
  })();
  return copySetup;
}

async function certifyCopy(documentTitle: string): Promise<CertifiedCopy> {
  const { token, certifierCredentialId, sealCredentialId } = await setUpCertification();
  const fd = new FormData();
  fd.append('original', new Blob([new Uint8Array(EXAMPLE)]), 'quyet-dinh.pdf');
  fd.append(
    'request',
    JSON.stringify({
      authorityId: 'xa-ha-long',
      requesterName: 'Nguyễn Văn Đẳng',
      requesterIdDocument: 'CCCD:022190000123',
      documentType: 'Quyết định',
      documentTitle,
      documentIssuer: 'UBND huyện Vân Đồn',
      copies: 1,
      level: 'B-B',
      certifier: { credentialId: certifierCredentialId, title: 'Công chức tư pháp - hộ tịch', pin: '135790' },
      seal: { credentialId: sealCredentialId, pin: '135790' },
    }),
  );
  // The seal and signature images (Decree 30/2020 Appendix I stamps), given with the request.
  fd.append('sealImage', new Blob([new Uint8Array(readFileSync('assets/samples/sample-seal-red.png'))]), 'seal.png');
  fd.append('signatureImage', new Blob([new Uint8Array(readFileSync('assets/samples/sample-signature-blue.png'))]), 'signature.png');
  const res = await fetch(`${web.url}/api/v1/copies`, { method: 'POST', body: fd, headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(res.status, bytes.toString('utf8', 0, 400)).toBe(200);
  const header = (name: string): string => {
    const v = res.headers.get(name);
    expect(v, name).toBeTruthy();
    return v!;
  };
  return {
    bytes,
    token,
    id: header('x-kyso-copy-id'),
    code: header('x-kyso-lookup-code'),
    qr: new URL(header('x-kyso-lookup-url')),
    year: header('x-kyso-copy-year'),
    number: header('x-kyso-copy-number'),
  };
}

async function annul(copy: CertifiedCopy, reason: string): Promise<void> {
  const res = await fetch(`${web.url}/api/v1/copies/${copy.id}/annul`, {
    method: 'POST',
    headers: { authorization: `Bearer ${copy.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** certifiedAt of the public lookup (ISO 8601 with +07:00) as the page writes dates: dd/mm/yyyy. */
async function certifiedDay(code: string): Promise<string> {
  const res = await fetch(`${web.url}/api/v1/copies/lookup?code=${encodeURIComponent(code)}`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  const { certifiedAt: iso } = (await res.json()) as { certifiedAt: string };
  const m = /^(\d{4})-(\d{2})-(\d{2})T.*\+07:00$/.exec(iso);
  expect(m, iso).not.toBeNull();
  return `${m![3]}/${m![2]}/${m![1]}`;
}

describe('a real certified copy (POST /api/v1/copies) seen by a citizen', () => {
  it('looks it up from its QR link, compares the received file locally, and verifies its two signatures', async () => {
    const { bytes: copy, code, qr, year, number } = await certifyCopy('Quyết định cấp giấy phép xây dựng');
    // The QR code's target is this page: /verify/copy?code=…
    expect(qr.pathname).toBe('/verify/copy');
    expect(qr.searchParams.get('code')).toBe(code);

    const page = await newPage();
    await page.goto(`${web.url}${qr.pathname}${qr.search}`);
    await page.waitForSelector('.copy-facts, .problem');
    expect(await page.$('.problem')).toBeNull();
    const facts = (await page.textContent('.copy-facts')) ?? '';
    expect(facts).toContain('UBND xã Hạ Long');
    expect(facts).toContain('Quyết định cấp giấy phép xây dựng');
    expect(facts).toContain(code);
    expect(facts).toContain(await certifiedDay(code));
    // Nothing personal is public: neither the requester's name nor their ID document.
    expect(facts).not.toContain('022190000123');
    expect(facts).not.toContain('Nguyễn Văn Đẳng');
    expect(await page.textContent('#copy-status')).toBe('Còn giá trị');
    expect(await page.textContent('#copy-sha256')).toBe(createHash('sha256').update(copy).digest('hex'));

    // The received file is hashed in the browser and compared with the registered hash.
    await page.setInputFiles('#compare-file', { name: 'ban-sao.pdf', mimeType: 'application/pdf', buffer: copy });
    await page.waitForSelector('#compare-verdict');
    expect(await page.getAttribute('#compare-verdict', 'data-match')).toBe('true');
    expect(await page.textContent('#compare-verdict')).toContain('Tệp của bạn trùng khớp với bản sao đã đăng ký.');
    await page.screenshot({ path: join(ARTIFACTS, 'copy-real-match.png'), fullPage: true });
    const other = Buffer.concat([copy, Buffer.from('\n')]);
    await page.setInputFiles('#compare-file', { name: 'khac.pdf', mimeType: 'application/pdf', buffer: other });
    await page.locator('#compare-verdict[data-match="false"]').waitFor();
    expect(await page.textContent('#compare-verdict')).toContain('KHÔNG trùng');

    // By authority + year + number: the status only; the facts and the code need the code itself.
    await page.goto(`${web.url}/verify/copy`);
    await page.fill('#authority', 'xa-ha-long');
    await page.fill('#year', year);
    await page.fill('#number', number);
    await page.click('#by-number button[type=submit]');
    await page.waitForSelector('.copy-facts, .problem');
    expect(await page.$('.problem')).toBeNull();
    expect(await page.getAttribute('.copy-facts', 'data-status')).toBe('valid');
    expect(await page.textContent('.copy-facts')).not.toContain(code);
    expect(problemsOf(page)).toEqual([]);
    await page.close();

    // The citizen also checks the signatures: certifier and seal, both named.
    const check = await newPage();
    await uploadForVerification(check, copy, 'ban-sao.pdf');
    const names = await check.$$eval('.signature .signer-name', (els) => els.map((e) => e.textContent));
    expect(names).toEqual(['Lê Văn Tư Pháp', 'UBND xã Hạ Long']);
    expect(await check.getAttribute('#verdict', 'data-indication')).toBe(await apiIndication(copy));
    await check.screenshot({ path: join(ARTIFACTS, 'verify-real-copy.png'), fullPage: true });
    expect(problemsOf(check)).toEqual([]);
    await check.close();
  });

  it('shows an annulled copy as such on the same QR link, loudly, without the reason', async () => {
    const copy = await certifyCopy('Giấy khai sinh của Nguyễn Thị Hương Giang');
    await annul(copy, 'cấp nhầm người yêu cầu');
    const page = await newPage();
    await page.goto(`${web.url}${copy.qr.pathname}${copy.qr.search}`);
    await page.waitForSelector('.copy-facts, .problem');
    expect(await page.$('#error .problem')).toBeNull();
    expect(await page.textContent('#copy-status')).toBe('Đã hủy');
    expect(await page.textContent('.copy-facts [role=alert]')).toBe('Bản sao này đã bị hủy trong sổ chứng thực và không còn giá trị.');
    const facts = (await page.textContent('.copy-facts')) ?? '';
    expect(facts).toContain(copy.code);
    expect(facts).not.toContain('cấp nhầm'); // the reason is not public
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });
});

describe('verification page and the copy register', () => {
  it('shows the register entry when the verified file is a registered certified copy (real POST /api/v1/copies + POST /api/v1/verify)', async () => {
    const copy = await certifyCopy('Quyết định phê duyệt dự toán');
    // The JSON the page reads: registerMatch { matched, entries } from the app's verify route.
    const fd = new FormData();
    fd.append('pdf', new Blob([new Uint8Array(copy.bytes)]), 'ban-sao.pdf');
    const api = await fetch(`${web.url}/api/v1/verify`, { method: 'POST', body: fd, headers: { accept: 'application/json' } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { registerMatch?: { matched?: boolean; entries?: { lookupCode?: string }[] } };
    expect(body.registerMatch?.matched).toBe(true);
    expect(body.registerMatch?.entries?.map((e) => e.lookupCode)).toEqual([copy.code]);

    const page = await newPage();
    await uploadForVerification(page, copy.bytes, 'ban-sao.pdf');
    expect(await page.locator('.copy-match').count()).toBe(1);
    const match = (await page.textContent('.copy-match')) ?? '';
    expect(match).toContain('UBND xã Hạ Long');
    expect(match).toContain('Quyết định phê duyệt dự toán');
    expect(match).toContain(copy.number.padStart(2, '0'));
    expect(match).toContain(copy.code);
    expect(match).toContain('Còn giá trị');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-register-match.png'), fullPage: true });
    expect(problemsOf(page)).toEqual([]);
    await page.close();

    // Any other bytes (the same file plus one byte) match no register entry.
    const other = await newPage();
    await uploadForVerification(other, Buffer.concat([copy.bytes, Buffer.from('\n')]), 'khac.pdf');
    expect(await other.$('.copy-match')).toBeNull();
    await other.close();

    // Annulled: the verify page still finds the entry, and says it is no longer valid.
    await annul(copy, 'sai thông tin');
    const after = await newPage();
    await uploadForVerification(after, copy.bytes, 'ban-sao.pdf');
    expect(await after.textContent('.copy-match #copy-status')).toBe('Đã hủy');
    expect(await after.textContent('.copy-match')).not.toContain('sai thông tin');
    await after.close();
  });
});

// The officials' workstation has its own browser tests: test/e2e/workstation.test.ts.

describe('keyboard', () => {
  it('reaches the skip link, main content and the file chooser with Tab alone', async () => {
    const page = await newPage();
    const response = await page.goto(`${web.url}/`);
    // The app serves the page (mountWeb in create-app.ts) with the strict CSP.
    expect(response?.headers()['content-security-policy']).toBe(WEB_CSP);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.className')).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('file');
    await page.close();
  });
});

describe('mobile layout', () => {
  it('fits a 360 px wide screen without horizontal scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    for (const path of ['/', '/verify/copy', '/workstation']) {
      await page.goto(`${web.url}${path}`);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto(`${web.url}/`);
    await page.screenshot({ path: join(ARTIFACTS, 'verify-mobile.png'), fullPage: true });
    await page.close();
  });
});
