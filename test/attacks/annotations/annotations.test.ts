/**
 * Annotations added after signing on kyso's own outputs, judged by the box they draw (ISO 32000-1
 * §12.5), never by their subtype. Each attacked file is first shown to display something else over
 * the signed line (poppler repaints its region and a viewer shows the new text); then approval and
 * P=3 signatures must be INDETERMINATE with MODIFICATION_COVERS_CONTENT naming what covers what on
 * which page, and P=2 must fail. Annotations that cover nothing — a sticky note or a link in the
 * margin, a hidden annotation — stay a pass with a visible warning; annotations carrying actions
 * are "other".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { verifyPdf, type VerificationReport } from '../../../src/pdf/verify/index.js';
import { ATTACK_TEXT, makeSamples, type Sample, type Samples } from '../samples.js';
import { mutoolObjectsContain, someViewerShows } from '../viewers.js';
import { addAnnotation, addField, opaqueAppearance } from './page-update.js';
import { signedTextRepainted } from './rendering.js';

let samples: Samples;
beforeAll(async () => {
  samples = await makeSamples();
}, 60_000);

/** Offline validation after a long-term validation update (B-LT) carrying the signer's CRL. */
const verify = (pdf: Buffer) => verifyPdf(appendDss(pdf, { crls: [samples.goodCrl] }), { trust: samples.trust, offline: true });
const why = (r: VerificationReport) => JSON.stringify(r.signatures.map((s) => [s.indication, s.errors, s.modifications.details]));
const permitting = () => samples.all.filter((s) => s.name === 'approval' || s.name === 'certified P=3' || s.name === 'B-LT');
const p2 = () => samples.all.find((s) => s.name === 'certified P=2')!;

/** Over the signed line "Result page 1: approved" (drawn at 50, 780 in 14 pt). */
const OVER_TEXT = [45, 772, 260, 800] as const;
const W = OVER_TEXT[2] - OVER_TEXT[0];
const H = OVER_TEXT[3] - OVER_TEXT[1];

interface Overlay {
  readonly name: string;
  /** The start of the report detail naming what covers the signed line. */
  readonly coverer: string;
  build(signed: Buffer): Buffer;
}

const annotation = (subtype: string, extra = ''): Overlay => ({
  name: `${subtype} annotation with an opaque appearance`,
  coverer: `new ${subtype} annotation`,
  build: (signed) =>
    addAnnotation(
      signed,
      9500,
      `<< /Type /Annot /Subtype /${subtype} /Rect [${OVER_TEXT.join(' ')}] /F 4 ${extra} /AP << /N 9501 0 R >> >>`,
      { 9501: opaqueAppearance(W, H, ATTACK_TEXT) },
    ),
});

const OVERLAYS: Overlay[] = [
  annotation('FreeText', `/Contents (${ATTACK_TEXT}) /DA (/Helv 14 Tf 0 g)`),
  annotation('Square', '/C [1 1 1] /IC [1 1 1]'),
  {
    name: 'widget of a new text field with an opaque appearance',
    coverer: 'new widget of Tx field “Remark”',
    build: (signed) =>
      addField(
        signed,
        9500,
        `<< /Type /Annot /Subtype /Widget /FT /Tx /T (Remark) /V (${ATTACK_TEXT}) /F 4 /Rect [${OVER_TEXT.join(' ')}] /AP << /N 9501 0 R >> >>`,
        { 9501: opaqueAppearance(W, H, ATTACK_TEXT) },
      ),
  },
];

function expectRepainted(s: Sample, attacked: Buffer): void {
  expect(signedTextRepainted(s.pdf, attacked), s.name).toBe(true);
  expect(someViewerShows(attacked, ATTACK_TEXT), s.name).toBe(true);
}

