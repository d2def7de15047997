import express from 'express';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMultipart, readRawBody, requireFile } from '../../../src/http/body.js';
import { sendProblem } from '../../../src/http/problem.js';

let url = '';
let close: () => void = () => undefined;
// a private temp dir for this file's spools, so leftovers can be counted exactly
const spoolRoot = mkdtempSync(join(tmpdir(), 'kyso-body-test-'));
process.env.TMPDIR = spoolRoot;
let seenDuringHandler: Array<{ mode: number; dirMode: number }> = [];
beforeAll(async () => {
  const app = express();
  app.post('/many', (req, res) => {
    readMultipart(req, { fileBytes: 1000, requestBytes: 2500, files: 20 })
      .then((b) => {
        seenDuringHandler = b.files.map((_f, i) => {
          const dir = readdirSync(spoolRoot).find((d) => d.startsWith('kyso-upload-'))!;
          const file = readdirSync(join(spoolRoot, dir))[i]!;
          return { mode: statSync(join(spoolRoot, dir, file)).mode & 0o777, dirMode: statSync(join(spoolRoot, dir)).mode & 0o777 };
        });
        res.json({ sizes: b.files.map((f) => f.data.length), total: b.files.reduce((n, f) => n + f.size, 0) });
      })
      .catch((e) => sendProblem(req, res, e));
  });
  app.post('/mp', (req, res) => {
    readMultipart(req, { fileBytes: 1000 })
      .then((b) => {
        const f = requireFile(b, 'pdf');
        res.json({ name: f.filename, size: f.data.length, first: f.data.subarray(0, 5).toString('latin1'), fields: b.fields });
      })
      .catch((e) => sendProblem(req, res, e));
  });
  app.post('/memory', (req, res) => {
    readMultipart(req, { fileBytes: 1000, requestBytes: 2500, files: 20, memoryPartBytes: 500 })
      .then((b) => {
        const dir = readdirSync(spoolRoot).find((d) => d.startsWith('kyso-upload-'));
        const spooled = dir ? readdirSync(join(spoolRoot, dir)).map((f) => statSync(join(spoolRoot, dir, f)).mode & 0o777) : [];
        res.json({ data: b.files.map((f) => f.data.toString('latin1')), spooled });
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
  it('fail/many parts each under the file limit but over the request limit together → 413 (scope request), nothing left on disk', async () => {
    const fd = new FormData();
    for (let i = 0; i < 6; i++) fd.append('pdf', new Blob([Buffer.alloc(900, 0x41)]), `p${i}.pdf`);
    const r = await fetch(url + '/many', { method: 'POST', body: fd });
    expect(r.status).toBe(413);
    const p = (await r.json()) as { code: string; details?: { scope?: string; limit?: number } };
    expect(p.code).toBe('PAYLOAD_TOO_LARGE');
    expect(p.details).toEqual({ limit: 2500, scope: 'request' });
    await settle();
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
  it('fail/same parts sent chunked (no Content-Length) are refused while streaming, spool removed', async () => {
    const boundary = 'kysoBoundary';
    const part = (i: number) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="p${i}.pdf"\r\n\r\n${'B'.repeat(900)}\r\n`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        url + '/many',
        { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 6; i++) req.write(part(i));
      req.end(`--${boundary}--\r\n`);
    });
    expect(status).toBe(413);
    await settle();
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
  it('ok/parts within both limits are spooled to 0600 files in a 0700 dir, readable in the handler, removed after the response', async () => {
    const fd = new FormData();
    // a large part then a small one: the files keep the order they were sent in
    fd.append('pdf', new Blob([Buffer.alloc(900, 0x43)]), 'p0.pdf');
    fd.append('pdf', new Blob([Buffer.alloc(100, 0x44)]), 'p1.pdf');
    const r = await fetch(url + '/many', { method: 'POST', body: fd });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ sizes: [900, 100], total: 1000 });
    expect(seenDuringHandler).toEqual([
      { mode: 0o600, dirMode: 0o700 },
      { mode: 0o600, dirMode: 0o700 },
    ]);
    await settle();
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
  it('ok/with memoryPartBytes, parts up to it stay in memory and a larger one goes to a 0600 file; bytes intact either way', async () => {
    const small = 'S'.repeat(500);
    const large = 'L'.repeat(300) + 'M'.repeat(600);
    const fd = new FormData();
    fd.append('pdf', new Blob([small]), 'small.pdf');
    fd.append('pdf', new Blob([large]), 'large.pdf');
    fd.append('pdf', new Blob(['x']), 'tiny.pdf');
    const r = await fetch(url + '/memory', { method: 'POST', body: fd });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ data: [small, large, 'x'], spooled: [0o600] });
    await settle();
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
  it('fail/a client that aborts half way through a part leaves no temp file behind', async () => {
    const boundary = 'kysoAbort';
    const req = request(url + '/many', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="half.pdf"\r\n\r\n${'H'.repeat(500)}`);
    // wait until the part is being spooled, then hang up
    for (let i = 0; i < 100 && readdirSync(spoolRoot).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(spoolRoot).length).toBe(1);
    req.destroy();
    await settle();
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
  it('raw body limit', async () => {
    expect(((await (await fetch(url + '/raw', { method: 'POST', body: Buffer.alloc(100) })).json()) as { size: number }).size).toBe(100);
    const r = await fetch(url + '/raw', { method: 'POST', body: Buffer.alloc(101) });
    expect(r.status).toBe(413);
  });
});

/** The spool is removed on the response's close event, just after the client got the answer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50 && readdirSync(spoolRoot).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
}
