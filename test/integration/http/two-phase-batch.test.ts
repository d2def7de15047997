import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { sign as rsaSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueSigner, sharedTestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { call, signerToken, startHarness, type Harness } from './harness.js';

/**
 * The two-phase batch routes a USB token's batch uses (POST /api/v1/sign/prepare/batch and
 * /complete/batch) over HTTP: one session or one error per file, the token's signatures made here
 * with the signer's key as the token would, scope per session, malformed requests refused whole.
 */
const EXAMPLE = readFileSync(fileURLToPath(new URL('../../../examples/quyet-dinh.pdf', import.meta.url)));

let h: Harness;
let work: string;
let signer: TestSigner;
let giang: string;
let binh: string;

interface Prepared {
  index: number;
  ok: boolean;
  session?: { sessionId: string; algorithm: string; signedAttributes: string; digest: string };
  error?: { code: string };
}

beforeAll(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'kyso-2p-batch-'));
  signer = issueSigner(sharedTestCa(), { cn: 'Nguyễn Thị Hương Giang' });
  giang = await signerToken(h, 'can-bo-giang');
  binh = await signerToken(h, 'can-bo-binh');
}, 60_000);

afterAll(async () => {
  await h?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function prepare(token: string, pdfs: Buffer[], options: unknown = { certificates: signer.chain.map((c) => c.toString('base64')) }) {
  const fd = new FormData();
  fd.append('options', typeof options === 'string' ? options : JSON.stringify(options));
  for (const [i, p] of pdfs.entries()) fd.append('pdf', new Blob([p], { type: 'application/pdf' }), `f${i}.pdf`);
  const res = await fetch(`${h.url}/api/v1/sign/prepare/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: fd,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    json: (await res.json()) as { results: Prepared[]; code?: string },
  };
}

/** What the token does: RSA PKCS#1 v1.5 over the DER signed attributes. */
const tokenSignature = (p: Prepared) =>
  rsaSign('sha256', Buffer.from(p.session!.signedAttributes, 'base64'), signer.key).toString('base64');

const complete = (token: string, items: unknown) => call(h, 'POST', '/api/v1/sign/complete/batch', { token, json: { items } });
const eventCount = async () => (await h.ctx.audit.list({ limit: 100_000 })).length;
const events = async (action: string) => h.ctx.audit.list({ action, limit: 10_000, order: 'asc' });

describe('POST /api/v1/sign/prepare/batch + /complete/batch', () => {
  it('prepares each file (a damaged one fails alone), completes each signature; one audit event per request listing the documents; pdfsig accepts every output', async () => {
    const p = await prepare(giang, [EXAMPLE, Buffer.from('%PDF-1.7 not really'), EXAMPLE]);
    expect(p.status).toBe(200);
    expect(p.json.results.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(p.json.results[1]!.error!.code).toMatch(/^[A-Z_]+$/);
    const ok = p.json.results.filter((r) => r.ok);
    const prepared = (await events('signing.prepare.batch')).at(-1)!;
    expect(prepared).toMatchObject({ actor: 'can-bo-giang', outcome: 'failure' });
    expect(prepared.details).toMatchObject({
      documents: 3,
      signed: 2,
      failed: [{ index: 1 }],
      sessions: ok.map((r) => expect.objectContaining({ index: r.index, session: r.session!.sessionId }) as unknown),
    });

    const c = await complete(
      giang,
      ok.map((r) => ({ sessionId: r.session!.sessionId, signature: tokenSignature(r) })),
    );
    expect(c.status).toBe(200);
    const results = c.json.results as Array<{ index: number; ok: boolean; pdf: string }>;
    expect(results.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
    for (const [i, r] of results.entries()) {
      const pdf = Buffer.from(r.pdf, 'base64');
      expect(pdf.subarray(0, EXAMPLE.length).equals(EXAMPLE)).toBe(true);
      const file = join(work, `out-${i}.pdf`);
      writeFileSync(file, pdf);
      expect(execFileSync('pdfsig', [file], { encoding: 'utf8' })).toMatch(/Signature Validation: Signature is Valid\./);
    }
    const completed = (await events('signing.complete.batch')).at(-1)!;
    expect(completed).toMatchObject({ actor: 'can-bo-giang', outcome: 'success' });
    expect(completed.details).toMatchObject({ documents: 2, signed: 2, sessions: ok.map((r) => r.session!.sessionId) });
    expect((completed.details as { signatures: unknown[] }).signatures).toHaveLength(2);
    // A completed session is single use.
    const again = await complete(giang, [{ sessionId: ok[0]!.session!.sessionId, signature: tokenSignature(ok[0]!) }]);
    expect(again.json.results[0]).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('another official’s sessions are refused item by item and stay usable by their owner; a wrong signature fails alone and can be retried', async () => {
    const p = await prepare(giang, [EXAMPLE, EXAMPLE]);
    const [a, b] = p.json.results;
    const items = [a!, b!].map((r) => ({ sessionId: r.session!.sessionId, signature: tokenSignature(r) }));
    const stolen = await complete(binh, items);
    expect(stolen.status).toBe(200);
    expect(stolen.json.results.map((r: { ok: boolean; error?: { code: string }; pdf?: string }) => [r.ok, r.error?.code, r.pdf])).toEqual([
      [false, 'FORBIDDEN', undefined],
      [false, 'FORBIDDEN', undefined],
    ]);
    for (const r of [a!, b!]) expect((await h.ctx.store.signSessions.get(r.session!.sessionId))!.usedAt).toBeNull();

    const mixed = await complete(giang, [items[0], { sessionId: b!.session!.sessionId, signature: tokenSignature(a!) }]);
    expect(mixed.json.results.map((r: { ok: boolean; error?: { code: string } }) => [r.ok, r.error?.code])).toEqual([
      [true, undefined],
      [false, 'SIGNATURE_MISMATCH'],
    ]);
    const retry = await complete(giang, [items[1]]);
    expect(retry.json.results[0]).toMatchObject({ index: 0, ok: true });
  });

  it('each item on its own within one request: a session named twice is completed once (the second item CONFLICT), an unknown one fails alone; each output keeps the whole placeholder: the CMS in hex, then zero digits', async () => {
    const p = await prepare(giang, [EXAMPLE, EXAMPLE]);
    const [a, b] = p.json.results;
    const item = (r: Prepared) => ({ sessionId: r.session!.sessionId, signature: tokenSignature(r) });
    const c = await complete(giang, [item(a!), item(a!), { sessionId: 'ss_unknown', signature: tokenSignature(b!) }, item(b!)]);
    expect(c.status).toBe(200);
    const results = c.json.results as Array<{ index: number; ok: boolean; pdf?: string; error?: { code: string } }>;
    expect(results.map((r) => [r.index, r.ok, r.error?.code])).toEqual([
      [0, true, undefined],
      [1, false, 'CONFLICT'],
      [2, false, 'SESSION_NOT_FOUND'],
      [3, true, undefined],
    ]);
    for (const r of [results[0]!, results[3]!]) {
      const pdf = Buffer.from(r.pdf!, 'base64');
      const [, start, end] = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)/.exec(pdf.toString('latin1'))!.slice(0, 3).map(Number) as [
        number,
        number,
        number,
      ];
      // the gap: '<', the CMS in hex, zero digits up to '>' (nothing lost with the stored zeros)
      const gap = pdf.subarray(start, end).toString('latin1');
      expect(gap).toMatch(/^<3082[0-9a-f]+?0{1000,}>$/);
      expect(gap.length).toBeGreaterThan(4096);
      const file = join(work, `dup-${r.index}.pdf`);
      writeFileSync(file, pdf);
      expect(execFileSync('pdfsig', [file], { encoding: 'utf8' })).toMatch(/Signature Validation: Signature is Valid\./);
    }
    // the session kept the prepared file without the placeholder's zero digits
    const kept = (await h.ctx.store.signSessions.get(a!.session!.sessionId))!;
    expect(kept.usedAt).not.toBeNull();
    const [, gapStart, gapEnd, after] = kept.byteRange;
    expect(kept.preparedPdf.length).toBe(gapStart + after);
    expect(Buffer.from(results[0]!.pdf!, 'base64').length).toBe(gapEnd + after);
  });

  it('with Accept: multipart/form-data the completion answers an RFC 7578 form: results naming each signed file part, the PDFs as they are (pdfsig accepts them), a failed item only in results', async () => {
    const p = await prepare(giang, [EXAMPLE, EXAMPLE], {
      certificates: signer.chain.map((c) => c.toString('base64')),
      completion: 'signature',
    });
    const [a, b] = p.json.results;
    const res = await fetch(`${h.url}/api/v1/sign/complete/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${giang}`, 'content-type': 'application/json', accept: 'multipart/form-data' },
      body: JSON.stringify({
        items: [
          { sessionId: a!.session!.sessionId, signature: tokenSignature(a!) },
          { sessionId: b!.session!.sessionId, signature: tokenSignature(a!) },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    const form = await res.formData();
    const { results } = JSON.parse(form.get('results') as string) as {
      results: Array<{ index: number; ok: boolean; file?: string; error?: { code: string } }>;
    };
    expect(results.map((r) => [r.index, r.ok, r.error?.code])).toEqual([
      [0, true, undefined],
      [1, false, 'SIGNATURE_MISMATCH'],
    ]);
    expect([...form.keys()].sort()).toEqual(['results', results[0]!.file!].sort());
    const pdf = Buffer.from(await (form.get(results[0]!.file!) as Blob).arrayBuffer());
    expect(pdf.subarray(0, EXAMPLE.length).equals(EXAMPLE)).toBe(true);
    const file = join(work, 'multipart-answer.pdf');
    writeFileSync(file, pdf);
    expect(execFileSync('pdfsig', [file], { encoding: 'utf8' })).toMatch(/Signature Validation: Signature is Valid\./);
  });

  it('malformed requests are refused whole with problem+json 4xx and change nothing', async () => {
    const p = await prepare(giang, [EXAMPLE]);
    const s = p.json.results[0]!;
    const before = await eventCount();
    const refusals = [
      await prepare(giang, []),
      await prepare(giang, [EXAMPLE], '{not json'),
      await prepare(giang, [EXAMPLE], {}),
      await prepare(giang, [EXAMPLE], { certificates: ['not base64 !'] }),
      await prepare(giang, [EXAMPLE], { certificates: signer.chain.map((c) => c.toString('base64')), completion: 'whatever' }),
      await prepare(giang, Array<Buffer>(51).fill(EXAMPLE)),
    ];
    for (const r of refusals) {
      expect(r.status, JSON.stringify(r.json)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.type).toContain('application/problem+json');
    }
    const completes = [
      await call(h, 'POST', '/api/v1/sign/complete/batch', { token: giang, json: {} }),
      await complete(giang, []),
      await complete(giang, Array(51).fill({ sessionId: s.session!.sessionId, signature: tokenSignature(s) })),
      await complete(giang, [{ sessionId: s.session!.sessionId, signature: 'not base64 !' }]),
      await complete(giang, [{ sessionId: s.session!.sessionId, signature: tokenSignature(s), extra: 1 }]),
      await call(h, 'POST', '/api/v1/sign/complete/batch', { token: giang, body: 'items', headers: { 'content-type': 'text/plain' } }),
    ];
    for (const r of completes) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await eventCount()).toBe(before);
    expect((await h.ctx.store.signSessions.get(s.session!.sessionId))!.usedAt).toBeNull();
  });
});
