import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { AppearanceCanvas, decodeImage } from '../../../src/pdf/appearance/index.js';
import { rgbToYcc, solidJpeg } from '../../unit/appearance/jpeg-fixture.js';
import { palettePng } from '../../unit/appearance/png-fixture.js';
import { miniPdf } from './mini-pdf.js';
import { pixelAt, saveAndRender } from './render-helpers.js';

const PAGE: [number, number] = [300, 200];

async function renderImage(name: string, bytes: Buffer) {
  const c = new AppearanceCanvas(100, 100);
  c.image(bytes, { x: 0, y: 0, width: 100, height: 100 }, 'fill');
  const ap = await c.finish();
  return saveAndRender(name, miniPdf(PAGE, [{ bundle: ap, rect: [100, 50, 200, 150], as: 'content' }]));
}

function close(a: [number, number, number], b: [number, number, number], tol = 12): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

describe('image XObjects render with their colours', () => {
  it('JPEG (JFIF YCbCr) passes through as DCTDecode', async () => {
    const jpg = solidJpeg(24, 16, rgbToYcc(208, 16, 32), 'ycc');
    expect(decodeImage(jpg)).toMatchObject({ format: 'jpeg', width: 24, height: 16, colorSpace: 'DeviceRGB', filter: 'DCTDecode' });
    const r = await renderImage('jpeg-rgb', jpg);
    expect(close(pixelAt(r.png, 150, 100, PAGE[1]), [208, 16, 32])).toBe(true);
  });

  it('JPEG greyscale', async () => {
    const r = await renderImage('jpeg-grey', solidJpeg(8, 8, [100], 'grey'));
    expect(close(pixelAt(r.png, 150, 100, PAGE[1]), [100, 100, 100])).toBe(true);
  });

  it('Adobe CMYK JPEG gets the inverting /Decode array and renders red', async () => {
    // Adobe stores CMYK inverted: C=0 M=1 Y=1 K=0 is written as 255 0 0 255.
    const jpg = solidJpeg(16, 16, [255, 0, 0, 255], 'cmyk');
    expect(decodeImage(jpg).decode).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    const r = await renderImage('jpeg-cmyk', jpg);
    const [red, green, blue] = pixelAt(r.png, 150, 100, PAGE[1]);
    expect(red).toBeGreaterThan(180);
    expect(green).toBeLessThan(90);
    expect(blue).toBeLessThan(110);
  });

  it('opaque RGB and grey PNGs (predictor pass-through) render their pixels', async () => {
    const p = new PNG({ width: 40, height: 10 });
    for (let i = 0; i < 400; i++) p.data.set(i % 40 < 20 ? [200, 30, 40, 255] : [20, 40, 210, 255], i * 4);
    const rgb = PNG.sync.write(p, { colorType: 2 });
    expect(decodeImage(rgb).decodeParms).toBeDefined();
    const r = await renderImage('png-rgb-predictor', rgb);
    expect(close(pixelAt(r.png, 120, 100, PAGE[1]), [200, 30, 40])).toBe(true);
    expect(close(pixelAt(r.png, 180, 100, PAGE[1]), [20, 40, 210])).toBe(true);

    const g = new PNG({ width: 40, height: 10 });
    for (let i = 0; i < 400; i++) g.data.set(i % 40 < 20 ? [30, 30, 30, 255] : [190, 190, 190, 255], i * 4);
    const grey = PNG.sync.write(g, { colorType: 0 });
    const r2 = await renderImage('png-grey-predictor', grey);
    expect(close(pixelAt(r2.png, 120, 100, PAGE[1]), [30, 30, 30])).toBe(true);
    expect(close(pixelAt(r2.png, 180, 100, PAGE[1]), [190, 190, 190])).toBe(true);
  });

  it('RGBA, palette+tRNS and grey+alpha PNGs keep their transparency', async () => {
    // Left half opaque green, right half fully transparent (RGBA, then palette + tRNS, then grey + alpha).
    const p = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < 16; i++) {
      const x = i % 4;
      p.data.set(x < 2 ? [0, 160, 0, 255] : [0, 0, 0, 0], i * 4);
    }
    const rgba = PNG.sync.write(p, { colorType: 6 });
    const r = await renderImage('png-rgba-half', rgba);
    expect(close(pixelAt(r.png, 120, 100, PAGE[1]), [0, 160, 0])).toBe(true);
    expect(close(pixelAt(r.png, 180, 100, PAGE[1]), [255, 255, 255], 2)).toBe(true);

    const pal = palettePng(
      4,
      4,
      Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 1)),
      [
        [0, 160, 0],
        [0, 0, 0],
      ],
      [255, 0],
    );
    const rp = await renderImage('png-palette-trns', pal);
    expect(close(pixelAt(rp.png, 120, 100, PAGE[1]), [0, 160, 0])).toBe(true);
    expect(close(pixelAt(rp.png, 180, 100, PAGE[1]), [255, 255, 255], 2)).toBe(true);

    const g = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < 16; i++) g.data.set(i % 4 < 2 ? [60, 60, 60, 255] : [60, 60, 60, 0], i * 4);
    const ga = PNG.sync.write(g, { colorType: 4 });
    expect(decodeImage(ga).colorSpace).toBe('DeviceGray');
    const r2 = await renderImage('png-grey-alpha', ga);
    expect(close(pixelAt(r2.png, 120, 100, PAGE[1]), [60, 60, 60])).toBe(true);
    expect(close(pixelAt(r2.png, 180, 100, PAGE[1]), [255, 255, 255], 2)).toBe(true);
  });
});
