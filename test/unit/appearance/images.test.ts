import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.js';
import { decodeImage, decodeJpeg, decodePng, imageObjects } from '../../../src/pdf/appearance/index.js';
import { rgbToYcc, solidJpeg } from './jpeg-fixture.js';
import { palettePng } from './png-fixture.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : `not AppError: ${String(e)}`;
  }
  return undefined;
}

describe('decodePng', () => {
  it('splits RGBA into Flate RGB samples and an 8-bit alpha soft mask', () => {
    const p = new PNG({ width: 3, height: 2 });
    const px = [
      [255, 0, 0, 255],
      [0, 255, 0, 128],
      [0, 0, 255, 0],
      [10, 20, 30, 255],
      [40, 50, 60, 255],
      [70, 80, 90, 1],
    ];
    px.forEach((v, i) => p.data.set(v, i * 4));
    const img = decodePng(PNG.sync.write(p, { colorType: 6 }));
    expect(img).toMatchObject({ format: 'png', width: 3, height: 2, colorSpace: 'DeviceRGB', filter: 'FlateDecode' });
    expect([...inflateSync(img.data)]).toEqual(px.flatMap((v) => v.slice(0, 3)));
    expect([...inflateSync(img.smask!)]).toEqual(px.map((v) => v[3]));
  });

  it('leaves out the soft mask for an opaque image', () => {
    const p = new PNG({ width: 2, height: 2 });
    p.data.fill(200);
    for (let i = 3; i < 16; i += 4) p.data[i] = 255;
    const img = decodePng(PNG.sync.write(p, { colorType: 2 }));
    expect(img.smask).toBeUndefined();
    const objs = imageObjects(img, 'im');
    expect(objs).toHaveLength(1);
    expect(objs[0]!.dict.entries['SMask']).toBeUndefined();
  });

  it('expands a palette with tRNS into colour + alpha', () => {
    const png = palettePng(
      2,
      1,
      [0, 1],
      [
        [200, 10, 20],
        [1, 2, 3],
      ],
      [255, 0],
    );
    const img = decodePng(png);
    expect([...inflateSync(img.data)]).toEqual([200, 10, 20, 1, 2, 3]);
    expect([...inflateSync(img.smask!)]).toEqual([255, 0]);
  });

  it('scales 16-bit samples to 8 bits', () => {
    const p = new PNG({ width: 1, height: 1, bitDepth: 16 });
    p.data = Buffer.from([0xab, 0xcd, 0x12, 0x34, 0xff, 0xff, 0xff, 0xff]);
    const png = PNG.sync.write(p, { bitDepth: 16, colorType: 6, inputColorType: 6, inputHasAlpha: true });
    const img = decodePng(png);
    expect(img.width).toBe(1);
    expect(inflateSync(img.data).length).toBe(3);
  });

  it('grey+alpha PNGs become DeviceGray with a mask', () => {
    const g = new PNG({ width: 2, height: 1 });
    g.data.set([7, 7, 7, 255, 9, 9, 9, 100]);
    const img = decodePng(PNG.sync.write(g, { colorType: 4 }));
    expect(img.colorSpace).toBe('DeviceGray');
    expect([...inflateSync(img.data)]).toEqual([7, 9]);
    expect([...inflateSync(img.smask!)]).toEqual([255, 100]);
  });

  it('opaque 8-bit grey/RGB PNGs keep their zlib data with the PNG predictor', () => {
    const g = new PNG({ width: 2, height: 1 });
    g.data.set([7, 7, 7, 255, 9, 9, 9, 255]);
    const png = PNG.sync.write(g, { colorType: 0 });
    const img = decodePng(png);
    expect(img.colorSpace).toBe('DeviceGray');
    expect(img.smask).toBeUndefined();
    expect(img.decodeParms).toEqual({ predictor: 15, colors: 1, columns: 2 });
    // One filter byte then the filtered row (PNG §9): the bytes are the PNG's own IDAT.
    const rows = inflateSync(img.data);
    expect(rows.length).toBe(3);
    expect(png.includes(img.data)).toBe(true);
    const obj = imageObjects(img, 'g')[0]!;
    expect(obj.dict.entries['DecodeParms']).toEqual({
      kind: 'dict',
      entries: { Predictor: 15, Colors: 1, BitsPerComponent: 8, Columns: 2 },
    });
  });

  it('pass-through still checks the image data', () => {
    const rgb = new PNG({ width: 4, height: 4 });
    rgb.data.fill(255);
    const png = PNG.sync.write(rgb, { colorType: 2 });
    expect(decodePng(png).decodeParms?.colors).toBe(3);
    // Replace the IDAT with a valid zlib stream of the wrong size (and a correct CRC).
    const at = png.indexOf('IDAT');
    const len = png.readUInt32BE(at - 4);
    const wrong = deflateSync(Buffer.alloc(5));
    const chunk = Buffer.alloc(12 + wrong.length);
    chunk.writeUInt32BE(wrong.length, 0);
    chunk.write('IDAT', 4, 'latin1');
    wrong.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + wrong.length)) >>> 0, 8 + wrong.length);
    const bad = Buffer.concat([png.subarray(0, at - 4), chunk, png.subarray(at + 8 + len)]);
    expect(code(() => decodePng(bad))).toBe('IMAGE_INVALID');
  });

  it('the image object refers to its soft mask, both carry /Length', () => {
    const img = decodePng(readFileSync(join(process.cwd(), 'assets/samples/sample-seal-red.png')));
    const [mask, image] = imageObjects(img, 'seal');
    expect(mask!.id).toBe('seal.smask');
    expect(image!.dict.entries['SMask']).toEqual({ kind: 'ref', id: 'seal.smask' });
    expect(image!.dict.entries['Length']).toBe(image!.stream!.length);
    expect(mask!.dict.entries['Length']).toBe(mask!.stream!.length);
    expect(mask!.dict.entries['ColorSpace']).toEqual({ kind: 'name', name: 'DeviceGray' });
  });
});