describe.each(OVERLAYS.map((o) => [o.name, o] as const))('laid over the signed text: %s', (_name, overlay) => {
  it('approval, P=3 and B-LT: INDETERMINATE, MODIFICATION_COVERS_CONTENT with what covers what on page 1', async () => {
    for (const s of permitting()) {
      const attacked = overlay.build(s.pdf);
      expectRepainted(s, attacked);
      const r = await verify(attacked);
      const sig = r.signatures[0]!;
      expect([r.indication, sig.indication, sig.subIndication], `${s.name} ${why(r)}`).toEqual([
        'INDETERMINATE',
        'INDETERMINATE',
        'SIG_CONSTRAINTS_FAILURE',
      ]);
      expect(sig.errors, s.name).toContain('MODIFICATION_COVERS_CONTENT');
      expect(sig.modifications.details, s.name).toContain(
        `covers: ${overlay.coverer} covers text “Result page 1: approved” of the signed revision on page 1`,
      );
    }
  });

  it('P=2: TOTAL_FAILED', async () => {
    const attacked = overlay.build(p2().pdf);
    expectRepainted(p2(), attacked);
    const r = await verify(attacked);
    expect(r.indication, why(r)).toBe('TOTAL_FAILED');
    expect(r.signatures[0]!.errors).toEqual(expect.arrayContaining(['DOCMDP_VIOLATION', 'MODIFICATION_COVERS_CONTENT']));
  });
});

describe('annotations that cover nothing', () => {
  const margin = (subtype: string, extra: string): Overlay => ({
    name: subtype,
    coverer: '',
    build: (signed) => addAnnotation(signed, 9510, `<< /Type /Annot /Subtype /${subtype} /Rect [540 400 560 420] /F 4 ${extra} >>`),
  });

  it('a sticky note and a link without script in the margin: TOTAL_PASSED with a visible warning (approval, P=3)', async () => {
    for (const s of permitting())
      for (const a of [
        margin('Text', '/Contents (xem lại) /Name /Comment'),
        margin('Link', '/Border [0 0 0] /A << /S /URI /URI (https://example.invalid/) >>'),
      ]) {
        const r = await verify(a.build(s.pdf));
        expect([r.indication, ...r.signatures[0]!.errors], `${s.name} ${a.name} ${why(r)}`).toEqual(['TOTAL_PASSED']);
        expect(r.signatures[0]!.warnings).toContain('MODIFICATION_ANNOTATION');
      }
  });

  it('a hidden annotation over the signed text draws nothing and covers nothing', async () => {
    for (const s of permitting()) {
      const hidden = addAnnotation(
        s.pdf,
        9500,
        `<< /Type /Annot /Subtype /FreeText /Rect [${OVER_TEXT.join(' ')}] /F 2 /DA (/Helv 14 Tf 0 g) /AP << /N 9501 0 R >> >>`,
        { 9501: opaqueAppearance(W, H, ATTACK_TEXT) },
      );
      expect(signedTextRepainted(s.pdf, hidden), s.name).toBe(false);
      const r = await verify(hidden);
      expect([r.indication, ...r.signatures[0]!.errors], `${s.name} ${why(r)}`).toEqual(['TOTAL_PASSED']);
    }
  });
});

describe('annotations carrying actions', () => {
  const withAction: [string, string, string][] = [
    ['FreeText /A JavaScript', '/JavaScript', '/A << /S /JavaScript /JS (app.alert\\(1\\)) >>'],
    ['Text /AA', '/AA', '/AA << /E << /S /JavaScript /JS (app.alert\\(1\\)) >> >>'],
    ['Square /A SubmitForm', '/SubmitForm', '/A << /S /SubmitForm /F << /FS /URL /F (http://example.invalid/) >> >>'],
  ];
  it.each(withAction)('%s in the margin is "other" (approval, P=3)', async (name, needle, action) => {
    for (const s of permitting()) {
      const subtype = name.split(' ')[0]!;
      const attacked = addAnnotation(s.pdf, 9520, `<< /Type /Annot /Subtype /${subtype} /Rect [540 400 560 420] /F 4 ${action} >>`);
      expect(mutoolObjectsContain(attacked, needle), s.name).toBe(true);
      const r = await verify(attacked);
      const sig = r.signatures[0]!;
      expect([r.indication, sig.modifications.other], `${s.name} ${why(r)}`).toEqual(['TOTAL_FAILED', true]);
      expect(sig.errors).toContain('MODIFICATION_ACTION_ADDED');
    }
  });
});
