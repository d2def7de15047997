/**
 * kyso's own attack generator run on kyso's own signed outputs (approval, certified P=1/2/3,
 * B-LT). For every family the attacked file is first shown not to be harmless — an independent
 * viewer (poppler pdftotext, MuPDF mutool) shows different text than the signed revision, or
 * mutool finds the added action — and then the verifier must not say TOTAL_PASSED and must name
 * the family's message key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf, type VerificationReport } from '../../src/pdf/verify/index.js';
import { actionFamilies } from './families/actions.js';
import { afterEof } from './families/after-eof.js';
import { prevNowhere, startxrefNowhere, unlistedObject } from './families/broken-xref.js';
import type { AttackFamily } from './families/family.js';
import { newRoot } from './families/new-root.js';
import { objstmDuplicate } from './families/objstm-duplicate.js';
import { contentTypedObjStm, contentTypedXref } from './families/xref-typed-content.js';
import { ATTACK_TEXT, makeSamples, SIGNED_TEXT, type Samples } from './samples.js';
import { mutoolObjectsContain, someViewerShows, viewerTexts } from './viewers.js';

const TEXT_FAMILIES: AttackFamily[] = [
  newRoot,
  contentTypedXref,
  contentTypedObjStm,
  objstmDuplicate,
  prevNowhere,
  startxrefNowhere,
  unlistedObject,
];

let samples: Samples;
beforeAll(async () => {
  samples = await makeSamples();
}, 60_000);

const keysOf = (r: VerificationReport): string[] => [
  ...r.errors,
  ...r.warnings,
  ...r.signatures.flatMap((s) => [...s.errors, ...s.warnings]),
];

async function expectCaught(attacked: Buffer, family: AttackFamily): Promise<void> {
  const r = await verifyPdf(attacked, { trust: samples.trust, offline: true });
  const detail = JSON.stringify([r.indication, r.subIndication, keysOf(r), r.structure]);
  expect(['TOTAL_FAILED', 'INDETERMINATE'], detail).toContain(r.indication);
  for (const s of r.signatures) expect(s.indication, detail).not.toBe('TOTAL_PASSED');
  expect(keysOf(r), detail).toContain(family.expectedKey);
}

describe('the signed samples themselves', () => {
  it('show the signed text in both viewers and validate', async () => {
    for (const s of samples.all) {
      const t = viewerTexts(s.pdf);
      expect(t.poppler, s.name).toContain(SIGNED_TEXT);
      expect(t.mupdf, s.name).toContain(SIGNED_TEXT);
      const r = await verifyPdf(s.pdf, { trust: samples.trust, offline: true });
      expect(
        r.signatures.every((x) => x.integrity.digestMatch && x.integrity.cryptoValid),
        s.name,
      ).toBe(true);
      expect(r.structure, s.name).toEqual([]);
    }
  });
});

describe.each(TEXT_FAMILIES.map((f) => [f.name, f] as const))('family: %s', (_name, family) => {
  it('every sample: some viewer shows other text, and the verifier does not pass it', async () => {
    for (const s of samples.all) {
      const attacked = family.build(s.pdf);
      expect(someViewerShows(attacked, ATTACK_TEXT), `${s.name}: ${JSON.stringify(viewerTexts(attacked))}`).toBe(true);
      await expectCaught(attacked, family);
    }
  });
});

describe('family: objects after the final %%EOF without xref', () => {
  it('a viewer that rebuilds by scanning shows other text; the verifier names the bytes', async () => {
    for (const s of samples.all) {
      const attacked = afterEof.build(s.pdf);
      // force the rebuild some viewers do on their own: the same bytes with an unusable startxref
      const rebuilt = Buffer.concat([attacked, Buffer.from('startxref\n7\n%%EOF\n')]);
      expect(someViewerShows(rebuilt, ATTACK_TEXT), s.name).toBe(true);
      await expectCaught(attacked, afterEof);
      const r = await verifyPdf(attacked, { trust: samples.trust, offline: true });
      const f = r.structure.find((x) => x.key === 'PDF_OBJECTS_AFTER_EOF')!;
      expect(f.offset).toBeGreaterThanOrEqual(s.pdf.length);
      expect(f.detail).toContain(String(f.offset));
    }
  });
});

describe.each(actionFamilies.map((f) => [f.name, f] as const))('actions family: %s', (_name, family) => {
  it('every sample: the action is in the file, and it is "other"', async () => {
    for (const s of samples.all) {
      const attacked = family.build(s.pdf);
      const needle = family.name.split(' ')[0]!.replace('/OpenAction', '/OpenAction').replace('page', '/AA');
      expect(mutoolObjectsContain(attacked, needle.startsWith('/') ? needle : `/${needle}`), `${s.name}: ${needle}`).toBe(true);
      await expectCaught(attacked, family);
      const r = await verifyPdf(attacked, { trust: samples.trust, offline: true });
      expect(r.signatures[0]!.modifications.other).toBe(true);
    }
  });
});
