import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  AppearanceCanvas,
  assertBundleClosed,
  buildElectronicCopyAppearance,
  buildIndividualAppearance,
  buildOrganizationAppearance,
  buildTextBlockAppearance,
  decodeImage,
  pageOverlay,
  rotationMatrix,
  topRightRect,
  type Appearance,
  type PdfDict,
} from '../../../src/pdf/appearance/index.js';

const SEAL = readFileSync(join(process.cwd(), 'assets/samples/sample-seal-red.png'));
const SIGNATURE = readFileSync(join(process.cwd(), 'assets/samples/sample-signature-blue.png'));
const TIME = new Date('2026-11-26T15:04:05Z');

function root(ap: Appearance) {
  return ap.objects.find((o) => o.id === ap.root)!;
}
function content(ap: Appearance): string {
  return inflateSync(root(ap).stream!).toString('latin1');
}
function resources(ap: Appearance): Record<string, unknown> {
  return (root(ap).dict.entries['Resources'] as PdfDict).entries;
}
function baseFonts(ap: Appearance): string[] {
  return ap.objects
    .filter((o) => (o.dict.entries['Subtype'] as { name?: string })?.name === 'Type0')
    .map((o) => (o.dict.entries['BaseFont'] as { name: string }).name.split('+')[1]!);
}

describe('appearance bundles', () => {
  it('the form XObject has the box, the resources and a Flate content stream', async () => {
    const ap = await buildIndividualAppearance({
      width: 180,
      height: 90,
      title: 'GIÁM ĐỐC',
      signatureImage: SIGNATURE,
      signerName: 'Lê Thị Hồng',
    });
    assertBundleClosed(ap);
    expect(ap.objects.at(-1)!.id).toBe(ap.root);
    const r = root(ap);
    expect(r.dict.entries['Subtype']).toEqual({ kind: 'name', name: 'Form' });
    expect(r.dict.entries['BBox']).toEqual([0, 0, 180, 90]);
    expect(r.dict.entries['Length']).toBe(r.stream!.length);
    expect(Object.keys((resources(ap)['Font'] as PdfDict).entries)).toEqual(['F1']); // title and name are both bold
    expect(Object.keys((resources(ap)['XObject'] as PdfDict).entries)).toEqual(['Im1']);
    expect(baseFonts(ap).sort()).toEqual(['LiberationSerif-Bold']);
    expect(content(ap)).toMatch(/^q\n/);
    expect(content(ap)).toMatch(/\/Im1 Do Q/);
  });

  it('individual without an image gives the whole box to the text', async () => {
    const ap = await buildIndividualAppearance({ width: 180, height: 60, signerName: 'Lê Thị Hồng', signingTime: TIME });
    expect(resources(ap)['XObject']).toBeUndefined();
    expect(baseFonts(ap).sort()).toEqual(['LiberationSerif', 'LiberationSerif-Bold']);
  });

  // The sample seal's ink spans 234 of its 240 pixels (3 px transparent margin on each side).
  const sealInk = (ap: Awaited<ReturnType<typeof buildOrganizationAppearance>>) => {
    const m = /q ([\d.]+) 0 0 ([\d.]+) (-?[\d.]+) (-?[\d.]+) cm \/Im1 Do Q/.exec(content(ap));
    if (!m) throw new Error('no seal drawn');
    const scale = Number(m[1]) / 240;
    return { size: 234 * scale, x: Number(m[3]) + 3 * scale, y: Number(m[4]) + 3 * scale };
  };

  it('organization without text is the seal alone, its ink filling the box', async () => {
    const ap = await buildOrganizationAppearance({
      width: 100,
      height: 100,
      sealImage: SEAL,
      organizationName: 'X',
      signingTime: TIME,
      sealSize: 100,
      showText: false,
    });
    expect(resources(ap)['Font']).toBeUndefined();
    const ink = sealInk(ap);
    expect(ink.size).toBeCloseTo(100, 2);
    expect(ink.x).toBeCloseTo(0, 2);
    expect(ink.y).toBeCloseTo(0, 2);
    const smasks = ap.objects.filter((o) => o.id.endsWith('.smask'));
    expect(smasks).toHaveLength(1);
  });

  it('organization: the seal is 36 mm by default, on the left, text beside it; a given real size is honoured', async () => {
    const ap = await buildOrganizationAppearance({
      width: 300,
      height: 120,
      sealImage: SEAL,
      organizationName: 'Sở Tư pháp',
      signingTime: TIME,
    });
    const ink = sealInk(ap);
    expect(ink.size).toBeCloseTo((36 * 72) / 25.4, 2);
    expect(ink.x).toBeCloseTo(0, 2);
    expect(ink.y).toBeCloseTo((120 - ink.size) / 2, 2);
    const big = await buildOrganizationAppearance({
      width: 300,
      height: 120,
      sealImage: SEAL,
      organizationName: 'Sở Tư pháp',
      signingTime: TIME,
      sealSize: 113,
    });
    expect(sealInk(big).size).toBeCloseTo(113, 2);
    expect(sealInk(big).y).toBeCloseTo(3.5, 2);
  });

  it('electronic copy: regular serif at 10 pt, black, no image', async () => {
    const ap = await buildElectronicCopyAppearance({
      width: 200,
      height: 45,
      copyForm: 'SAO Y',
      organizationName: 'Sở Nội vụ',
      signingTime: TIME,
    });
    expect(baseFonts(ap)).toEqual(['LiberationSerif']);
    expect(resources(ap)['XObject']).toBeUndefined();
    const ops = content(ap);
    expect(ops.match(/ Tf /g)).toHaveLength(3);
    expect(ops).not.toMatch(/\/F1 (?!10 Tf)[\d.]+ Tf/);
    expect([...ops.matchAll(/BT ([\d. ]+) rg/g)].map((m) => m[1])).toEqual(['0 0 0', '0 0 0', '0 0 0']);
  });

  it('electronic copy shrinks only when the box is too small', async () => {
    const ap = await buildElectronicCopyAppearance({
      width: 200,
      height: 20,
      copyForm: 'TRÍCH SAO',
      organizationName: 'Sở Nội vụ',
      signingTime: TIME,
    });
    const sizes = [...content(ap).matchAll(/\/F1 ([\d.]+) Tf/g)].map((m) => Number(m[1]));
    expect(sizes.every((s) => s < 10 && s > 4)).toBe(true);
  });

  it('text block sizes itself to its content plus padding', async () => {
    const ap = await buildTextBlockAppearance({ width: 300, padding: 5, paragraphs: [{ text: 'Người thực hiện chứng thực', size: 12 }] });
    expect(ap.height).toBeCloseTo(12 * 1.2 + 10, 6);
    expect(ap.layout.lines).toHaveLength(1);
  });

  it('idPrefix keeps two bundles apart; an image drawn twice is embedded once', async () => {
    const c = new AppearanceCanvas(100, 50, 'b2.');
    const img = decodeImage(SIGNATURE);
    c.image(img, { x: 0, y: 0, width: 50, height: 50 });
    c.image(img, { x: 50, y: 0, width: 50, height: 50 });
    c.text('ệ', 0, 0, 'regular', 8);
    const ap = await c.finish();
    expect(ap.objects.every((o) => o.id.startsWith('b2.'))).toBe(true);
    expect(ap.objects.filter((o) => (o.dict.entries['Subtype'] as { name?: string })?.name === 'Image')).toHaveLength(2); // image + its mask
    await expect(c.finish()).rejects.toThrow(TypeError);
    expect(() => new AppearanceCanvas(0, 10)).toThrow(TypeError);
  });
});

