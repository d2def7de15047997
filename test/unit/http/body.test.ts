import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMultipart, readRawBody, requireFile } from '../../../src/http/body.js';
import { sendProblem } from '../../../src/http/problem.js';

let url = '';
let close: () => void = () => undefined;
beforeAll(async () => {
  const app = express();
  app.post('/mp', (req, res) => {
    readMultipart(req, { fileBytes: 1000 })
      .then((b) => {
        const f = requireFile(b, 'pdf');
        res.json({ name: f.filename, size: f.data.length, first: f.data.subarray(0, 5).toString('latin1'), fields: b.fields });
      })
      .catch((e) => sendProblem(req, res, e));
  });
  app.post('/raw', (req, res) => {
    readRawBody(req, 100)
      .then((b) => res.json({ size: b.length }))
      .catch((e) => sendProblem(req, res, e));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

function form(size: number, field = 'pdf') {
  const fd = new FormData();
  fd.set('options', JSON.stringify({ reason: 'Phê duyệt' }));
  fd.set(
    field,
    new Blob([Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(Math.max(0, size - 5), 0x20)])], { type: 'application/pdf' }),
    'kết quả.pdf',
  );
  return fd;
}

describe('multipart and raw bodies', () => {
  it('ok/reads a file and fields (UTF-8 names intact)', async () => {
    const r = await fetch(url + '/mp', { method: 'POST', body: form(500) });
    expect((await r.json()) as unknown).toEqual({
      name: 'kết quả.pdf',
      size: 500,
      first: '%PDF-',
      fields: { options: '{"reason":"Phê duyệt"}' },
    });
  });
  it('fail/file over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await fetch(url + '/mp', { method: 'POST', body: form(5000) });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('fail/missing file field → 400 VALIDATION_FAILED; not multipart → 415', async () => {
    const r = await fetch(url + '/mp', { method: 'POST', body: form(10, 'other') });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    const r2 = await fetch(url + '/mp', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(r2.status).toBe(415);
  });
  it('fail/truncated multipart → 400 BAD_REQUEST', async () => {
    const r = await fetch(url + '/mp', {
      method: 'POST',
      body: '--xx\r\nContent-Disposition: form-data; name="pdf"; filename="a.pdf"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=xx' },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: string }).code).toBe('BAD_REQUEST');
  });
  it('raw body limit', async () => {
    expect(((await (await fetch(url + '/raw', { method: 'POST', body: Buffer.alloc(100) })).json()) as { size: number }).size).toBe(100);
    const r = await fetch(url + '/raw', { method: 'POST', body: Buffer.alloc(101) });
    expect(r.status).toBe(413);
  });
});
