import jsQRModule from 'jsqr';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrModules, qrSymbol } from '../../../src/copies/qr-modules.js';
import { qrSegments } from '../../../src/copies/qr-segments.js';

// jsqr is CommonJS with a default export: under NodeNext it arrives as the module object.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string; version: number } | null;

/** The symbol as an RGBA image, 4 pixels a module, with a 4-module quiet zone, for a decoder. */
function decode(m: { size: number; dark: Uint8Array }): { data: string; version: number } | null {
  const scale = 4;
  const side = (m.size + 8) * scale;
  const px = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const r = Math.floor(y / scale) - 4;
      const c = Math.floor(x / scale) - 4;
      if (r >= 0 && c >= 0 && r < m.size && c < m.size && m.dark[r * m.size + c]) px.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  return jsQR(px, side, side);
}

const texts = Array.from({ length: 600 }, (_, i) => {
  const code = ((i * 2654435761) >>> 0).toString(36).toUpperCase();
  return `https://kyso.example.vn/tra-cuu?code=${code}-${i}${i % 9 === 0 ? '/x'.repeat(i % 120) : ''}`;
});

describe('qrModules', () => {
  it('ok/is the qrcode package’s symbol for the same segments (level M, its mask choice), module for module, whichever mask it picks', () => {
    const masks = new Set<number>();
    for (const text of texts) {
      const { segments } = qrSymbol(text);
      const reference = QRCode.create(segments as QRCode.QRCodeSegment[], { errorCorrectionLevel: 'M' });
      masks.add(reference.maskPattern as number);
      const ours = qrModules(text);
      expect(ours.size, text).toBe(reference.modules.size);
      expect(Buffer.from(ours.dark).equals(Buffer.from(reference.modules.data)), text).toBe(true);
    }
    // Most of the eight masks occur, so the penalty rules are compared, not only one mask.
    expect(masks.size).toBeGreaterThanOrEqual(6);
  });

  it('ok/decodes to the text, in a version no larger than the package’s own segmentation needs', () => {
    const lookups = Array.from(
      { length: 40 },
      (_, i) => `https://chungthuc.example.gov.vn:8443/verify/copy?code=${'7K2M-9QX4-A1B'.slice(0, 4 + (i % 9))}${i}`,
    );
    for (const text of [...texts.filter((_, i) => i % 10 === 0), ...lookups, 'Số 123/2020 — bản sao']) {
      const ours = qrModules(text);
      const decoded = decode(ours);
      expect(decoded?.data, text).toBe(text);
      expect(ours.size, text).toBeLessThanOrEqual(QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size);
    }
  });
});

describe('qrSegments', () => {
  it('ok/uses alphanumeric and numeric mode where they save bits, byte mode elsewhere', () => {
    expect(qrSegments('https://a.vn/verify/copy?code=7K2M-9QX4-A1B')).toEqual([
      { data: 'https://a.vn/verify/copy?code=', mode: 'byte' },
      { data: '7K2M-9QX4-A1B', mode: 'alphanumeric' },
    ]);
    expect(qrSegments('ABC1234567890123')).toEqual([
      { data: 'ABC', mode: 'alphanumeric' },
      { data: '1234567890123', mode: 'numeric' },
    ]);
    expect(qrSegments('abc')).toEqual([{ data: 'abc', mode: 'byte' }]);
    expect(qrSegments('12')).toEqual([{ data: '12', mode: 'numeric' }]);
  });
});
