/**
 * Test helpers for validating our own signatures: a base PDF (pdf-lib), signing with the
 * project's placement (src/pdf/sign) and CMS builder (src/cms), CRLs signed with the fixture CA
 * key, and raw incremental updates (ISO 32000-1 §7.5.6) to simulate later changes and attacks.
 */
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { algId, bits, enumerated, int, octets, oid, seq, utcTime } from '../../../src/core/der.js';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { preparePdfSignature, type PrepareOptions } from '../../../src/pdf/sign/index.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { certInfo } from '../../../src/pki/path/cert.js';
import { openForVerification } from '../../../src/pdf/verify/reader.js';
import { Budget, DEFAULT_LIMITS } from '../../../src/pdf/verify/limits.js';
import type { TestCa, TestSigner } from '../../fixtures/pki-fixture.js';

export async function basePdf(o: { pages?: number; objectStreams?: boolean } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (o.pages ?? 2); i++) {
    const p = doc.addPage([595, 842]);
    p.drawText(`Result page ${i + 1}: approved`, { x: 50, y: 780, size: 14, font });
  }
  doc.setCreationDate(new Date('2026-01-01T00:00:00Z'));
  doc.setModificationDate(new Date('2026-01-01T00:00:00Z'));
  return Buffer.from(await doc.save({ useObjectStreams: o.objectStreams ?? false }));
}

export async function signPdf(
  pdf: Buffer,
  signer: TestSigner,
  o: PrepareOptions & { timestamp?: (signatureValue: Buffer) => Promise<Buffer> } = {},
): Promise<Buffer> {
  const { timestamp, ...prep } = o;
  const prepared = preparePdfSignature(pdf, { signingTime: new Date(), ...prep });
  const cms = await signDetachedCms({
    contentDigest: prepared.digest('sha256'),
    signer: keyObjectSigner(signer.key),
    signerCertificate: signer.certDer,
    certificates: signer.chain,
    ...(timestamp ? { timestamp } : {}),
  });
  return prepared.embed(cms);
}

/** A v2 CRL (RFC 5280 §5.1) signed with the CA's key (sha256WithRSAEncryption or ECDSA). */
export function makeCrl(
  ca: TestCa,
  o: { revoked?: { serial: bigint; at: Date; reason?: number }[]; thisUpdate: Date; nextUpdate: Date },
): Buffer {
  const key = createPrivateKey(readFileSync(ca.keyPath));
  const rsa = key.asymmetricKeyType === 'rsa';
  const alg = rsa ? algId('1.2.840.113549.1.1.11', 'null') : algId('1.2.840.10045.4.3.2');
  const issuer = certInfo(ca.certDer).subjectDer;
  const parts = [int(1), alg, issuer, utcTime(o.thisUpdate), utcTime(o.nextUpdate)];
  // crlEntryExtensions with a reasonCode (RFC 5280 §5.3.1) when a reason is given
  const entry = (r: { serial: bigint; at: Date; reason?: number }) =>
    r.reason === undefined
      ? seq(int(r.serial), utcTime(r.at))
      : seq(int(r.serial), utcTime(r.at), seq(seq(oid('2.5.29.21'), octets(enumerated(r.reason)))));
  if (o.revoked?.length) parts.push(seq(...o.revoked.map(entry)));
  const tbs = seq(...parts);
  const sig = nodeSign('sha256', tbs, key);
  return seq(tbs, alg, bits(sig));
}

/**
 * Appends an incremental update replacing/adding objects (`num` → object body without
 * "n 0 obj"), with a classic xref table and a trailer pointing at the previous section.
 */
export function appendUpdate(pdf: Buffer, objects: Record<number, string>): Buffer {
  const raw = openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
  const last = raw.revisions[raw.revisions.length - 1]!;
  const prev = last.sections[0]!.offset;
  const size = Math.max(Number(raw.trailerValue('Size') ?? 0), ...Object.keys(objects).map((n) => Number(n) + 1));
  const root = raw.trailerValue('Root') as { num: number; gen: number };
  let body = pdf[pdf.length - 1] === 0x0a ? '' : '\n';
  const offsets: [number, number][] = [];
  for (const [n, text] of Object.entries(objects)) {
    offsets.push([Number(n), pdf.length + Buffer.byteLength(body, 'latin1')]);
    body += `${n} 0 obj\n${text}\nendobj\n`;
  }
  const xrefAt = pdf.length + Buffer.byteLength(body, 'latin1');
  body += 'xref\n0 1\n0000000000 65535 f \n';
  for (const [n, off] of offsets) body += `${n} 1\n${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${size} /Root ${root.num} ${root.gen} R /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(body, 'latin1')]);
}

/** Object number and current text of a page dictionary (for building updates). */
export function pageInfo(pdf: Buffer, index = 0): { num: number; contents: number } {
  const raw = openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
  const cat = raw.catalog()!;
  const pages = raw.resolve(cat.get('Pages')) as { get(k: string): unknown };
  const kids = raw.resolve(pages.get('Kids') as never) as { num: number }[];
  const num = kids[index]!.num;
  const page = raw.object(num) as { get(k: string): unknown };
  const c = page.get('Contents') as { num: number } | { num: number }[];
  return { num, contents: Array.isArray(c) ? c[0]!.num : c.num };
}

export const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** Source text of an object's dictionary as written in the file (for editing in an update). */
export function dictText(pdf: Buffer, num: number): string {
  const raw = openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
  const d = raw.object(num) as { start: number; end: number };
  return pdf.toString('latin1', d.start, d.end);
}
