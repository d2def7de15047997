/** Test-only helpers: a throwaway PKI made with openssl, a CMS signer, and the external checkers. */
import { spawnSync } from 'node:child_process';
import { issueSigner, sharedTestCa } from '../../../fixtures/pki-fixture.js';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signDetachedCms } from '../../../../src/cms/signed-data.js';
import {
  defaultAlgorithmFor,
  hashOf,
  signWithKey,
  type Signer,
  type SignatureAlgorithm,
} from '../../../../src/core/signature-algorithms.js';
import { preparePdfSignature, type PrepareOptions } from '../../../../src/pdf/sign/index.js';

export interface TestPki {
  dir: string;
  rootPem: string;
  rootFile: string;
  leafDer: Buffer;
  rootDer: Buffer;
  key: KeyObject;
  signer: Signer;
}

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Root CA + signer cert from the shared openssl fixture (EKU emailProtection + documentSigning: pdfsig insists on emailProtection). */
export function makePki(
  key: 'rsa2048' | 'rsa3072' | 'p256' | 'p384' = 'rsa2048',
  algorithm?: SignatureAlgorithm,
  cn = 'Nguyễn Văn Test',
): TestPki {
  const ca = sharedTestCa();
  const s = issueSigner(ca, { cn, key });
  const alg = algorithm ?? defaultAlgorithmFor(s.key);
  const signer: Signer = {
    algorithm: alg,
    publicKeySpki: createPublicKey(s.key).export({ type: 'spki', format: 'der' }),
    sign: async (data) => signWithKey(alg, s.key, data),
  };
  return { dir: ca.dir, rootPem: ca.certPem, rootFile: ca.certPath, leafDer: s.certDer, rootDer: ca.certDer, key: s.key, signer };
}

/** prepare → digest → CMS (src/cms builder) → embed. */
export async function signPdf(pdf: Buffer, pki: TestPki, o: PrepareOptions = {}): Promise<Buffer> {
  const prepared = preparePdfSignature(pdf, { placeholderSize: 8192, ...o });
  const hash = hashOf(pki.signer.algorithm);
  const cms = await signDetachedCms({
    contentDigest: prepared.digest(hash),
    signer: pki.signer,
    signerCertificate: pki.leafDer,
    certificates: [pki.leafDer, pki.rootDer],
  });
  return prepared.embed(cms);
}

/** Every /ByteRange + /Contents pair in the file, found by a raw scan (independent of our reader). */
export function signaturesIn(pdf: Buffer): Array<{ byteRange: number[]; cms: Buffer }> {
  const text = pdf.toString('latin1');
  const out: Array<{ byteRange: number[]; cms: Buffer }> = [];
  for (const m of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const br = m.slice(1, 5).map(Number);
    const gap = text.slice(br[1], br[2]);
    if (!/^<[0-9a-fA-F]+>$/.test(gap)) continue;
    let hex = gap.slice(1, -1);
    // strip the zero padding after the DER (a DER length tells the real end; openssl tolerates trailing zeros poorly)
    const der = Buffer.from(hex, 'hex');
    const len = derLength(der);
    hex = '';
    out.push({ byteRange: br, cms: der.subarray(0, len) });
  }
  return out;
}

function derLength(b: Buffer): number {
  if (b[0] !== 0x30) return b.length;
  const l = b[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[2 + i]!;
  return 2 + n + v;
}

export function sh(cmd: string, args: string[], cwd?: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** qpdf --check: exit 0 (2 = errors, 3 = warnings only). */
export function qpdfCheck(file: string): { code: number; out: string } {
  return sh('qpdf', ['--check', file]);
}

/**
 * pdfsig with a fresh NSS database trusting only our root; returns per-signature verdicts.
 * Seen here (poppler 22.12): with `-no-ocsp` every chain is reported "Unknown issue with
 * Certificate", even for a corpus file whose own self-signed cert is trusted; without it the same
 * file is "Certificate is Trusted". Our test certificates carry no AIA, so no OCSP request is
 * ever attempted and leaving OCSP on stays offline.
 */
export function pdfsig(file: string, pki: TestPki, o: { offline?: boolean } = {}): { valid: boolean[]; trusted: boolean[]; out: string } {
  const db = tmpDir('kyso-nss-');
  sh('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  sh('certutil', ['-A', '-d', `sql:${db}`, '-n', 'root', '-t', 'CT,C,C', '-i', pki.rootFile]);
  // `offline`: files that also hold other people's signatures, whose certificates may name real
  // OCSP responders — never let pdfsig reach for the network (then its trust verdicts are void).
  const r = sh('pdfsig', ['-nssdir', `sql:${db}`, ...(o.offline ? ['-no-ocsp'] : []), file]);
  const valid = [...r.out.matchAll(/- Signature Validation: (.*)/g)].map((m) => m[1] === 'Signature is Valid.');
  const trusted = [...r.out.matchAll(/- Certificate Validation: (.*)/g)].map((m) => m[1] === 'Certificate is Trusted.');
  return { valid, trusted, out: r.out };
}

/**
 * mutool sign -v: per signature block, whether MuPDF found the digest intact ("unchanged since
 * signing", or "valid but there have been edits since signing" for earlier signatures).
 * Its certificate verdict is ignored (it trusts only its own roots).
 */
export function mutoolVerify(file: string): { digestOk: boolean[]; blocks: string[]; out: string } {
  const r = sh('mutool', ['sign', '-v', file]);
  const blocks = r.out
    .split(/^Verifying signature/m)
    .slice(1)
    .filter((b) => !/Signature is not signed/.test(b));
  const digestOk = blocks.map(blockOk);
  return { digestOk, blocks, out: r.out };
}

/** One mutool block says the digest is intact. */
export function blockOk(b: string): boolean {
  return /unchanged since signing|signature is valid/i.test(b) && !/signature is invalid|digest error|digest (?:mismatch|failure)/i.test(b);
}

/** openssl cms -verify over the exact byte ranges of one signature. */
export function opensslVerify(pdf: Buffer, sig: { byteRange: number[]; cms: Buffer }, pki: TestPki): { code: number; out: string } {
  const dir = tmpDir('kyso-cms-');
  const [a, b, c, d] = sig.byteRange as [number, number, number, number];
  writeFileSync(path.join(dir, 'sig.der'), sig.cms);
  writeFileSync(path.join(dir, 'signed.bin'), Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]));
  return sh(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'sig.der',
      '-content',
      'signed.bin',
      '-CAfile',
      pki.rootFile,
      '-purpose',
      'any',
      '-no-CApath',
      '-no-CAstore',
      '-out',
      '/dev/null',
    ],
    dir,
  );
}
