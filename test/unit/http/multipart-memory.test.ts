import express from 'express';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMultipart } from '../../../src/http/body.js';
import { parseMemoryMultipart, strictBoundary } from '../../../src/http/multipart-memory.js';
import { sendProblem } from '../../../src/http/problem.js';

// Two routes with the same limits: /memory reads a small body whole (./multipart-memory.ts, or
// busboy over the buffered bytes when the body is outside its subset), /stream always streams it
// through busboy. Whatever the body, both must answer the same: same parts or same problem.
let url = '';
let close: () => void = () => undefined;
beforeAll(async () => {
  const app = express();
  for (const [path, memoryPartBytes] of [
    ['/memory', 64 * 1024],
    ['/stream', 0],
  ] as const) {
    app.post(path, (req, res) => {
      const q = req.query as Record<string, string>;
      readMultipart(req, {
        fileBytes: Number(q.fileBytes ?? 1000),
        requestBytes: Number(q.requestBytes ?? 2500),
        files: Number(q.files ?? 5),
        fields: Number(q.fields ?? 3),
        fieldBytes: Number(q.fieldBytes ?? 200),
        memoryPartBytes,
      })
        .then((b) =>
          res.json({
            files: b.files.map((f) => ({
              field: f.field,
              filename: f.filename,
              mimeType: f.mimeType,
              size: f.size,
              data: f.data.toString('base64'),
            })),
            fields: b.fields,
          }),
        )
        .catch((e) => sendProblem(req, res, e));
    });
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

/** Posts raw bytes with an exact Content-Length; resolves with status and JSON (problem bodies reduced to what both routes share). */
function post(path: string, body: Buffer, contentType: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const { code, detail, details } = json;
        resolve({ status: res.statusCode ?? 0, json: res.statusCode === 200 ? json : { code, detail, details } });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function both(body: Buffer, contentType: string, query = '') {
  const [memory, stream] = await Promise.all([post('/memory' + query, body, contentType), post('/stream' + query, body, contentType)]);
  expect(memory).toEqual(stream);
  return memory;
}

const B = 'kyso-test-boundary';
const CT = `multipart/form-data; boundary=${B}`;
type Part = { name: string; filename?: string; type?: string; data: string | Buffer; extra?: string };
function body(parts: Part[], o: { preamble?: string; epilogue?: string; close?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [Buffer.from(o.preamble ?? '')];
  for (const p of parts) {
    const file = p.filename !== undefined ? `; filename="${p.filename}"` : '';
    const type = p.type !== undefined ? `\r\nContent-Type: ${p.type}` : '';
    chunks.push(
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="${p.name}"${file}${type}${p.extra ?? ''}\r\n\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  if (o.close !== false) chunks.push(Buffer.from(`--${B}--\r\n${o.epilogue ?? ''}`));
  return Buffer.concat(chunks);
}

const LIMITS = { fileBytes: 1000, requestBytes: 2500, files: 5, fields: 3, fieldBytes: 200, parts: 100 };

describe('multipart read whole from memory (strict subset, busboy the reference)', () => {
  it('ok/a typical batch body is read in memory: files by arrival order, UTF-8 names, default and lower-cased types, base names', async () => {
    const b = body([
      { name: 'pdf', filename: 'kết quả.pdf', type: 'application/pdf', data: '%PDF-1.7 one' },
      { name: 'pdf', filename: '/home/an/hồ sơ.pdf', type: 'Application/PDF', data: '%PDF-1.7 two' },
      { name: 'pdf', filename: '../x/..', data: '' },
      { name: 'blob', type: 'application/octet-stream', data: Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d]) },
      { name: 'options', data: '{"reason":"Phê duyệt"}' },
    ]);
    const parts = parseMemoryMultipart(b, B, LIMITS);
    expect(parts).toEqual([
      { kind: 'file', field: 'pdf', filename: 'kết quả.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.7 one') },
      { kind: 'file', field: 'pdf', filename: 'hồ sơ.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.7 two') },
      { kind: 'file', field: 'pdf', filename: '', mimeType: 'text/plain', data: Buffer.alloc(0) },
      {
        kind: 'file',
        field: 'blob',
        filename: undefined,
        mimeType: 'application/octet-stream',
        data: Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d]),
      },
      { kind: 'field', name: 'options', value: '{"reason":"Phê duyệt"}' },
    ]);
    const r = await both(b, CT);
    expect(r.status).toBe(200);
    expect((r.json as { files: unknown[] }).files).toHaveLength(4);
  });

  it('ok/a quoted boundary parameter; an empty form', async () => {
    expect(strictBoundary(`multipart/form-data; boundary="${B}"`)).toBe(B);
    expect(parseMemoryMultipart(Buffer.from(`--${B}--\r\n`), B, LIMITS)).toEqual([]);
    expect((await both(body([{ name: 'f', data: 'v' }]), `multipart/form-data; boundary="${B}"`)).status).toBe(200);
    expect((await both(Buffer.from(`--${B}--\r\n`), CT)).json).toEqual({ files: [], fields: {} });
  });

  it('ok/bodies outside the subset are left to busboy (undefined here) and answered alike by both routes', async () => {
    const outside: Array<[string, Buffer]> = [
      ['preamble', body([{ name: 'f', data: 'v' }], { preamble: 'hello\r\n' })],
      ['no close delimiter', body([{ name: 'pdf', filename: 'a.pdf', data: 'abc' }], { close: false })],
      ['folded header', Buffer.from(`--${B}\r\nContent-Disposition: form-data;\r\n name="f"\r\n\r\nv\r\n--${B}--`)],
      [
        'filename*',
        Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename*=utf-8''k%E1%BA%BFt.pdf\r\n\r\nv\r\n--${B}--`),
      ],
      ['escaped quote', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\nv\r\n--${B}--`)],
      ['other header', body([{ name: 'f', filename: 'a.pdf', data: 'x', extra: '\r\nContent-Transfer-Encoding: binary' }])],
      ['no disposition', Buffer.from(`--${B}\r\nContent-Type: text/plain\r\n\r\nv\r\n--${B}--`)],
      ['charset parameter', body([{ name: 'f', type: 'text/plain; charset=latin1', data: 'caf\xe9' }])],
      ['empty filename', body([{ name: 'f', filename: '', data: 'x' }])],
      ['empty name', body([{ name: '', data: 'x' }])],
      ['LF line ends', Buffer.from(`--${B}\nContent-Disposition: form-data; name="f"\n\nv\n--${B}--`)],
      ['junk after a delimiter', Buffer.from(`--${B}xx\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n--${B}--`)],
      ['unterminated header', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"`)],
      ['empty body', Buffer.alloc(0)],
    ];
    for (const [what, b] of outside) {
      expect(parseMemoryMultipart(b, B, LIMITS), what).toBeUndefined();
      const r = await both(b, CT);
      expect(r.status, what).toBeLessThan(500);
    }
    // malformed ones get busboy's clear 400
    expect((await both(outside[1]![1], CT)).json).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('fail/limits: the same PAYLOAD_TOO_LARGE as the streaming path, in the same order', async () => {
    const cases: Array<[string, Buffer, string]> = [
      [
        'file of exactly fileBytes',
        body([{ name: 'pdf', filename: 'a.pdf', data: Buffer.alloc(1000, 0x41) }]),
        'upload exceeds 1000 bytes',
      ],
      ['file over fileBytes', body([{ name: 'pdf', filename: 'a.pdf', data: Buffer.alloc(1500, 0x41) }]), 'upload exceeds 1000 bytes'],
      [
        'files together over requestBytes',
        body(Array.from({ length: 3 }, (_, i) => ({ name: 'pdf', filename: `${i}.pdf`, data: Buffer.alloc(900, 0x41) }))),
        'the parts of this request exceed 2500 bytes together',
      ],
      [
        'too many files',
        body(Array.from({ length: 6 }, (_, i) => ({ name: 'pdf', filename: `${i}.pdf`, data: 'x' }))),
        'too many files in upload',
      ],
      ['too many fields', body(Array.from({ length: 4 }, (_, i) => ({ name: `f${i}`, data: 'x' }))), 'too many form fields'],
      ['field too large', body([{ name: 'options', data: 'x'.repeat(200) }]), 'form field options too large'],
    ];
    for (const [what, b, detail] of cases) {
      const r = await both(b, CT);
      expect(r.status, what).toBe(413);
      expect(r.json, what).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail });
      expect(() => parseMemoryMultipart(b, B, LIMITS), what).toThrow(detail);
    }
    // busboy refuses the 100th part (its parts limit), even when it is the last one
    const many = body(Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    const r = await both(many, CT, '?fields=200&files=200');
    expect(r.json).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: 'too many parts in upload' });
    expect(
      (await both(body(Array.from({ length: 99 }, (_, i) => ({ name: `f${i}`, data: 'x' }))), CT, '?fields=200&files=200')).status,
    ).toBe(200);
  });

  it('fail/randomly damaged bodies never crash or hang: both routes answer alike, never 5xx', async () => {
    const base = body([
      { name: 'pdf', filename: 'a.pdf', type: 'application/pdf', data: '%PDF-1.7 aaaa' },
      { name: 'pdf', filename: 'b.pdf', type: 'application/pdf', data: '%PDF-1.7 bbbb' },
      { name: 'options', data: '{"reason":"x"}' },
    ]);
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = Buffer.from(`\r\n-"\\;:=/ ${B.slice(0, 3)}aZ\x00\xff`, 'latin1');
    for (let k = 0; k < 150; k++) {
      const b = Buffer.from(base);
      const edits = 1 + rand(3);
      let damaged: Buffer = b;
      for (let e = 0; e < edits; e++) {
        const at = rand(damaged.length);
        const op = rand(3);
        if (op === 0) damaged[at] = alphabet[rand(alphabet.length)]!;
        else if (op === 1) damaged = Buffer.concat([damaged.subarray(0, at), damaged.subarray(at + 1 + rand(4))]);
        else damaged = Buffer.concat([damaged.subarray(0, at), Buffer.from([alphabet[rand(alphabet.length)]!]), damaged.subarray(at)]);
      }
      const r = await both(damaged, CT);
      expect(r.status, `case ${k}`).toBeLessThan(500);
    }
  });
});