describe('page placement helpers', () => {
  it('rotationMatrix maps the box [0 0 w h] onto [0 0 h w] (90/270) or itself (0/180)', () => {
    const w = 200;
    const h = 80;
    for (const rot of [0, 90, 180, 270] as const) {
      const [a, b, c, d, e, f] = rotationMatrix(rot, w, h);
      const pts = [
        [0, 0],
        [w, 0],
        [0, h],
        [w, h],
      ].map(([x, y]) => [a! * x! + c! * y! + e!, b! * x! + d! * y! + f!]);
      const xs = pts.map((p) => p[0]!);
      const ys = pts.map((p) => p[1]!);
      const swapped = rot === 90 || rot === 270;
      expect([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map((v) => v + 0)).toEqual([
        0,
        0,
        swapped ? h : w,
        swapped ? w : h,
      ]);
    }
    expect(() => new AppearanceCanvas(10, 10, '', 45 as 90)).toThrow(TypeError);
  });

  it('topRightRect', () => {
    expect(topRightRect([0, 0, 595, 842], 200, 40)).toEqual([375, 782, 575, 822]);
    expect(topRightRect([10, 20, 610, 812], 100, 30, 10)).toEqual([500, 772, 600, 802]);
  });

  it('pageOverlay writes a balanced Do at the position', () => {
    const bundle = { root: 'f', objects: [{ id: 'f', dict: { kind: 'dict' as const, entries: {} } }] };
    const o = pageOverlay(bundle, { x: 36, y: 72.5 });
    expect(o.content.toString()).toBe('q 1 0 0 1 36 72.5 cm /KysoOverlay1 Do Q\n');
    expect(o.prefix.toString()).toBe('q\n');
    expect(o.suffix.toString()).toBe('Q\n');
    expect(() => pageOverlay(bundle, { x: 0, y: 0, resourceName: 'bad name' })).toThrow(TypeError);
    expect(() => pageOverlay({ root: 'x', objects: [] }, { x: 0, y: 0 })).toThrow(TypeError);
  });
});
