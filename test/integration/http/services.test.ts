import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from './harness.js';
import { extentOf, isSealRed, overlappingWords, ptToPx, pxToMm, renderPage, wordBoxes } from '../../fixtures/layout-checks.js';

/** Signing, verification, TSA and certified-copy routes over the real app. */
let h: Harness;
let dir: string;
let p12: Buffer;
const PW = 'mật khẩu';
const example = readFileSync(new URL('../../../examples/quyet-dinh.pdf', import.meta.url));

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'kyso-svc-http-'));
  const r = await call(h, 'POST', '/api/v1/certificates', {
    token: h.adminToken,
    json: { profile: 'individual', subject: { commonName: 'Nguyễn Văn An', uids: ['CCCD:001204567890'] }, pkcs12Password: PW },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  p12 = Buffer.from(r.json.pkcs12, 'base64');
});
afterAll(async () => {
  await h?.close();
});

async function signerToken(): Promise<string> {
  return (await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'signer', organizationId: 'sub_org' } })).json.token;
}

function signForm(options: object, pdf = example) {
  const fd = new FormData();
  fd.set('pdf', new Blob([pdf], { type: 'application/pdf' }), 'in.pdf');
  fd.set('p12', new Blob([p12]), 'me.p12');
  fd.set('options', JSON.stringify(options));
  return fd;
}

