/**
 * The three shadow-attack classes (build-shadow-attack.ts) against a document kyso signs here.
 * For each class the generated files are checked against their entries in
 * test/corpus/manifest.json `generated`:
 * - manipulated: poppler's pdftotext shows other text for the whole file than for the signed
 *   revision (bytes [0, c+d) of the ByteRange, ISO 32000-1 §12.8.1), and the verifier does not
 *   pass it (TOTAL_FAILED or INDETERMINATE, ETSI EN 319 102-1 §5.1.3), except where the entry
 *   states a known limitation (replace: the overlay passes as form filling), asserted as such;
 * - shadowed-signed: the known limitation, asserted: with nothing after the signature the
 *   dormant content is not detected and the verifier passes the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrustStore, verifyPdf, type TrustStore, type VerificationReport } from '../../../src/pdf/verify/index.js';
import { compare } from '../../conformance/corpus-expect.js';
import { generatedEntries, type CorpusEntry } from '../../fixtures/corpus.js';
import { issueSigner, sharedTestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { makeCrl, signPdf } from '../../integration/verify/helpers.js';
import { manipulate, SHADOW_TEXT, SHADOW_VARIANTS, shadowDocument, SIGNED_TEXT, type ShadowVariant } from './build-shadow-attack.js';

const DAY = 86_400_000;
const CRL_URL = 'http://127.0.0.1:1/crl/shadow-test.crl';
/** Keys of `expect` checked here rather than by corpus-expect's compare(). */
const LOCAL_KEYS = new Set(['overallOneOf', 'displayedTextDiffers']);

let dir: string;
let signer: TestSigner;
let trust: TrustStore;
let crl: Buffer;
const signedFiles = new Map<ShadowVariant, Buffer>();

/** Revocation for the signer from its CRL distribution point, served without a network. */
const verify = (pdf: Buffer): Promise<VerificationReport> =>
  verifyPdf(pdf, {
    trust,
    revocation: {
      fetchCrl: async (url) => {
        if (url !== CRL_URL) throw new Error(`unexpected CRL URL ${url}`);
        return crl;
      },
      fetchOcsp: async () => {
        throw new Error('no OCSP responder in this test');
      },
    },
  });

/**
 * Text of a PDF as poppler's pdftotext extracts it (an implementation independent of kyso), in
 * drawing order (`-raw`): page content first, then annotation appearances, so text painted over
 * other text stays readable as a whole line.
 */
function displayedText(pdf: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

/** Page 1 rendered by poppler's pdftoppm (grey PGM, 36 dpi). */
function rendered(pdf: Buffer, name: string): Buffer {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftoppm', ['-r', '36', '-gray', '-f', '1', '-l', '1', file]);
}

/** [0, c+d) of the only /ByteRange in the file, read from the raw bytes. */
function signedRevision(pdf: Buffer): Buffer {
  const all = [...pdf.toString('latin1').matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  expect(all).toHaveLength(1);
  const [, , , c, d] = all[0]!.map(Number);
  return pdf.subarray(0, c! + d!);
}

function entry(variant: ShadowVariant, stage: string): CorpusEntry {
  const e = generatedEntries().find((g) => g.generated?.variant === variant && g.generated.stage === stage);
  if (!e) throw new TypeError(`test/corpus/manifest.json has no generated entry for ${variant}/${stage}`);
  return e;
}

/** The manifest's mapped expectations must all agree; the local keys are asserted by the caller. */
function expectMapped(e: CorpusEntry, r: VerificationReport): void {
  const mapped = Object.fromEntries(Object.entries(e.expect).filter(([k]) => !LOCAL_KEYS.has(k)));
  const checks = compare(mapped, r, e.source);
  expect(checks.map((c) => c.key).sort()).toEqual(Object.keys(mapped).sort());
  expect(
    checks.filter((c) => !c.agree),
    e.path,
  ).toEqual([]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-shadow-'));
  const ca = sharedTestCa();
  signer = issueSigner(ca, { cn: 'Trần Thị Bình', crlUrl: CRL_URL });
  trust = createTrustStore([ca.certPem]);
  crl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * DAY) });
});

describe('shadow attacks on a document kyso signs', () => {
  it('the manifest describes exactly the generated variants and stages', () => {
    const got = generatedEntries().map((g) => `${g.generated?.variant}/${g.generated?.stage}`);
    expect(got.sort()).toEqual(SHADOW_VARIANTS.flatMap((v) => [`${v}/manipulated`, `${v}/shadowed-signed`]).sort());
  });

  for (const variant of SHADOW_VARIANTS) {
    describe(variant, () => {
      it('shadowed-signed: kyso signs the prepared document; the dormant content is not detected (known limitation)', async () => {
        const e = entry(variant, 'shadowed-signed');
        const shadow = shadowDocument(variant);
        const signed = await signPdf(shadow, signer, { newFieldName: 'Signature1' });
        signedFiles.set(variant, signed);
        writeFileSync(join(dir, `${variant}-shadowed-signed.pdf`), signed);
        // before any manipulation the file shows exactly what the signer approved
        const text = displayedText(signed, `${variant}-shadowed-signed-text.pdf`);
        expect(text).toContain(SIGNED_TEXT);
        expect(text).not.toContain(SHADOW_TEXT);
        const r = await verify(signed);
        expectMapped(e, r);
        expect(e.knownLimitation).toBeTruthy();
        // The limitation, asserted: nothing follows the signature, so the verifier passes a file
        // whose signed revision carries shadow content. A detector for dormant objects would
        // change this line.
        expect([r.indication, r.signatures[0]!.errors]).toEqual(['TOTAL_PASSED', []]);
      });

      it('manipulated: one update after signing changes the displayed text, and the verifier does not pass it', async () => {
        const e = entry(variant, 'manipulated');
        const signed = signedFiles.get(variant);
        expect(signed, 'the shadowed-signed stage runs first').toBeDefined();
        const attacked = manipulate(variant, signed!);
        writeFileSync(join(dir, `${variant}-manipulated.pdf`), attacked);
        // the attack is real: the signature still covers the same bytes, the reader shows other text
        const revision = signedRevision(attacked);
        expect(revision.equals(signed!)).toBe(true);
        const before = displayedText(revision, `${variant}-signed-revision.pdf`);
        const after = displayedText(attacked, `${variant}-whole-file.pdf`);
        expect(e.expect.displayedTextDiffers).toBe(true);
        expect(after).not.toBe(before);
        expect(before).toContain(SIGNED_TEXT);
        expect(before).not.toContain(SHADOW_TEXT);
        expect(after).toContain(SHADOW_TEXT);
        // and what a person sees differs too (the replace overlay covers the signed line)
        expect(rendered(attacked, `${variant}-whole.pdf`).equals(rendered(revision, `${variant}-revision.pdf`))).toBe(false);
        const r = await verify(attacked);
        expectMapped(e, r);
        if (e.knownLimitation) {
          // Asserted limitation (see the entry): the overlay counts as permitted form filling. The
          // verdict still warns that the document changed after signing; when the verifier learns
          // to flag the covering appearance, this branch fails and the entry must lose its note.
          expect(e.expect.overallOneOf).not.toContain(r.indication);
          expect([r.indication, r.signatures[0]!.warnings, r.signatures[0]!.modifications.level]).toEqual([
            'TOTAL_PASSED',
            ['MODIFICATION_FORM_FILL'],
            'FORM_FILLING',
          ]);
        } else {
          expect(e.expect.overallOneOf).toContain(r.indication);
          expect(r.signatures[0]!.modifications.other).toBe(true);
        }
      });
    });
  }
});
