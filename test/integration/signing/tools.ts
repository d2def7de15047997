import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Independent checks of signed PDFs with other people's software (docs/interop.md): pdfsig (poppler +
 * NSS), mutool (MuPDF), qpdf and openssl cms. Each returns facts; tests assert on them.
 */
export interface ExtractedSignature {
  readonly byteRange: [number, number, number, number];
  readonly cms: Buffer;
  readonly signedBytes: Buffer;
  readonly subFilter: string | undefined;
}

/** Every signature dictionary's /ByteRange and /Contents, in file order (no PDF parser of ours). */
export function extractSignatures(pdf: Buffer): ExtractedSignature[] {
  const text = pdf.toString('latin1');
  const out: ExtractedSignature[] = [];
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  const seen = new Set<string>();
  for (const m of text.matchAll(re)) {
    const br = [1, 2, 3, 4].map((i) => Number(m[i])) as [number, number, number, number];
    const key = br.join(',');
    if (seen.has(key) || br[1] === 0) continue;
    seen.add(key);
    const [a, b, c, d] = br;
    if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e || c + d > pdf.length) continue;
    const hex = text.slice(b + 1, c - 1).replace(/\s+/g, '');
    const cms = trimDer(Buffer.from(hex, 'hex'));
    const dictStart = text.lastIndexOf('<<', m.index);
    const sf = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(text.slice(Math.max(0, dictStart - 2000), m.index + 4000))?.[1];
    out.push({ byteRange: br, cms, signedBytes: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]), subFilter: sf });
  }
  return out.sort((x, y) => x.byteRange[2] - y.byteRange[2]);
}

/** Removes zero padding after the outer DER TLV. */
function trimDer(b: Buffer): Buffer {
  // (subarray keeps the same backing store)
  if (b[0] !== 0x30) return b;
  const l = b[1]!;
  if (l < 0x80) return b.subarray(0, 2 + l);
  const n = l & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return b.subarray(0, 2 + n + len);
}

export function tmp(prefix = 'kyso-sig-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh NSS database trusting only `rootPem` (docs/interop.md, pdfsig). */
export function nssDbTrusting(rootPem: string): string {
  const dir = tmp('kyso-nss-');
  writeFileSync(join(dir, 'root.pem'), rootPem);
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password'], { stdio: 'ignore' });
  execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'root', '-t', 'CT,C,C', '-i', join(dir, 'root.pem')], { stdio: 'ignore' });
  return dir;
}

export interface PdfsigResult {
  readonly count: number;
  readonly valid: number;
  readonly trusted: number;
  readonly text: string;
}

/**
 * pdfsig exits 0 even for invalid signatures: count the verdict lines.
 * Seen here (poppler 22.12 + NSS 3.87): with `-no-ocsp` every chain is reported "Unknown issue
 * with Certificate or corrupted data", while `certutil -V -u S` and `vfychain -pp -u 4` accept the
 * same chain. The fixture certificates carry no AIA, so leaving OCSP on makes no request.
 */
export function pdfsig(file: string, nssDir: string): PdfsigResult {
  const r = spawnSync('pdfsig', ['-nssdir', `sql:${nssDir}`, file], { encoding: 'utf8' });
  const text = `${r.stdout}\n${r.stderr}`;
  return {
    // Empty signature fields are listed too ("The signature form field is not signed.").
    count: (text.match(/^Signature #\d+:/gm) ?? []).length - (text.match(/The signature form field is not signed/g) ?? []).length,
    valid: (text.match(/Signature Validation: Signature is Valid\./g) ?? []).length,
    trusted: (text.match(/Certificate Validation: Certificate is Trusted\./g) ?? []).length,
    text,
  };
}

export interface MutoolResult {
  readonly verified: number;
  readonly digestErrors: number;
  readonly text: string;
}

export function mutoolVerify(file: string): MutoolResult {
  const r = spawnSync('mutool', ['sign', '-v', file], { encoding: 'utf8' });
  const text = `${r.stdout}\n${r.stderr}`;
  return {
    verified: (text.match(/^Verifying signature/gm) ?? []).length,
    digestErrors: (text.match(/digest error|digest (is )?(not valid|invalid|mismatch)|bad digest/gi) ?? []).length,
    text,
  };
}

export function qpdfCheck(file: string): { ok: boolean; text: string } {
  const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  const text = `${r.stdout}\n${r.stderr}`;
  // exit 0 = clean, 3 = warnings only; we accept only a clean check.
  return { ok: r.status === 0 && /No syntax or stream encoding errors found/.test(text), text };
}

/** openssl cms -verify over the exact signed bytes, trusting only rootPath. */
export function opensslVerify(sig: ExtractedSignature, rootPath: string): { ok: boolean; text: string } {
  const dir = tmp('kyso-cms-');
  writeFileSync(join(dir, 'sig.der'), sig.cms);
  writeFileSync(join(dir, 'content.bin'), sig.signedBytes);
  const r = spawnSync(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(dir, 'sig.der'),
      '-content',
      join(dir, 'content.bin'),
      '-CAfile',
      rootPath,
      '-purpose',
      'any',
      '-no-CApath',
      '-no-CAstore',
      '-out',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, text: `${r.stdout}\n${r.stderr}` };
}
