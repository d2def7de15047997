import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { nssDbTrusting } from '../signing/tools.js';
import { createPki } from '../../../src/app/pki.js';
import {
  AUTHORITY,
  addSubscriber,
  bindCredential,
  ORGANIZATION_ID,
  caller,
  certifyForm,
  freePort,
  originalPdf,
  run,
  scanPng,
  setupCertifierAndAuthority,
  type Caller,
  type CopySetup,
} from './setup.js';
import { corpusPath } from '../../fixtures/corpus.js';

/**
 * Certified copies end to end over HTTP with the real app on 127.0.0.1: certify a PDF original
 * and a 2-page scan, check the copy with other people's tools (pdfsig, mutool, qpdf, pdftotext,
 * pdftoppm + jsQR), the public lookup, our verifier's register match, fees, and refusals.
 */
// jsqr ships CommonJS with a default export; its typings do not describe the interop shape.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as (
  d: Uint8ClampedArray,
  w: number,
  h: number,
) => { data: string } | null;

let h: Harness;
let call: Caller;
let s: CopySetup;
let dir: string;
let nss: string;

beforeAll(async () => {
  const port = await freePort();
  // The public URL must be where the server listens: the certificates' AIA/CRL URLs and the lookup URL point there.
  h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}` });
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
  dir = mkdtempSync(join(tmpdir(), 'kyso-copies-http-'));
  const root = await call('GET', '/pki/ca/root.pem');
  expect(root.status).toBe(200);
  writeFileSync(join(dir, 'root.pem'), root.body);
  nss = nssDbTrusting(root.body.toString('utf8'));
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function entries(): Promise<any[]> {
  const r = await call('GET', `/api/v1/copies?authority=${AUTHORITY}&limit=1000`, { token: s.auditorToken });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.items;
}

function problem(r: Awaited<ReturnType<Caller>>, status: number, code: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json.code).toBe(code);
}

/** Independent checks of a signed copy; returns the decoded QR text. */
async function checkCopy(pdf: Buffer, name: string, pages: number, number: number): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  // pdfsig (poppler + NSS) trusting only our root: two valid, trusted signatures, in order (certifier, then seal).
  const sig = await run('pdfsig', ['-nssdir', `sql:${nss}`, file]);
  expect((sig.out.match(/Signature Validation: Signature is Valid\./g) ?? []).length, sig.out).toBe(2);
  expect((sig.out.match(/Certificate Validation: Certificate is Trusted\./g) ?? []).length, sig.out).toBe(2);
  const signers = [...sig.out.matchAll(/Signer Certificate Common Name: (.+)/g)].map((m) => m[1]);
  expect(signers).toEqual(['Nguyễn Thị Hằng', 'Ủy ban nhân dân xã Hạ Long']);
  const mu = await run('mutool', ['sign', '-v', file]);
  expect((mu.out.match(/^Verifying signature/gm) ?? []).length, mu.out).toBe(2);
  expect(mu.out).not.toMatch(/digest error|not valid|invalid/i);
  const q = await run('qpdf', ['--check', file]);
  expect(q.code, q.out).toBe(0);
  expect(q.out).toMatch(/No syntax or stream encoding errors found/);
  // The statement on the added last page, with its diacritics intact.
  const info = await run('pdfinfo', [file]);
  const total = Number(/Pages:\s+(\d+)/.exec(info.out)?.[1]);
  expect(total).toBeGreaterThanOrEqual(pages);
  const text = (await run('pdftotext', ['-f', String(total), '-l', String(total), '-enc', 'UTF-8', file, '-'])).stdout
    .toString('utf8')
    .normalize('NFC');
  // The statement's heading is set in capitals; the words and every diacritic must survive extraction.
  expect(text.toLocaleUpperCase('vi')).toContain('CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH');
  expect(text).toMatch(new RegExp(`Số chứng thực: 0*${number}\\b`));
  expect(text).toMatch(/Quyển số: \d{2}\/\d{4}-SCT\/BS/);
  expect(text).toMatch(/Ngày \d{1,2} tháng \d{1,2} năm \d{4}/);
  expect(text).toMatch(/Bằng chữ: ngày .+ tháng .+ năm hai nghìn/);
  expect(text).toContain('Ủy ban nhân dân xã Hạ Long');
  expect(text).toContain('Nguyễn Thị Hằng');
  // QR: render the last page and decode it with a JS decoder.
  const prefix = join(dir, `${name}-qr`);
  const r = await run('pdftoppm', ['-f', String(total), '-l', String(total), '-r', '200', '-png', file, prefix]);
  expect(r.code, r.out).toBe(0);
  const png = readdirSync(dir).find((f) => f.startsWith(`${name}-qr`) && f.endsWith('.png'))!;
  const img = PNG.sync.read(readFileSync(join(dir, png)));
  const qr = jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.width, img.height);
  expect(qr, 'QR code not found on the statement page').not.toBeNull();
  return qr!.data;
}

describe('certified copies over HTTP', () => {
  it('ok/a 3-page PDF original → signed copy (B-LT by default), tools accept it, QR → lookup URL, lookup and verifier agree', async () => {
    const original = await originalPdf(3);
    const before = (await entries()).length;
    const r = await call('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { original }) });
    expect(r.status, r.body.toString('utf8').slice(0, 500)).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/pdf/);
    const number = Number(r.headers.get('x-kyso-copy-number'));
    const code = r.headers.get('x-kyso-lookup-code')!;
    const lookupUrl = r.headers.get('x-kyso-lookup-url')!;
    expect(number).toBe(before + 1);
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$/);
    expect(lookupUrl).toBe(`${h.url}/verify/copy?code=${encodeURIComponent(code)}`);
    expect(Number(r.headers.get('x-kyso-fee-total'))).toBe(5_000);

    const qr = await checkCopy(r.body, 'pdf3', 3, number);
    expect(qr).toBe(lookupUrl);

    // Entry (certifier/auditor view) records the original's hash, pages, fee, copy hash.
    const e = await call('GET', `/api/v1/copies/${r.headers.get('x-kyso-copy-id')}`, { token: s.auditorToken });
    expect(e.status).toBe(200);
    expect(e.json).toMatchObject({
      status: 'valid',
      number,
      originalPages: 3,
      feePerCopy: 5_000,
      feeTotal: 5_000,
      registerType: 'SCT/BS',
      lookupCode: code,
    });
    expect(e.json.originalSha256).toBe(createHash('sha256').update(original).digest('hex'));
    expect(e.json.copySha256).toBe(createHash('sha256').update(r.body).digest('hex'));

    // Public lookup by code (typed sloppily: lower case, no dashes): facts, nothing personal.
    for (const path of [`/api/v1/copies/lookup?code=${code.toLowerCase().replace(/-/g, '')}`]) {
      const l = await call('GET', path);
      expect(l.status, JSON.stringify(l.json)).toBe(200);
      expect(l.json).toMatchObject({
        authorityId: AUTHORITY,
        authority: 'Ủy ban nhân dân xã Hạ Long',
        number,
        status: 'valid',
        documentType: 'Giấy khai sinh',
        originalPages: 3,
        copySha256: e.json.copySha256,
      });
      const body = JSON.stringify(l.json);
      expect(body).not.toContain('Trần Văn Bình');
      expect(body).not.toContain('022090009999');
      expect(body).not.toContain('off_nguyen_thi_hang');
      expect(l.json.requesterName).toBeUndefined();
    }
    // By number (sequential, so anyone can walk them): the status only, never the document's facts or its code.
    const byNumber = await call('GET', `/api/v1/copies/lookup?authority=${AUTHORITY}&year=${e.json.year}&number=${number}`);
    expect(byNumber.status, JSON.stringify(byNumber.json)).toBe(200);
    expect(byNumber.json).toEqual({ authorityId: AUTHORITY, year: e.json.year, number, numberLabel: expect.any(String), status: 'valid' });
    expect(JSON.stringify(byNumber.json)).not.toContain(code);

    // Our verifier: every signature passes, and the bytes match a register entry.
    const fd = new FormData();
    fd.set('pdf', new Blob([r.body], { type: 'application/pdf' }), 'copy.pdf');
    const v = await call('POST', '/api/v1/verify', { body: fd });
    expect(v.status, JSON.stringify(v.json)?.slice(0, 500)).toBe(200);
    expect(v.json.indication, JSON.stringify(v.json.signatures?.map((x: any) => [x.indication, x.subIndication, x.errors]))).toBe(
      'TOTAL_PASSED',
    );
    expect(v.json.signatures.length).toBeGreaterThanOrEqual(2);
    // B-LT for both: the one /DSS written after the seal carries the certifier's validation data too.
    expect(v.json.signatures.slice(0, 2).map((x: any) => x.level)).toEqual(['B-LT', 'B-LT']);
    expect(v.json.registerMatch.matched).toBe(true);
    expect(v.json.registerMatch.entries[0]).toMatchObject({ number, status: 'valid', lookupCode: code });
    // A PDF that is not a registered copy: no match.
    const fd2 = new FormData();
    fd2.set('pdf', new Blob([original], { type: 'application/pdf' }), 'original.pdf');
    const v2 = await call('POST', '/api/v1/verify', { body: fd2 });
    expect(v2.json.registerMatch).toEqual({ matched: false, entries: [] });
  });

  it('ok/a 2-image scan (PNG, 200 dpi) → 2-page original, signed copy passes the same checks', async () => {
    const images = [scanPng(400, 560, 200, 250), scanPng(400, 560, 200, 235)];
    const r = await call('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { images }, { level: 'B-B' }) });
    expect(r.status, r.body.toString('utf8').slice(0, 500)).toBe(200);
    const qr = await checkCopy(r.body, 'scan2', 2, Number(r.headers.get('x-kyso-copy-number')));
    expect(qr).toBe(r.headers.get('x-kyso-lookup-url'));
    const e = await call('GET', `/api/v1/copies/${r.headers.get('x-kyso-copy-id')}`, { token: s.auditorToken });
    expect(e.json).toMatchObject({ originalPages: 2, feePerCopy: 4_000, status: 'valid' });
  });

  it('ok/fee per Circular 226/2016 for 1, 2, 3 and 250 pages (× copies)', async () => {
    const want: Array<[number, number, number]> = [
      [1, 1, 2_000],
      [2, 1, 4_000],
      [3, 2, 5_000],
      [250, 1, 200_000],
    ];
    for (const [pages, copies, perCopy] of want) {
      const r = await call('POST', '/api/v1/copies', {
        token: s.certifierToken,
        body: certifyForm(s, { original: await originalPdf(pages) }, { level: 'B-B', copies }),
      });
      expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
      expect(Number(r.headers.get('x-kyso-fee-total'))).toBe(perCopy * copies);
      const e = await call('GET', `/api/v1/copies/${r.headers.get('x-kyso-copy-id')}`, { token: s.auditorToken });
      expect(e.json).toMatchObject({ originalPages: pages, copies, feePerCopy: perCopy, feeTotal: perCopy * copies });
    }
  }, 120_000);

  it('fail/bad inputs → problem+json and the register unchanged', async () => {
    const before = await entries();
    const pdf = await originalPdf(1);
    const post = (body: FormData, token = s.certifierToken) => call('POST', '/api/v1/copies', { token, body });
    problem(await post(certifyForm(s, { images: [Buffer.from('this is a text file, not a scan\n')] })), 422, 'IMAGE_INVALID');
    const png = scanPng(400, 560, 200, 240);
    const corrupt = Buffer.concat([png.subarray(0, 60), Buffer.alloc(200, 0x41)]);
    problem(await post(certifyForm(s, { images: [corrupt] })), 422, 'IMAGE_INVALID');
    problem(await post(certifyForm(s, { images: [scanPng(300, 400, 72, 240)] })), 422, 'IMAGE_INVALID');
    const encrypted = readFileSync(corpusPath('dss/dss-pades/src/test/resources/validation/encrypted.pdf'));
    problem(await post(certifyForm(s, { original: encrypted })), 422, 'PDF_ENCRYPTED');
    problem(await post(certifyForm(s, { original: pdf }, { authorityId: 'ubnd-khong-co' })), 404, 'AUTHORITY_UNKNOWN');
    problem(await post(certifyForm(s, { original: pdf }), s.signerToken), 403, 'FORBIDDEN');
    problem(await post(certifyForm(s, { original: pdf }, { pin: '000000' })), 403, 'PIN_INVALID');
    problem(await post(certifyForm(s, { original: pdf }, { sealPin: '999999' })), 403, 'PIN_INVALID');
    problem(await post(certifyForm(s, { original: pdf }, { credentialId: 'cred_nobody' })), 404, 'CREDENTIAL_NOT_FOUND');
    const first = before[0];
    problem(await call('DELETE', `/api/v1/copies/${first.id}`, { token: s.certifierToken }), 403, 'DELETE_FORBIDDEN');
    problem(await call('GET', '/api/v1/copies/lookup?code=ABCD-EFGH-JKZ'), 400, 'LOOKUP_CODE_INVALID');
    problem(await call('GET', '/api/v1/copies/lookup?code=%3Cscript%3E'), 400, 'LOOKUP_CODE_INVALID');
    const after = await entries();
    expect(after).toEqual(before);
  }, 120_000);

  it('fail/the two PINs are checked side by side: each wrong one is counted on its own credential only, the certifier refused first, no number taken', async () => {
    const before = await entries();
    const pdf = await originalPdf(1);
    const post = (f: Parameters<typeof certifyForm>[2]) =>
      call('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { original: pdf }, f) });
    const attempts = async () => [
      (await h.ctx.store.credentials.get(s.certifierCredential))?.failedAttempts,
      (await h.ctx.store.credentials.get(s.sealCredential))?.failedAttempts,
    ];
    // a copy with both PINs right starts from both counters at zero
    expect((await post({})).status).toBe(200);
    expect(await attempts()).toEqual([0, 0]);
    // a wrong certifier PIN beside the right seal PIN: the seal's correct PIN leaves no failure
    problem(await post({ pin: '000000' }), 403, 'PIN_INVALID');
    expect(await attempts()).toEqual([1, 0]);
    // both wrong: both counted, and the answer is the certifier's refusal
    const both = await post({ pin: '000000', sealPin: '999999' });
    problem(both, 403, 'PIN_INVALID');
    expect(both.json.detail ?? '').not.toContain('999999');
    expect(await attempts()).toEqual([2, 1]);
    // both right: a copy, and both counters back to zero
    const ok = await post({});
    expect(ok.status, ok.body.toString('utf8').slice(0, 300)).toBe(200);
    expect(await attempts()).toEqual([0, 0]);
    expect((await entries()).length).toBe(before.length + 2);
  }, 120_000);

  it('fail/a certifier whose certificate is revoked is refused before a number is taken', async () => {
    const pki = createPki(h.ctx);
    await addSubscriber(h.ctx, {
      id: 'off_vu_van_khanh',
      kind: 'individual',
      name: 'Vũ Văn Khánh',
      uid: 'CCCD:022198003333',
      managingOrganizationId: ORGANIZATION_ID,
    });
    const issued = await pki.issuance.issue(
      { id: 'test-admin', role: 'admin' },
      {
        profile: 'individual',
        subscriberId: 'off_vu_van_khanh',
        subject: { commonName: 'Vũ Văn Khánh', uids: ['CCCD:022198003333'] },
        key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
      },
    );
    const token = (
      await call('POST', '/api/v1/tokens', {
        token: h.adminToken,
        json: { role: 'certifier', organizationId: ORGANIZATION_ID, authorityId: AUTHORITY, officialId: 'off_vu_van_khanh' },
      })
    ).json.token as string;
    const cred = {
      json: {
        id: await bindCredential(call, {
          requester: h.adminToken,
          approver: s.raOfficerToken,
          holder: token,
          certificateId: issued.certificate.id,
          ownerId: 'off_vu_van_khanh',
          pin: '777777',
        }),
      },
    };
    const rv = await call('POST', `/api/v1/certificates/${issued.certificate.id}/revoke`, {
      token: h.adminToken,
      json: { reason: 'keyCompromise' },
    });
    expect(rv.status, JSON.stringify(rv.json)).toBe(200);
    const before = await entries();
    problem(
      await call('POST', '/api/v1/copies', {
        token,
        body: certifyForm(s, { original: await originalPdf(1) }, { credentialId: cred.json.id, pin: '777777', level: 'B-B' }),
      }),
      422,
      'SIGNER_REVOKED',
    );
    // Someone else's credential: refused as not yours.
    problem(
      await call('POST', '/api/v1/copies', { token, body: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }) }),
      403,
      'FORBIDDEN',
    );
    expect(await entries()).toEqual(before);
  });

  it('ok/annul keeps the entry and the public lookup says annulled; register export CSV lists every number', async () => {
    const list = await entries();
    const target = list.find((e) => e.status === 'valid');
    problem(await call('POST', `/api/v1/copies/${target.id}/annul`, { token: s.auditorToken, json: { reason: 'x' } }), 403, 'FORBIDDEN');
    const a = await call('POST', `/api/v1/copies/${target.id}/annul`, {
      token: s.certifierToken,
      json: { reason: 'Bản chính bị phát hiện giả mạo' },
    });
    expect(a.status, JSON.stringify(a.json)).toBe(200);
    expect(a.json).toMatchObject({
      status: 'annulled',
      statusReason: 'Bản chính bị phát hiện giả mạo',
      statusChangedBy: 'off_nguyen_thi_hang',
    });
    problem(
      await call('POST', `/api/v1/copies/${target.id}/annul`, { token: s.certifierToken, json: { reason: 'again' } }),
      409,
      'COPY_STATE_INVALID',
    );
    const l = await call('GET', `/api/v1/copies/lookup?code=${target.lookupCode}`);
    expect(l.json.status).toBe('annulled');
    const byNumber = await call('GET', `/api/v1/copies/lookup?authority=${AUTHORITY}&year=${target.year}&number=${target.number}`);
    expect(byNumber.json).toEqual({
      authorityId: AUTHORITY,
      year: target.year,
      number: target.number,
      numberLabel: expect.any(String),
      status: 'annulled',
    });
    const year = target.year;
    const csv = await call('POST', `/api/v1/authorities/${AUTHORITY}/registers/${year}/export?format=csv`, {
      token: s.auditorToken,
      json: {},
    });
    expect(csv.status, csv.body.toString()).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = csv.body.toString('utf8');
    for (const e of list) expect(text).toContain(e.lookupCode);
    const v = await call('GET', `/api/v1/authorities/${AUTHORITY}/registers/${year}/volumes`, { token: s.auditorToken });
    expect(v.status).toBe(200);
    expect(v.json.items.length).toBeGreaterThanOrEqual(1);
    // Every step is an audit event, on the hash-chained log; PINs never appear in it.
    const audit = await call('GET', `/api/v1/audit?target=${target.id}&limit=100`, { token: s.auditorToken });
    expect(audit.status).toBe(200);
    expect(audit.json.items.map((x: any) => x.action)).toEqual(
      expect.arrayContaining(['copy.number-allocated', 'copy.certified', 'copy.annulled']),
    );
    const all = await call('GET', '/api/v1/audit?limit=10000', { token: s.auditorToken });
    const actions = new Set(all.json.items.map((x: any) => x.action));
    for (const a of ['authority.created', 'register.exported', 'signing.credential.register']) expect(actions).toContain(a);
    expect(JSON.stringify(all.json)).not.toContain('246810');
    expect(JSON.stringify(all.json)).not.toContain('135790');
    const chain = await call('POST', '/api/v1/audit/verify', { token: s.auditorToken, json: {} });
    expect(chain.status, JSON.stringify(chain.json)).toBe(200);
    expect(chain.json.ok, JSON.stringify(chain.json)).toBe(true);
  });
});
