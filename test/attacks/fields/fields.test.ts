/**
 * Form-field changes after signing on kyso's own outputs (ISO 32000-1 §12.8.2.2: P=2 permits
 * filling existing fields and signing). Every attacked file is first shown to display something
 * else — poppler repaints the signed line, or a viewer shows the forged text — and then must not
 * pass. The legitimate updates (a second signer in a pre-created or a new field on empty page
 * area, the Decree 30/2020 seal over the left third of the official's signature, filling a field
 * on empty area) must pass.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIndividualAppearance, buildOrganizationAppearance } from '../../../src/pdf/appearance/index.js';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { verifyPdf, type VerificationReport } from '../../../src/pdf/verify/index.js';
import { issueSigner, type TestSigner } from '../../fixtures/pki-fixture.js';
import { basePdf, signPdf } from '../../integration/verify/helpers.js';
import { addField, fieldNumber, objectBody, opaqueAppearance, page1Annots, widgetsOf, withEntry } from '../annotations/page-update.js';
import { signedTextRepainted } from '../annotations/rendering.js';
import { appendRevision } from '../incremental-writer.js';
import { ATTACK_TEXT, makeSamples, type Samples } from '../samples.js';
import { someViewerShows } from '../viewers.js';
import { formPdf, NAME_RECT, NOTE_RECT } from './form-base.js';
import { signInNewField } from './new-field-signer.js';

let samples: Samples;
let second: TestSigner;
beforeAll(async () => {
  samples = await makeSamples();
  second = issueSigner(samples.ca, { cn: 'Lê Văn Cường' });
}, 60_000);

const verify = (pdf: Buffer) => verifyPdf(pdf, { trust: samples.trust, offline: true });
/** The revocation data a long-term validation update adds (B-LT), so that signatures can reach TOTAL_PASSED offline. */
const withCrl = (pdf: Buffer) => appendDss(pdf, { crls: [samples.goodCrl] });
const why = (r: VerificationReport) => JSON.stringify(r.signatures.map((s) => [s.indication, s.errors, s.modifications.details]));
const p2 = () => samples.all.find((s) => s.name === 'certified P=2')!.pdf;

/** A new text field with an opaque appearance showing `text` at `rect` on page 1. */
function newTextField(signed: Buffer, rect: [number, number, number, number], text: string): Buffer {
  const [x0, y0, x1, y1] = rect;
  return addField(
    signed,
    9400,
    `<< /Type /Annot /Subtype /Widget /FT /Tx /T (Remark) /V (${text}) /F 4 /Rect [${rect.join(' ')}] /AP << /N 9401 0 R >> >>`,
    { 9401: opaqueAppearance(x1 - x0, y1 - y0, text) },
  );
}