describe('bad images are IMAGE_INVALID', () => {
  const good = readFileSync(join(process.cwd(), 'assets/samples/sample-signature-blue.png'));
  it.each([
    ['text', Buffer.from('hello, not an image')],
    ['empty', Buffer.alloc(0)],
    ['PDF', Buffer.from('%PDF-1.7\n')],
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['truncated PNG', good.subarray(0, good.length - 40)],
    ['PNG header only', good.subarray(0, 40)],
    [
      'PNG with a damaged chunk type',
      (() => {
        const b = Buffer.from(good);
        b[40] = b[40]! ^ 0xff;
        return b;
      })(),
    ],
    [
      'PNG with a bad CRC',
      (() => {
        const b = Buffer.from(good);
        b[32] = b[32]! ^ 0x01;
        return b;
      })(),
    ],
    ['JPEG without a frame header', Buffer.from([0xff, 0xd8, 0xff, 0xd9])],
    ['truncated JPEG', solidJpeg(8, 8, [1], 'grey').subarray(0, 30)],
  ])('%s', (_name, bytes) => {
    expect(code(() => decodeImage(bytes))).toBe('IMAGE_INVALID');
  });

  it('huge dimensions are refused before decompression', () => {
    const b = Buffer.from(good);
    b.writeUInt32BE(100_000, 16);
    b.writeUInt32BE(100_000, 20);
    expect(code(() => decodePng(b))).toBe('IMAGE_INVALID');
    expect(code(() => decodeImage(good, { maxPixels: 100 }))).toBe('IMAGE_INVALID');
  });
});

describe('decodeJpeg', () => {
  it('reads size and components from SOF0 and keeps the bytes', () => {
    const jpg = solidJpeg(40, 24, rgbToYcc(1, 2, 3), 'ycc');
    const img = decodeJpeg(jpg);
    expect(img).toMatchObject({ width: 40, height: 24, colorSpace: 'DeviceRGB', filter: 'DCTDecode' });
    expect(img.data).toBe(jpg);
    expect(img.decode).toBeUndefined();
    expect(decodeJpeg(solidJpeg(8, 8, [1], 'grey')).colorSpace).toBe('DeviceGray');
    expect(decodeJpeg(solidJpeg(8, 8, [1, 2, 3, 4], 'cmyk')).colorSpace).toBe('DeviceCMYK');
  });
});