describe('signing, verification, TSA, copies over HTTP', () => {
  it('ok/sign B-T with a PKCS#12 → append-only PDF that /api/v1/verify reports TOTAL_PASSED; HTML rendering too', async () => {
    const token = await signerToken();
    const res = await fetch(`${h.url}/api/v1/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: signForm({ signer: { kind: 'pkcs12', password: PW }, level: 'B-T', reason: 'Phê duyệt' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const signed = Buffer.from(await res.arrayBuffer());
    expect(signed.subarray(0, example.length).equals(example)).toBe(true);

    const fd = new FormData();
    fd.set('pdf', new Blob([signed], { type: 'application/pdf' }), 'signed.pdf');
    const v = await fetch(`${h.url}/api/v1/verify`, { method: 'POST', body: fd });
    const report = (await v.json()) as { indication: string; reportId: string; signatures: unknown[]; signedRevisions: string[] };
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.signatures).toHaveLength(1);
    expect((report as unknown as { presentation: { lang: string; headline: string } }).presentation).toMatchObject({
      lang: 'vi',
      headline: 'HỢP LỆ — văn bản không bị thay đổi sau khi ký',
    });
    const rev = await call(h, 'GET', report.signedRevisions[0]!);
    expect(rev.status).toBe(200);
    expect(rev.body.equals(signed)).toBe(true);

    const ext = await fetch(`${h.url}/api/v1/extend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' },
      body: signed,
    });
    expect(ext.status, await ext.clone().text()).toBe(200);
    const extended = Buffer.from(await ext.arrayBuffer());
    expect(extended.subarray(0, signed.length).equals(signed)).toBe(true);
    const fd3 = new FormData();
    fd3.set('pdf', new Blob([extended], { type: 'application/pdf' }), 'extended.pdf');
    const r3 = (await (await fetch(`${h.url}/api/v1/verify?lang=en`, { method: 'POST', body: fd3 })).json()) as {
      indication: string;
      state: string;
      signatures: { kind: string }[];
      presentation: {
        lang: string;
        state: string;
        headline: string;
        signatures: { time: string; timeProven: boolean; lines: { kind: string }[] }[];
      };
    };
    expect(r3.indication).toBe('TOTAL_PASSED');
    expect(r3.signatures.map((x) => x.kind)).toEqual(['approval', 'documentTimestamp']);
    // B-T then a document timestamp: only extensions after signing, so green; the time is proven
    expect([r3.state, r3.presentation.state, r3.presentation.lang]).toEqual(['valid', 'valid', 'en']);
    expect(r3.presentation.headline).toBe('VALID — the document was not changed after signing');
    expect(r3.presentation.signatures[0]!.timeProven).toBe(true);
    expect(r3.presentation.signatures[0]!.time).toMatch(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(UTC\+7\)$/);
    expect(r3.presentation.signatures[0]!.lines.every((l) => l.kind !== 'error')).toBe(true);

    const fd2 = new FormData();
    fd2.set('pdf', new Blob([signed], { type: 'application/pdf' }), 'signed.pdf');
    const html = await fetch(`${h.url}/api/v1/verify?lang=en`, { method: 'POST', body: fd2, headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/TOTAL_PASSED|passed/i);
  });

  it('fail/signing refusals: wrong PKCS#12 password, non-PDF, no token, missing options', async () => {
    const token = await signerToken();
    const bad = await fetch(`${h.url}/api/v1/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: signForm({ signer: { kind: 'pkcs12', password: 'wrong' } }),
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(((await bad.json()) as { code: string }).code).toBe('PKCS12_FAILED');
    const notPdf = await fetch(`${h.url}/api/v1/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: signForm({ signer: { kind: 'pkcs12', password: PW } }, Buffer.from('hello, not a pdf')),
    });
    expect(((await notPdf.json()) as { code: string }).code).toMatch(/^PDF_/);
    const anon = await fetch(`${h.url}/api/v1/sign`, { method: 'POST', body: signForm({}) });
    expect(anon.status).toBe(401);
    const noSigner = await fetch(`${h.url}/api/v1/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: signForm({ level: 'B-B' }),
    });
    expect(noSigner.status).toBe(400);
    expect(((await noSigner.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('ok/organization stamp over HTTP: the seal at the asked diameter, signing-authority lines; a line without TM./KT./TUQ./Q./TL. → VALIDATION_FAILED', async () => {
    const token = await signerToken();
    const form = (appearance: object) => {
      const fd = signForm({ signer: { kind: 'pkcs12', password: PW }, visible: { page: 1, rect: [200, 60, 360, 130] }, appearance });
      fd.set('image', new Blob([readFileSync('assets/samples/sample-seal-red.png')], { type: 'image/png' }), 'seal.png');
      return fd;
    };
    const post = (fd: FormData) =>
      fetch(`${h.url}/api/v1/sign`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
    const res = await post(
      form({ kind: 'organization', sealDiameterMm: 30, texts: { authorityLines: ['TM. Ủy ban nhân dân'], title: 'Chủ tịch' } }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const page = renderPage('http-organization', Buffer.from(await res.arrayBuffer()));
    const words = wordBoxes(page.pdfPath);
    expect(words.map((w) => w.text).join(' ')).toContain('TM. ỦY BAN NHÂN DÂN CHỦ TỊCH');
    expect(overlappingWords(words)).toEqual([]);
    const win = {
      x0: Math.floor(ptToPx(200)),
      x1: Math.ceil(ptToPx(560)),
      y0: Math.floor(ptToPx(841.89 - 190)),
      y1: Math.ceil(ptToPx(841.89 - 60)),
    };
    const red = extentOf(page.png, isSealRed, win)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 30)).toBeLessThanOrEqual(1);
    const bad = await post(form({ kind: 'organization', texts: { authorityLines: ['Chủ tịch'] } }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('ok/POST /tsa answers openssl ts -query, and openssl ts -verify accepts the reply', async () => {
    const data = join(dir, 'data.txt');
    writeFileSync(data, 'Kết quả giải quyết thủ tục hành chính');
    const q = join(dir, 'q.tsq');
    expect((await run('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', q])).code).toBe(0);
    const r = await call(h, 'POST', '/tsa', { body: readFileSync(q), headers: { 'content-type': 'application/timestamp-query' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/timestamp-reply');
    const tsr = join(dir, 'r.tsr');
    writeFileSync(tsr, r.body);
    for (const id of ['root', 'organizations']) writeFileSync(join(dir, `${id}.pem`), (await call(h, 'GET', `/pki/ca/${id}.pem`)).body);
    const v = await run('openssl', [
      'ts',
      '-verify',
      '-data',
      data,
      '-in',
      tsr,
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'organizations.pem'),
    ]);
    expect(v.out).toMatch(/Verification: OK/);
    const garbage = await call(h, 'POST', '/tsa', {
      body: Buffer.from('garbage'),
      headers: { 'content-type': 'application/timestamp-query' },
    });
    expect(garbage.status).toBe(200);
    const txt = join(dir, 'g.tsr');
    writeFileSync(txt, garbage.body);
    expect((await run('openssl', ['ts', '-reply', '-in', txt, '-text'])).out).toMatch(/Status: Rejected/);
  });

  it('fail/copies: DELETE is refused, a malformed lookup code is 400, unknown entry 404', async () => {
    const cert = (
      await call(h, 'POST', '/api/v1/tokens', {
        token: h.adminToken,
        json: { role: 'certifier', organizationId: 'sub_org', authorityId: 'ubnd-x', officialId: 'off_x' },
      })
    ).json.token;
    const del = await call(h, 'DELETE', '/api/v1/copies/ent_x', { token: cert });
    expect(del.status).toBe(403);
    expect(del.json.code).toBe('DELETE_FORBIDDEN');
    const look = await call(h, 'GET', '/api/v1/copies/lookup?code=nope!');
    expect(look.status).toBe(400);
    expect(look.json.code).toBe('LOOKUP_CODE_INVALID');
    const missing = await call(h, 'GET', '/api/v1/copies/ent_missing', { token: cert });
    expect(missing.json.code).toBe('COPY_NOT_FOUND');
    const auth = await call(h, 'POST', '/api/v1/authorities', {
      token: h.adminToken,
      json: { id: 'ubnd-ha-long', name: 'UBND phường Hạ Long', place: 'phường Hạ Long, tỉnh Quảng Ninh' },
    });
    expect(auth.status, JSON.stringify(auth.json)).toBe(201);
    const list = await call(h, 'GET', '/api/v1/authorities', { token: cert });
    expect(list.json.items.map((a: { id: string }) => a.id)).toContain('ubnd-ha-long');
  });
});
