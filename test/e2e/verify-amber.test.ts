/**
 * The amber state on the citizen page in Debian's Chromium against the real app: a PDF signed
 * through POST /api/v1/sign, then a sticky note added in an incremental update (ISO 32000-1
 * §7.5.6) — valid but changed after signing. The page must say so in words and colour, list the
 * change with its page, and render the signed revision and the current document side by side
 * with pdf.js (served by the app itself) with the note's area outlined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { issueSigner } from '../fixtures/pki-fixture.js';
import { appendUpdate, dictText, pageInfo } from '../integration/verify/helpers.js';
import { ARTIFACTS, launchChromium, startWebHarness, type WebHarness } from './web-harness.js';

const EXAMPLE = readFileSync(fileURLToPath(new URL('../../examples/quyet-dinh.pdf', import.meta.url)));
const DOCS_IMAGE = fileURLToPath(new URL('../../docs/images/verify-amber.png', import.meta.url));
// In the empty lower part of the page: a note that covers no signed text stays valid-but-changed (amber).
const NOTE_RECT = [380, 120, 520, 220] as const;

let web: WebHarness;
let browser: Browser;
let amber: Buffer;

async function signViaApi(pdf: Buffer): Promise<Buffer> {
  const signer = issueSigner(web.ca, { cn: 'Nguyễn Thị Hương Giang', crlUrl: web.crlUrl });
  const fd = new FormData();
  fd.append('pdf', new Blob([new Uint8Array(pdf)]), 'quyet-dinh.pdf');
  fd.append('p12', new Blob([new Uint8Array(signer.p12('mật-khẩu'))]), 'signer.p12');
  fd.append('options', JSON.stringify({ signer: { kind: 'pkcs12', password: 'mật-khẩu' }, reason: 'Phê duyệt', location: 'Hạ Long' }));
  const res = await fetch(`${web.url}/api/v1/sign`, {
    method: 'POST',
    body: fd,
    headers: { authorization: `Bearer ${web.app.adminToken}` },
  });
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status, body.toString('utf8', 0, 500)).toBe(200);
  return body;
}

/** A sticky note (Text annotation, ISO 32000-1 §12.5.6.4) with a visible square appearance. */
function addStickyNote(pdf: Buffer): Buffer {
  const { num } = pageInfo(pdf, 0);
  const page = dictText(pdf, num);
  const withAnnot = page.includes('/Annots')
    ? page.replace(/\/Annots\s*\[/, '/Annots [997 0 R ')
    : page.replace(/>>\s*$/, ' /Annots [997 0 R] >>');
  const [x1, y1, x2, y2] = NOTE_RECT;
  const ap = `1 0.9 0.3 rg 0 0 ${x2 - x1} ${y2 - y1} re f`;
  return appendUpdate(pdf, {
    997: `<< /Type /Annot /Subtype /Text /Rect [${NOTE_RECT.join(' ')}] /Contents (So tien da sua) /F 4 /P ${num} 0 R /AP << /N 996 0 R >> >>`,
    996: `<< /Type /XObject /Subtype /Form /BBox [0 0 ${x2 - x1} ${y2 - y1}] /Length ${ap.length} >>\nstream\n${ap}\nendstream`,
    [num]: withAnnot,
  });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  web = await startWebHarness();
  amber = addStickyNote(await signViaApi(EXAMPLE));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('citizen page: valid but changed after signing (amber)', () => {
  it('says so in words and colour, lists the change on page 1, and shows both versions side by side with the note outlined', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${web.url}/`);
    await page.setInputFiles('#file', { name: 'quyet-dinh-co-ghi-chu.pdf', mimeType: 'application/pdf', buffer: amber });
    await page.waitForSelector('#verdict', { timeout: 30_000 });

    expect(await page.getAttribute('#verdict', 'data-state')).toBe('changed');
    expect(await page.getAttribute('#verdict', 'class')).toContain('changed');
    expect(await page.textContent('#verdict .verdict-title')).toBe('HỢP LỆ NHƯNG ĐÃ CÓ THAY ĐỔI SAU KHI KÝ — xem các thay đổi bên dưới');
    const colour = await page.$eval(
      '#verdict',
      (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderTopColor: string } }).getComputedStyle(el).borderTopColor,
    );
    expect(colour).toBe('rgb(122, 74, 0)'); // --warn: amber, not the green of "valid" nor the red of "invalid"
    const change = page.locator('.signature .finding.change[data-key="MODIFICATION_ANNOTATION"]');
    expect(await change.textContent()).toBe('△ Có ghi chú/chú thích được thêm sau khi ký. (trang 1)');
    expect(await change.getAttribute('data-page')).toBe('1');
    expect(await page.$('.signature a.signed-revision')).not.toBeNull();

    await page.click('.signature .compare-button');
    await page.waitForSelector('.compare[data-rendered="true"]', { timeout: 60_000 });
    const canvases = await page.$$eval('.compare-row[data-page="1"] canvas.page-canvas', (els) =>
      els.map((c) => {
        const canvas = c as unknown as {
          width: number;
          height: number;
          getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        };
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let ink = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i]! < 200) ink++;
        return { w: canvas.width, h: canvas.height, ink };
      }),
    );
    expect(canvases).toHaveLength(2); // signed revision | current document
    for (const c of canvases) {
      expect(c.w).toBeGreaterThan(300);
      expect(c.ink).toBeGreaterThan(1000); // really drawn (text of the decision), not a blank canvas
    }
    // the outline sits over the note's rectangle on the current page (user space → viewport)
    const box = await page.$eval('.compare-row[data-page="1"] .page-frame[data-side="current"] .change-outline', (el) => {
      const r = el.getBoundingClientRect();
      const f = el.parentElement!.getBoundingClientRect();
      return {
        x: r.left - f.left,
        y: r.top - f.top,
        w: r.width,
        h: r.height,
        fh: f.height,
        scale: Number(el.parentElement!.dataset.scale),
      };
    });
    const scale = box.scale;
    expect(scale).toBeGreaterThan(0.35);
    // the two pages really are next to each other
    const tops = await page.$$eval('.compare-row[data-page="1"] .page-frame', (els) =>
      els.map((e) => Math.round(e.getBoundingClientRect().top)),
    );
    expect(new Set(tops).size).toBe(1);
    const [x1, y1, x2, y2] = NOTE_RECT;
    expect(Math.abs(box.x - (x1 * scale - 4))).toBeLessThan(3);
    expect(Math.abs(box.w - ((x2 - x1) * scale + 8))).toBeLessThan(3);
    expect(Math.abs(box.h - ((y2 - y1) * scale + 8))).toBeLessThan(3);
    expect(Math.abs(box.y + box.h - (box.fh - y1 * scale + 4))).toBeLessThan(4);
    await page.locator('.compare-row[data-page="1"] .compare-pair').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'verify-amber.png'), fullPage: true });
    mkdirSync(join(DOCS_IMAGE, '..'), { recursive: true });
    await page.screenshot({ path: DOCS_IMAGE, fullPage: false });

    // English on request: the same state in English, from the server's presentation
    await page.click('#lang-toggle');
    await page.waitForSelector('#verdict[data-lang="en"]', { timeout: 30_000 });
    expect(await page.textContent('#verdict .verdict-title')).toBe('VALID BUT CHANGED AFTER SIGNING — see the changes below');
    expect(await page.textContent('.signature .finding.change[data-key="MODIFICATION_ANNOTATION"]')).toContain('(page 1)');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('?lang=en opens the page in English', async () => {
    const page = await browser.newPage();
    await page.goto(`${web.url}/?lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.setInputFiles('#file', { name: 'x.pdf', mimeType: 'application/pdf', buffer: amber });
    await page.waitForSelector('#verdict', { timeout: 30_000 });
    expect(await page.getAttribute('#verdict', 'data-lang')).toBe('en');
    await page.close();
  });
});
