import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { AUTHORITY, PIN, caller, certifyForm, freePort, setupCertifierAndAuthority, type Caller, type CopySetup } from '../copies/setup.js';
import { createPki } from '../../../src/app/pki.js';
import { garbage, headerThenNoise, mutualPageTreeLoop, objectStreamBomb, selfReferencingPageTree } from '../../fixtures/hostile-pdfs.js';

/**
 * Hostile originals × every route that parses an uploaded PDF. Each must be refused with a
 * problem+json and a stable code (or, for the public verifier, a FORMAT_FAILURE report) — never
 * a 500 — and a refused certified copy must not spend a register number.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;
let signerPem: string;
const inputs: Record<string, Buffer> = {};

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}` });
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken);
  const issued = await createPki(h.ctx).issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subject: { commonName: 'Lê Văn Tâm', uids: ['CCCD:022198002222'] },
      key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' } },
    },
  );
  signerPem = issued.pem;
  inputs.garbage = garbage();
  inputs['header then noise'] = headerThenNoise();
  inputs['self-referencing page tree'] = selfReferencingPageTree();
  inputs['page tree loop through two nodes'] = mutualPageTreeLoop();
  // 128 MiB of white space in an object stream: about 130 KB on the wire
  inputs['object stream bomb'] = await objectStreamBomb(128 << 20);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

function pdfForm(pdf: Buffer, options: unknown): FormData {
  const fd = new FormData();
  fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'input.pdf');
  fd.set('options', JSON.stringify(options));
  return fd;
}

type Route = (pdf: Buffer) => ReturnType<Caller>;
const routes: Record<string, Route> = {
  'POST /api/v1/copies': (pdf) => call('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { original: pdf }) }),
  'POST /api/v1/sign': (pdf) =>
    call('POST', '/api/v1/sign', {
      token: s.signerToken,
      body: pdfForm(pdf, { signer: { kind: 'credential', credentialId: s.certifierCredential, pin: PIN } }),
    }),
  'POST /api/v1/sign/prepare': (pdf) =>
    call('POST', '/api/v1/sign/prepare', { token: s.signerToken, body: pdfForm(pdf, { certificates: [signerPem] }) }),
  'POST /api/v1/extend': (pdf) => call('POST', '/api/v1/extend', { token: s.signerToken, body: pdfForm(pdf, {}) }),
  'POST /api/v1/verify': (pdf) => call('POST', '/api/v1/verify', { body: pdfForm(pdf, {}) }),
};

const PDF_REFUSALS = ['PDF_NOT_PDF', 'PDF_MALFORMED', 'PDF_LIMIT_EXCEEDED', 'VERIFY_UNREADABLE'];

describe('hostile originals on every PDF route', () => {
  const names = ['garbage', 'header then noise', 'self-referencing page tree', 'page tree loop through two nodes', 'object stream bomb'];
  for (const input of names)
    for (const route of Object.keys(routes))
      it(`fail/${input} → ${route}: refused with a code, never 500`, async () => {
        const started = Date.now();
        const r = await routes[route]!(inputs[input]!);
        expect(Date.now() - started, 'answered within the parse time budget').toBeLessThan(25_000);
        if (route === 'POST /api/v1/verify' && r.status === 200) {
          // the verifier answers with a report: nothing in the file can be validated
          expect(r.json.signatures).toEqual([]);
          expect(['TOTAL_FAILED', 'INDETERMINATE']).toContain(r.json.indication);
          if (input === 'object stream bomb') expect(r.json.errors).toContain('LIMIT_INFLATE');
          return;
        }
        expect(r.status, JSON.stringify(r.json)).toBeGreaterThanOrEqual(400);
        expect(r.status, JSON.stringify(r.json)).toBeLessThan(500);
        expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        if (input === 'object stream bomb') return void expect(r.json.code, JSON.stringify(r.json)).toBe('PDF_LIMIT_EXCEEDED');
        // extending a readable file that carries no signature is a validation refusal
        const codes = route === 'POST /api/v1/extend' ? [...PDF_REFUSALS, 'VALIDATION_FAILED'] : PDF_REFUSALS;
        expect(codes, JSON.stringify(r.json)).toContain(r.json.code);
        // a malformed original is a bad request (400), never a server error
        if (r.json.code === 'PDF_MALFORMED') expect(r.status).toBe(400);
      }, 60_000);

  it('fail/a 1 GiB object-stream bomb (about 1 MB on the wire) → copies refuses it at once, memory flat, /health answers meanwhile', async () => {
    const bomb = await objectStreamBomb(1 << 30);
    expect(bomb.length).toBeLessThan(1.5 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const started = Date.now();
    const copy = routes['POST /api/v1/copies']!(bomb);
    const health = (async () => {
      const t0 = Date.now();
      const r = await call('GET', '/health');
      return { status: r.status, ms: Date.now() - t0 };
    })();
    const [r, hr] = await Promise.all([copy, health]);
    clearInterval(sampler);
    const ms = Date.now() - started;
    console.log(
      `1 GiB bomb on copies: ${r.status} ${r.json?.code} in ${ms} ms; RSS ${Math.round(before / 2 ** 20)} → peak ${Math.round(peak / 2 ** 20)} MB; /health ${hr.status} in ${hr.ms} ms`,
    );
    expect(r.status, JSON.stringify(r.json)).toBe(422);
    expect(r.json.code).toBe('PDF_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(5_000);
    expect(hr.status).toBe(200);
    expect(hr.ms).toBeLessThan(2_000);
    // the reader stops at the inflate limit (ratio × encoded size, at most 64 MiB): far from 1 GiB
    expect((peak - before) / 2 ** 20).toBeLessThan(200);
  }, 120_000);

  it('fail/a scanned page whose PNG header declares a 12000 × 12000 canvas → IMAGE_INVALID (pixels) before any decoding', async () => {
    const fd = certifyForm(s, { images: [hugeCanvasPng(12_000, 12_000)] });
    const r = await call('POST', '/api/v1/copies', { token: s.certifierToken, body: fd });
    expect(r.status, JSON.stringify(r.json)).toBe(422);
    expect(r.json.code).toBe('IMAGE_INVALID');
    expect(r.json.details).toMatchObject({ page: 1, limit: 'pixels' });
  });

  it('ok/no refused original spent a register number', async () => {
    const r = await call('GET', `/api/v1/copies?authority=${AUTHORITY}&limit=1000`, { token: s.auditorToken });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.items).toEqual([]);
  });
});

/** PNG signature, IHDR (8-bit RGB), pHYs (300 dpi) and a tiny IDAT: small file, huge declared canvas (PNG spec §11.2.2). */
function hugeCanvasPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const phys = Buffer.alloc(9);
  phys.writeUInt32BE(11811, 0);
  phys.writeUInt32BE(11811, 4);
  phys[8] = 1;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('pHYs', phys),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
