import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import {
  CERTIFIER_ID,
  ORGANIZATION_ID,
  PIN,
  SEAL_OWNER,
  SEAL_PIN,
  caller,
  freePort,
  newToken,
  registerStampImages,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
} from './setup.js';
import {
  differenceFromReference,
  extentOf,
  isSealRed,
  isSignatureBlue,
  overlappingWords,
  pxToMm,
  renderPage,
  wordBoxes,
} from '../../fixtures/layout-checks.js';

/**
 * The certified copy's statement page as an official reads it, through the HTTP API: rendered at
 * 200 dpi with poppler, word boxes never overlap, the seal is its registered diameter, covers the
 * left third of the certifier's signature, and the page matches the committed reference.
 * Refusals: no images and no text-only permission → COPY_STAMP_IMAGES_MISSING, nothing registered.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;
const STAMPED = 'xa-ha-long-stamps';
const BARE = 'xa-bare';
/** A certifier token per authority: a certifier works in its own authority's register only. */
const certifierOf: Record<string, string> = {};

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}` });
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
  for (const id of [STAMPED, BARE]) {
    const a = await call('POST', '/api/v1/authorities', {
      token: h.adminToken,
      json: {
        id,
        name: 'UBND xã Hạ Long',
        place: 'xã Hạ Long, tỉnh Quảng Ninh',
        organizationId: ORGANIZATION_ID,
        sealCustodianId: SEAL_OWNER,
      },
    });
    expect(a.status, JSON.stringify(a.json)).toBe(201);
    const p = await call('PATCH', `/api/v1/authorities/${id}`, { token: h.adminToken, json: { sealCredentialId: s.sealCredential } });
    expect(p.status, JSON.stringify(p.json)).toBe(200);
    certifierOf[id] = await newToken(call, h.adminToken, 'certifier', {
      organizationId: ORGANIZATION_ID,
      authorityId: id,
      officialId: CERTIFIER_ID,
    });
  }
  await registerStampImages(call, h.adminToken, STAMPED, s.certifierCredential, {
    sealDiameterMm: 36,
    authorityLines: ['TM. Ủy ban nhân dân', 'KT. Chủ tịch'],
    title: 'Phó Chủ tịch',
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** A one-page original whose text runs down to `lowestY` points from the bottom. */
async function original(lowestY: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const page = doc.addPage([595.28, 841.89]);
  for (let y = 780; y >= lowestY; y -= 16) page.drawText(`Noi dung ban chinh, dong o toa do ${y}`, { x: 90, y, size: 12, font });
  return Buffer.from(await doc.save());
}

function form(pdf: Buffer, authorityId: string, extra: { sealImage?: Buffer; signatureImage?: Buffer } = {}): FormData {
  const fd = new FormData();
  fd.append('original', new Blob([pdf], { type: 'application/pdf' }), 'original.pdf');
  fd.set(
    'request',
    JSON.stringify({
      authorityId,
      requesterName: 'Trần Văn Bình',
      requesterIdDocument: 'CCCD 022090009999',
      documentType: 'Giấy khai sinh',
      documentTitle: 'Giấy khai sinh, quyển số 02/2020, số 123',
      documentIssuer: 'UBND phường Hồng Gai',
      copies: 1,
      level: 'B-B',
      certifier: { credentialId: s.certifierCredential, title: 'Phó Chủ tịch', pin: PIN },
      seal: { pin: SEAL_PIN },
    }),
  );
  if (extra.sealImage) fd.append('sealImage', new Blob([extra.sealImage], { type: 'image/png' }), 'seal.png');
  if (extra.signatureImage) fd.append('signatureImage', new Blob([extra.signatureImage], { type: 'image/png' }), 'sig.png');
  return fd;
}

/**
 * After a long rendering the client's idle keep-alive socket may just have been closed by the
 * server (keepAliveTimeout 5 s): a retried GET uses it up so the next POST gets a fresh one.
 */
async function settle(): Promise<void> {
  const path = `/api/v1/authorities/${STAMPED}/stamps`;
  await call('GET', path, { token: h.adminToken }).catch(() => call('GET', path, { token: h.adminToken }));
}

async function registerCount(authorityId: string): Promise<number> {
  const path = `/api/v1/copies?authority=${authorityId}&limit=1000`;
  // A GET may be retried: the first one after a long rendering can meet a keep-alive connection the server just closed.
  const r = await call('GET', path, { token: s.auditorToken }).catch(() => call('GET', path, { token: s.auditorToken }));
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.items.length;
}

describe('statement page and stamps of a certified copy (200 dpi, poppler)', () => {
  it('a full original page gets one added statement page: no overlaps, 36 mm seal over the signature’s left third, page marks', async () => {
    await settle();
    const r = await call('POST', '/api/v1/copies', { token: certifierOf[STAMPED], body: form(await original(60), STAMPED) });
    expect(r.status, r.body.toString('utf8').slice(0, 400)).toBe(200);
    const doc = await PDFDocument.load(r.body);
    expect(doc.getPageCount()).toBe(2);
    const page = renderPage('statement-added-page', r.body, 2);
    const words = wordBoxes(page.pdfPath);
    const text = (p: number) =>
      words
        .filter((w) => w.page === p)
        .map((w) => w.text)
        .join(' ');
    expect(text(2)).toContain('Bản sao gồm 2 trang, trong đó trang 2 là trang lời chứng được thêm vào.');
    expect(text(2)).toContain('TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH');
    expect(text(2)).not.toContain('(Ký, ghi rõ');
    expect(text(2).match(/Nguyễn Thị Hằng/g)).toHaveLength(1);
    expect(text(2)).toMatch(/Thời gian ký: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \+07:00/);
    expect(text(1)).toMatch(/trang 1\/2/);
    expect(text(2)).toMatch(/trang 2\/2/);
    expect(overlappingWords(words)).toEqual([]);

    const red = extentOf(page.png, isSealRed)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 36)).toBeLessThanOrEqual(1);
    expect(Math.abs(pxToMm(red.y1 - red.y0) - 36)).toBeLessThanOrEqual(1);
    // The signature: blue pixels right of the seal's centre belong to it; its left end is under the seal.
    const blue = extentOf(page.png, isSignatureBlue, { x0: red.x0, y0: red.y0, x1: page.png.width, y1: red.y1 })!;
    const third = blue.x0 + (blue.x1 - blue.x0) / 3;
    expect(red.x0).toBeLessThanOrEqual(blue.x0);
    expect(red.x1).toBeGreaterThanOrEqual(third);
    // No word of the page lies on the seal except the seal's own "Ký bởi" lines left of it.
    const sealWords = words.filter(
      (w) =>
        w.page === 2 &&
        w.xMax * (200 / 72) > red.x0 &&
        w.xMin * (200 / 72) < red.x1 &&
        w.yMax * (200 / 72) > red.y0 &&
        w.yMin * (200 / 72) < red.y1,
    );
    expect(sealWords.map((w) => w.text)).toEqual([]);

    // Compared with the reference: the signature block, from the authority lines to the lowest stamp
    // line; times, codes and the QR change with every copy and are left out.
    const px = (pt: number) => Math.round(pt * (200 / 72));
    const onPage = words.filter((w) => w.page === 2);
    const top = onPage.find((w) => w.text === 'TM.')!;
    const lookup = onPage.find((w) => w.text === 'Mã')!;
    const bottom = Math.max(...onPage.filter((w) => w.yMin > top.yMin && w.yMax < 800).map((w) => w.yMax));
    const crop = { x0: 0, x1: page.png.width, y0: px(top.yMin) - 10, y1: px(bottom) + 10 };
    const ignore = [
      ...onPage
        .filter((w) => /\d/.test(w.text))
        .map((w) => ({ x0: px(w.xMin) - 2, x1: px(w.xMax) + 2, y0: px(w.yMin) - 2, y1: px(w.yMax) + 2 })),
      // QR code and lookup lines (left of the seal, from the lookup lines' top down).
      { x0: 0, x1: red.x0, y0: px(lookup.yMin) - 4, y1: px(bottom) + 10 },
    ];
    expect(differenceFromReference('statement-added-page', page.pngPath, crop, ignore)).toBeLessThan(0.01);
  });

  it('a one-page original with a free lower half gives a one-page copy; the statement sits under the content, nothing overlaps', async () => {
    await settle();
    const r = await call('POST', '/api/v1/copies', { token: certifierOf[STAMPED], body: form(await original(430), STAMPED) });
    expect(r.status, r.body.toString('utf8').slice(0, 400)).toBe(200);
    expect((await PDFDocument.load(r.body)).getPageCount()).toBe(1);
    const page = renderPage('statement-on-last-page', r.body, 1);
    const words = wordBoxes(page.pdfPath);
    const text = words.map((w) => w.text).join(' ');
    expect(text).toContain('Bản sao gồm 1 trang; lời chứng ở cuối trang 1.');
    expect(text).not.toMatch(/trang 1\/1/);
    expect(overlappingWords(words)).toEqual([]);
    // The statement starts below the original's lowest line (y = 430 pt from the bottom).
    const heading = words.find((w) => w.text === 'CHỨNG')!;
    expect(heading.yMin).toBeGreaterThan(841.89 - 430);
    const red = extentOf(page.png, isSealRed)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 36)).toBeLessThanOrEqual(1);
  });

  it('refuses a copy without seal and signature images unless the authority allows text-only stamps; nothing is registered', async () => {
    await settle();
    const before = await registerCount(BARE);
    const r = await call('POST', '/api/v1/copies', { token: certifierOf[BARE], body: form(await original(400), BARE) });
    // The certifier's signature image is registered for the credential; the bare authority has no seal image.
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('COPY_STAMP_IMAGES_MISSING');
    expect(r.json.missing ?? r.json.details?.missing ?? ['sealImage']).toContain('sealImage');
    expect(await registerCount(BARE)).toBe(before);

    const allow = new FormData();
    allow.append('settings', JSON.stringify({ textOnlyStamps: true }));
    const set = await call('PUT', `/api/v1/authorities/${BARE}/stamps`, { token: h.adminToken, body: allow });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    expect(set.json.textOnlyStamps).toBe(true);
    const ok = await call('POST', '/api/v1/copies', { token: certifierOf[BARE], body: form(await original(400), BARE) });
    expect(ok.status, ok.body.toString('utf8').slice(0, 400)).toBe(200);
    expect(await registerCount(BARE)).toBe(before + 1);
  });

  it('only an admin sets stamp settings; a certifier cannot set another holder’s signature image; a bad image changes nothing', async () => {
    await settle();
    const fd = new FormData();
    fd.append('settings', JSON.stringify({ textOnlyStamps: true }));
    const denied = await call('PUT', `/api/v1/authorities/${STAMPED}/stamps`, { token: s.certifierToken, body: fd });
    expect(denied.status).toBe(403);
    const sig = new FormData();
    sig.append('signatureImage', new Blob([readFileSync('assets/samples/sample-signature-blue.png')], { type: 'image/png' }), 's.png');
    const other = await call('PUT', `/api/v1/credentials/${s.sealCredential}/signature-image`, { token: s.certifierToken, body: sig });
    expect(other.status).toBe(404);
    const bad = new FormData();
    bad.append('sealImage', new Blob([Buffer.from('not an image at all')], { type: 'image/png' }), 'seal.png');
    const before = await call('GET', `/api/v1/authorities/${STAMPED}/stamps`, { token: h.adminToken });
    const r = await call('PUT', `/api/v1/authorities/${STAMPED}/stamps`, { token: h.adminToken, body: bad });
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('IMAGE_INVALID');
    const after = await call('GET', `/api/v1/authorities/${STAMPED}/stamps`, { token: h.adminToken });
    expect(after.json).toEqual(before.json);
    const lines = new FormData();
    lines.append('settings', JSON.stringify({ authorityLines: ['CHỦ TỊCH không có tiền tố'] }));
    const badLines = await call('PUT', `/api/v1/authorities/${STAMPED}/stamps`, { token: h.adminToken, body: lines });
    expect(badLines.status).toBe(400);
    expect(badLines.json.code).toBe('VALIDATION_FAILED');
  });
});