describe('under DocMDP P=2', () => {
  it('a new text field laid over the page text is not form filling', async () => {
    const attacked = newTextField(p2(), [45, 772, 260, 800], ATTACK_TEXT);
    expect(signedTextRepainted(p2(), attacked)).toBe(true);
    expect(someViewerShows(attacked, ATTACK_TEXT)).toBe(true);
    const r = await verify(attacked);
    const s = r.signatures[0]!;
    expect([r.indication, s.modifications.other], why(r)).toEqual(['TOTAL_FAILED', true]);
    expect(s.errors).toEqual(expect.arrayContaining(['MODIFICATION_FIELD_ADDED', 'DOCMDP_VIOLATION', 'MODIFICATION_COVERS_CONTENT']));
    expect(s.modifications.details).toContain('other: new Tx field “Remark” on page 1');
  });

  it('a new text field on empty page area is not form filling either', async () => {
    const attacked = newTextField(p2(), [300, 300, 500, 330], ATTACK_TEXT);
    expect(someViewerShows(attacked, ATTACK_TEXT)).toBe(true);
    const r = await verify(attacked);
    expect([r.indication, ...r.signatures[0]!.errors], why(r)).toEqual(
      expect.arrayContaining(['TOTAL_FAILED', 'MODIFICATION_FIELD_ADDED', 'DOCMDP_VIOLATION']),
    );
    expect(r.signatures[0]!.errors).not.toContain('MODIFICATION_COVERS_CONTENT');
  });

  it('a pre-created signature field filled with a dictionary that is no signature and a "signed" appearance is a forgery', async () => {
    const certified = await signPdf(await basePdf({ pages: 1 }), samples.signer, {
      newFieldName: 'Cert',
      certify: 2,
      emptyFields: [{ name: 'Sig2', page: 1, rect: [300, 50, 500, 120] }],
    });
    const n = fieldNumber(certified, 'Sig2');
    const fake = 'Signed by Le Van Cuong';
    const attacked = appendRevision(certified, {
      objects: {
        9410: opaqueAppearance(200, 70, fake),
        9411: '<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name (Le Van Cuong) >>',
        [n]: withEntry(withEntry(objectBody(certified, n), 'V', '9411 0 R'), 'AP', '<< /N 9410 0 R >>'),
      },
    });
    expect(someViewerShows(attacked, fake)).toBe(true);
    const r = await verify(attacked);
    expect(r.signatures).toHaveLength(1);
    const s = r.signatures[0]!;
    expect([r.indication, s.modifications.other], why(r)).toEqual(['TOTAL_FAILED', true]);
    expect(s.errors).toEqual(expect.arrayContaining(['MODIFICATION_SIGNATURE_FORGED', 'DOCMDP_VIOLATION']));
    expect(s.modifications.details).toContain('other: signature field “Sig2” on page 1 was given a value that is not a valid signature');
  });

  it('a new widget on an existing field is not form filling', async () => {
    const certified = await signPdf(await formPdf(), samples.signer, { newFieldName: 'Cert', certify: 2 });
    const n = fieldNumber(certified, 'Name');
    const field = objectBody(certified, n);
    // the field "Name" gets a second widget over the signed line; the first stays where it was
    const kids = [...widgetsOf(certified, n), 9421].map((k) => `${k} 0 R`).join(' ');
    const kidsField = withEntry(withEntry(field, 'Kids', `[${kids}]`), 'V', `(${ATTACK_TEXT})`);
    const attacked = appendRevision(certified, {
      objects: {
        9420: opaqueAppearance(215, 28, ATTACK_TEXT),
        9421: `<< /Type /Annot /Subtype /Widget /Parent ${n} 0 R /F 4 /Rect [45 772 260 800] /AP << /N 9420 0 R >> >>`,
        [n]: kidsField,
        ...page1Annots(certified, [9421]),
      },
    });
    expect(signedTextRepainted(certified, attacked)).toBe(true);
    const r = await verify(attacked);
    const s = r.signatures[0]!;
    expect(r.indication, why(r)).toBe('TOTAL_FAILED');
    expect(s.errors).toEqual(expect.arrayContaining(['MODIFICATION_FIELD_ADDED', 'DOCMDP_VIOLATION']));
  });
});

describe('after an approval signature', () => {
  it('filling an existing text field with an opaque appearance over the signed text is INDETERMINATE (shadow "replace")', async () => {
    const signed = await signPdf(await formPdf(), samples.signer, { newFieldName: 'Sig1' });
    const n = fieldNumber(signed, 'Note');
    const [widget] = widgetsOf(signed, n);
    const attacked = appendRevision(signed, {
      objects: {
        9430: opaqueAppearance(NOTE_RECT.width, NOTE_RECT.height, ATTACK_TEXT),
        [n]: withEntry(objectBody(signed, n), 'V', `(${ATTACK_TEXT})`),
        [widget!]: withEntry(objectBody(signed, widget!), 'AP', '<< /N 9430 0 R >>'),
      },
    });
    expect(signedTextRepainted(signed, attacked)).toBe(true);
    expect(someViewerShows(attacked, ATTACK_TEXT)).toBe(true);
    const r = await verify(attacked);
    const s = r.signatures[0]!;
    expect([r.indication, s.indication], why(r)).toEqual(['INDETERMINATE', 'INDETERMINATE']);
    expect(s.errors).toContain('MODIFICATION_COVERS_CONTENT');
    expect(s.modifications.details).toContain(
      'covers: changed widget of Tx field “Note” covers text “Result page 1: approved” of the signed revision on page 1',
    );
  });

  it('filling a text field on empty page area stays form filling: TOTAL_PASSED with the warning', async () => {
    const signed = await signPdf(await formPdf(), samples.signer, { newFieldName: 'Sig1' });
    const n = fieldNumber(signed, 'Name');
    const [widget] = widgetsOf(signed, n);
    const filled = appendRevision(signed, {
      objects: {
        9440: opaqueAppearance(NAME_RECT.width, NAME_RECT.height, 'Tran Thi Binh'),
        [n]: withEntry(objectBody(signed, n), 'V', '(Tran Thi Binh)'),
        [widget!]: withEntry(objectBody(signed, widget!), 'AP', '<< /N 9440 0 R >>'),
      },
    });
    expect(someViewerShows(filled, 'Tran Thi Binh')).toBe(true);
    const r = await verify(withCrl(filled));
    expect(r.indication, why(r)).toBe('TOTAL_PASSED');
    expect(r.signatures[0]!.warnings).toContain('MODIFICATION_FORM_FILL');
  });
});

