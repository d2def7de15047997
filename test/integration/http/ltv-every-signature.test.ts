import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOcspResponse } from '../../../src/cms/ocsp.js';
import { PdfDocument } from '../../../src/pdf/syntax/document.js';
import { PdfStream } from '../../../src/pdf/syntax/objects.js';
import { call, startHarness, type Harness } from './harness.js';

/**
 * B-LT on a document that already holds a signature: the /DSS added with the new signature must
 * carry validation data for the earlier signer and its timestamp too (ETSI EN 319 142-1 §5.4.2),
 * not only for the new signer.
 */
let h: Harness;
let token: string;
const PW = 'mật khẩu';
const example = readFileSync(new URL('../../../examples/quyet-dinh.pdf', import.meta.url));
const p12s: Record<string, Buffer> = {};
const serials: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  for (const [who, cccd] of [
    ['first', 'CCCD:022090000011'],
    ['second', 'CCCD:022190000022'],
  ] as const) {
    const r = await call(h, 'POST', '/api/v1/certificates', {
      token: h.adminToken,
      json: { profile: 'individual', subject: { commonName: `Người ký ${who}`, uids: [cccd] }, pkcs12Password: PW },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    p12s[who] = Buffer.from(r.json.pkcs12, 'base64');
    serials[who] = r.json.certificate.serial;
  }
  token = (await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'signer', organizationId: 'org_ltv' } })).json
    .token;
});
afterAll(async () => {
  await h?.close();
});

async function sign(pdf: Buffer, who: string, level: string): Promise<Buffer> {
  const fd = new FormData();
  fd.set('pdf', new Blob([pdf], { type: 'application/pdf' }), 'in.pdf');
  fd.set('p12', new Blob([p12s[who]!]), 'me.p12');
  fd.set('options', JSON.stringify({ signer: { kind: 'pkcs12', password: PW }, level }));
  const res = await fetch(`${h.url}/api/v1/sign`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
  expect(res.status, await res.clone().text()).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Serial numbers (hex) the /DSS OCSP responses speak for, and the subjects of its certificates. */
function dssContents(pdf: Buffer): { ocspSerials: string[]; certSerials: string[] } {
  const doc = PdfDocument.open(pdf);
  const dss = doc.getDict(doc.catalog, 'DSS');
  const streams = (key: string) => {
    const arr = doc.resolve(dss?.get(key));
    return (Array.isArray(arr) ? arr : []).map((r) => doc.resolve(r)).filter((s): s is PdfStream => s instanceof PdfStream);
  };
  return {
    ocspSerials: streams('OCSPs').flatMap((s) => parseOcspResponse(doc.streamData(s)).responses.map((r) => r.serialNumber.toString(16))),
    certSerials: streams('Certs').map((s) => new X509Certificate(doc.streamData(s)).serialNumber.toLowerCase()),
  };
}

const norm = (hex: string) => hex.toLowerCase().replace(/^0+/, '');

describe('B-LT over a document with an earlier signature', () => {
  it('ok/the /DSS covers the earlier signer as well as the new one; the verifier labels both B-LT', async () => {
    const first = await sign(example, 'first', 'B-T');
    const second = await sign(first, 'second', 'B-LT');
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    const dss = dssContents(second);
    const ocsp = dss.ocspSerials.map(norm);
    expect(ocsp).toContain(norm(serials.second!));
    expect(ocsp).toContain(norm(serials.first!));
    expect(dss.certSerials.map(norm)).toContain(norm(serials.first!));

    const fd = new FormData();
    fd.set('pdf', new Blob([second], { type: 'application/pdf' }), 'signed.pdf');
    const report = (await (await fetch(`${h.url}/api/v1/verify`, { method: 'POST', body: fd })).json()) as {
      indication: string;
      signatures: { level: string; revocation: unknown[] }[];
    };
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.signatures.map((s) => s.level)).toEqual(['B-LT', 'B-LT']);
  });
});
