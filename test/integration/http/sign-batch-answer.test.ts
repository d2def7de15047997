import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIN, caller, originalPdf, setupCertifierAndAuthority, type Caller, type CopySetup } from '../copies/setup.js';
import { startHarness, type Harness } from './harness.js';
import { nssDbTrusting, pdfsig, qpdfCheck, tmp } from '../signing/tools.js';
import { pemEncode } from '../../../src/core/bytes.js';

/**
 * The two forms of POST /api/v1/sign/batch's answer, through the real app: JSON with base64
 * documents (the default), or multipart/form-data (RFC 7578) when the client sends
 * `Accept: multipart/form-data` — a `results` JSON part naming each signed document's file part,
 * and the signed PDFs as binary parts, read here with the platform's own `Response.formData()`.
 */
let h: Harness;
let call: Caller;
let s: CopySetup;

beforeAll(async () => {
  h = await startHarness();
  call = caller(h.url);
  s = await setupCertifierAndAuthority(h.ctx, call, h.adminToken, { type: 'rsa', bits: 2048 });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

async function postBatch(pdfs: Buffer[], accept?: string, idempotencyKey?: string): Promise<Response> {
  const fd = new FormData();
  for (const [i, pdf] of pdfs.entries()) fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), `d${i}.pdf`);
  fd.append(
    'options',
    JSON.stringify({ signer: { kind: 'credential', credentialId: s.certifierCredential, pin: PIN }, reason: 'Phê duyệt' }),
  );
  return fetch(`${h.url}/api/v1/sign/batch`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${s.signerToken}`,
      ...(accept ? { accept } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: fd,
  });
}

async function verified(pdf: Buffer): Promise<string> {
  const fd = new FormData();
  fd.append('pdf', new Blob([pdf], { type: 'application/pdf' }), 'signed.pdf');
  const r = await call('POST', '/api/v1/verify', { body: fd });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.indication as string;
}

interface Item {
  index: number;
  ok: boolean;
  file?: string;
  pdf?: string;
  error?: { code: string; message: string };
}

describe('POST /api/v1/sign/batch: the answer as JSON or as multipart/form-data', () => {
  it('ok/Accept: multipart/form-data → results part + one PDF part per signed document; a failed item is only in results; pdfsig and qpdf agree', async () => {
    const pdfs = [await originalPdf(1, 'NHI PHAN 1'), Buffer.from('not a pdf'), await originalPdf(1, 'NHI PHAN 3')];
    const r = await postBatch(pdfs, 'multipart/form-data');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    expect(r.headers.get('vary')).toMatch(/Accept/i);
    const form = await r.formData();
    const answer = JSON.parse(form.get('results') as string) as { authorizationId?: string; results: Item[] };
    expect(answer.authorizationId).toMatch(/^sa_/);
    expect(answer.results).toEqual([
      { index: 0, ok: true, file: 'signed-0' },
      { index: 1, ok: false, error: { code: 'PDF_NOT_PDF', message: 'the upload is not a PDF file' } },
      { index: 2, ok: true, file: 'signed-2' },
    ]);
    // Only the signed documents have a part: the form holds results + two files.
    expect([...form.keys()]).toEqual(['results', 'signed-0', 'signed-2']);
    for (const i of [0, 2]) {
      const file = form.get(`signed-${i}`) as File;
      expect(file.type).toBe('application/pdf');
      expect(file.name).toBe(`signed-${i}.pdf`);
      const signed = Buffer.from(await file.arrayBuffer());
      expect(signed.subarray(0, pdfs[i]!.length).equals(pdfs[i]!)).toBe(true); // an incremental update
      expect(await verified(signed)).toBe('TOTAL_PASSED');
    }
    const path = join(tmp(), 'multipart-0.pdf');
    writeFileSync(path, Buffer.from(await (form.get('signed-0') as File).arrayBuffer()));
    const root = (await h.ctx.store.cas.get('root'))!.certificateDer;
    const checked = pdfsig(path, nssDbTrusting(pemEncode('CERTIFICATE', root)));
    expect(checked, checked.text).toMatchObject({ count: 1, valid: 1 });
    expect(qpdfCheck(path).ok).toBe(true);
    // One audit event for the batch, whatever the answer's form.
    const last = (await h.ctx.audit.list({ action: 'signing.batch', limit: 10_000 })).at(-1)!;
    expect(last).toMatchObject({ outcome: 'failure', details: { documents: 3, signed: 2, failed: [{ index: 1, code: 'PDF_NOT_PDF' }] } });
  }, 60_000);

  it('ok/content negotiation: no Accept, */*, application/json and an Accept the route does not offer all get the JSON answer with base64', async () => {
    const pdf = await originalPdf(1, 'JSON');
    for (const accept of [undefined, '*/*', 'application/json', 'text/html', 'application/json;q=0.5, multipart/form-data;q=0.1']) {
      const r = await postBatch([pdf], accept);
      expect(r.status, String(accept)).toBe(200);
      expect(r.headers.get('content-type'), String(accept)).toMatch(/^application\/json/);
      const body = (await r.json()) as { results: Item[] };
      expect(body.results[0]!.ok).toBe(true);
      expect(body.results[0]!.file).toBeUndefined();
      expect(Buffer.from(body.results[0]!.pdf!, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }
    // Preferred by quality: multipart wins over JSON.
    const r = await postBatch([pdf], 'application/json;q=0.5, multipart/form-data');
    expect(r.headers.get('content-type')).toMatch(/^multipart\/form-data/);
    const form = await r.formData();
    expect(JSON.parse(form.get('results') as string).results).toEqual([{ index: 0, ok: true, file: 'signed-0' }]);
  }, 60_000);

  it('ok/an Idempotency-Key retry of a multipart answer is replayed as the same form, byte for byte, nothing signed twice', async () => {
    const pdf = await originalPdf(1, 'RETRY');
    const key = `batch-answer-${Date.now()}`;
    const before = (await h.ctx.audit.list({ action: 'signing.batch', limit: 10_000 })).length;
    const first = await postBatch([pdf], 'multipart/form-data', key);
    const firstBytes = Buffer.from(await first.clone().arrayBuffer());
    const again = await postBatch([pdf], 'multipart/form-data', key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(Buffer.from(await again.clone().arrayBuffer()).equals(firstBytes)).toBe(true);
    const form = await again.formData();
    expect(JSON.parse(form.get('results') as string).results).toEqual([{ index: 0, ok: true, file: 'signed-0' }]);
    expect((await h.ctx.audit.list({ action: 'signing.batch', limit: 10_000 })).length).toBe(before + 1);
  }, 60_000);

  it('fail/a refused batch is problem+json whatever the Accept', async () => {
    const r = await postBatch([], 'multipart/form-data');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await r.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  }, 60_000);
});
