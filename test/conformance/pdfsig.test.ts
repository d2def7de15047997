/**
 * Agreement with poppler's pdfsig on signature integrity for every signed corpus file where
 * pdfsig gives an answer (docs/interop.md: pdfsig exits 0 even for invalid signatures, so its text is
 * parsed; an empty NSS database and -no-ocsp keep trust out of it). Signatures are matched by
 * their signed ranges. Where we differ, the file is listed with the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { verifyPdf } from '../../src/pdf/verify/verify-pdf.js';
import { EMPTY_TRUST_STORE } from '../../src/pdf/verify/trust-store.js';
import { corpusRoot } from '../fixtures/corpus.js';

const ROOT = corpusRoot();
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as {
  files: { path: string; signatures: number; category: string }[];
};
const signed = manifest.files.filter((f) => f.signatures > 0);

/** path → why our integrity verdict differs from pdfsig's. */
export const PDFSIG_DISAGREEMENTS: Record<string, string> = {
  'dss/dss-pades/src/test/resources/validation/hello_signed_INCSAVE_signed_EDITED.pdf':
    'stricter: the signature dictionary was redefined later with another /Contents, so the gap no longer equals the dictionary value (rule A.2, wrapping); we verify the dictionary the document presents, pdfsig the original bytes; DSS also reports it B-level invalid',
  'dss/dss-pades/src/test/resources/validation/pades-enveloping-empty-bytes-cms.pdf':
    'stricter: the CMS encapsulates (empty) content, so by RFC 5652 §5.4 it signs that content, not the PDF; pdfsig ignores eContent; DSS also reports integrity fail',
  'pyhanko/internal/common-test-utils/src/pyhanko_testing_commons/test_data/data/pdf/pdf-sig-with-econtent.pdf':
    'stricter: detached PDF signature with encapsulated content (pyHanko errors out); pdfsig ignores eContent',
};

let nssDir = '';
beforeAll(() => {
  nssDir = mkdtempSync(join(tmpdir(), 'kyso-nss-'));
  execFileSync('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
});
afterAll(() => rmSync(nssDir, { recursive: true, force: true }));

interface PdfsigSig {
  ranges: string;
  verdict: string;
}
function pdfsig(path: string): PdfsigSig[] {
  const r = spawnSync('pdfsig', ['-nssdir', `sql:${nssDir}`, '-no-ocsp', path], { encoding: 'latin1', timeout: 30_000 });
  const out: PdfsigSig[] = [];
  let cur: Partial<PdfsigSig> = {};
  for (const line of (r.stdout ?? '').split('\n')) {
    const ranges = line.match(/Signed Ranges: (.*)$/);
    if (ranges) cur.ranges = ranges[1]!.trim();
    const v = line.match(/Signature Validation: (.*)$/);
    if (v) {
      cur.verdict = v[1]!.trim();
      if (cur.ranges) out.push(cur as PdfsigSig);
      cur = {};
    }
    if (/^Signature #\d+:/.test(line)) cur = {};
  }
  return out;
}

const rows: { path: string; compared: number; agreed: number }[] = [];

describe('integrity agrees with pdfsig', () => {
  for (const f of signed) {
    it(f.path, async () => {
      const path = join(ROOT, f.path);
      const theirs = pdfsig(path);
      let report;
      try {
        report = await verifyPdf(readFileSync(path), { trust: EMPTY_TRUST_STORE, offline: true });
      } catch (e) {
        expect(isAppError(e, 'VERIFY_UNREADABLE')).toBe(true);
        return;
      }
      const diffs: string[] = [];
      let compared = 0;
      for (const t of theirs) {
        const valid = t.verdict === 'Signature is Valid.';
        const invalid = t.verdict === 'Signature is Invalid.' || t.verdict === 'Digest Mismatch.';
        if (!valid && !invalid) continue; // pdfsig gives no answer (document timestamps, unknown types)
        const ours = report.signatures.find((s) => {
          const br = s.integrity.byteRange;
          return br && t.ranges === `[${br[0]} - ${br[1]}], [${br[2]} - ${br[2]! + br[3]!}]`;
        });
        compared++;
        const intact = !!ours && ours.integrity.digestMatch && ours.integrity.cryptoValid;
        if (intact !== valid)
          diffs.push(
            `${t.ranges}: pdfsig "${t.verdict}", ours ${ours ? `digest=${ours.integrity.digestMatch} crypto=${ours.integrity.cryptoValid}` : 'not found'}`,
          );
      }
      rows.push({ path: f.path, compared, agreed: compared - diffs.length });
      if (PDFSIG_DISAGREEMENTS[f.path]) expect(diffs.length, `listed but now agrees: ${f.path}`).toBeGreaterThan(0);
      else expect(diffs, f.path).toEqual([]);
    });
  }
  it('summary', () => {
    const compared = rows.reduce((a, r) => a + r.compared, 0);
    const agreed = rows.reduce((a, r) => a + r.agreed, 0);
    console.log(
      `pdfsig integrity: ${rows.filter((r) => r.compared > 0).length} files with a pdfsig verdict, ${compared} signatures compared, ${agreed} agree, ${Object.keys(PDFSIG_DISAGREEMENTS).length} files listed`,
    );
    expect(compared).toBeGreaterThan(50);
  });
});