describe('legitimate second signatures', () => {
  it('P=2: a second signer in a field the certification pre-created', async () => {
    const certified = await signPdf(await basePdf({ pages: 1 }), samples.signer, {
      newFieldName: 'Cert',
      certify: 2,
      emptyFields: [{ name: 'Sig2', page: 1, rect: [300, 50, 500, 120] }],
    });
    const appearance = await buildIndividualAppearance({ width: 200, height: 70, signerName: 'Lê Văn Cường' });
    const signed = await signPdf(certified, second, { fieldName: 'Sig2', appearance });
    const r = await verify(appendDss(signed, { crls: [samples.goodCrl] }));
    expect([r.indication, ...r.signatures.map((s) => s.indication)], why(r)).toEqual(['TOTAL_PASSED', 'TOTAL_PASSED', 'TOTAL_PASSED']);
  });

  it('P=2: a second signer in a NEW visible field on empty page area (as Adobe Acrobat signs)', async () => {
    const signed = await signInNewField(p2(), second, {
      name: 'Sig2',
      rect: [300, 50, 500, 120],
      nums: { field: 9450, ap: 9451, sig: 9452 },
    });
    expect(someViewerShows(signed, 'Signed: Sig2')).toBe(true);
    const r = await verify(withCrl(signed));
    expect(r.signatures).toHaveLength(2);
    expect([r.indication, ...r.signatures.map((s) => s.indication)], why(r)).toEqual(['TOTAL_PASSED', 'TOTAL_PASSED', 'TOTAL_PASSED']);
    expect(r.signatures[0]!.warnings).toContain('MODIFICATION_FORM_FILL');
  });

  it('P=2: a second signer whose new field covers the signed text is refused', async () => {
    const signed = await signInNewField(p2(), second, {
      name: 'Sig2',
      rect: [45, 760, 300, 800],
      nums: { field: 9450, ap: 9451, sig: 9452 },
    });
    const r = await verify(withCrl(signed));
    const s = r.signatures[0]!;
    expect(r.indication, why(r)).toBe('TOTAL_FAILED');
    expect(s.errors).toEqual(expect.arrayContaining(['DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD', 'MODIFICATION_COVERS_CONTENT']));
    expect(r.signatures[1]!.indication).toBe('TOTAL_PASSED');
  });

  it('Decree 30/2020: the agency seal over the left third of the official’s signature passes (approval and P=2)', async () => {
    const official = await buildIndividualAppearance({ width: 200, height: 80, title: 'GIÁM ĐỐC', signerName: 'Trần Thị Bình' });
    const officialRect: [number, number, number, number] = [300, 600, 500, 680];
    // the seal box reaches over the left third of the official's box (x 300..366)
    const sealRect: [number, number, number, number] = [150, 590, 366, 690];
    const agency = issueSigner(samples.ca, { cn: 'Sở Tư pháp tỉnh' });
    const approval = await signPdf(await basePdf({ pages: 1 }), samples.signer, {
      newFieldName: 'Official',
      rect: officialRect,
      appearance: official,
    });
    const seal = await buildOrganizationAppearance({
      width: 216,
      height: 100,
      // the "Ký bởi / Thời gian ký" lines left of the seal, the seal at the right end of the box
      textSide: 'left',
      // a commune seal, about 35 mm across (Decree 30/2020 Appendix I: real size)
      sealSize: 99,
      sealImage: readFileSync(new URL('../../../examples/seal.png', import.meta.url)),
      organizationName: 'Sở Tư pháp',
      signingTime: new Date(),
    });
    const sealed = await signPdf(approval, agency, { newFieldName: 'Seal', rect: sealRect, appearance: seal });
    const r1 = await verify(withCrl(sealed));
    expect([r1.indication, ...r1.signatures.map((s) => s.indication)], why(r1)).toEqual(['TOTAL_PASSED', 'TOTAL_PASSED', 'TOTAL_PASSED']);

    const certified = await signPdf(await basePdf({ pages: 1 }), samples.signer, {
      newFieldName: 'Official',
      certify: 2,
      rect: officialRect,
      appearance: official,
    });
    const sealedP2 = await signInNewField(certified, agency, { name: 'Seal', rect: sealRect, nums: { field: 9460, ap: 9461, sig: 9462 } });
    const r2 = await verify(withCrl(sealedP2));
    expect([r2.indication, ...r2.signatures.map((s) => s.indication)], why(r2)).toEqual(['TOTAL_PASSED', 'TOTAL_PASSED', 'TOTAL_PASSED']);
  });
});
