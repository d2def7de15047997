import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrModules } from '../../../src/copies/qr-modules.js';

describe('qrModules', () => {
  it('ok/is the qrcode package’s own symbol (level M, its mask choice), module for module, whichever mask it picks', () => {
    const masks = new Set<number>();
    for (let i = 0; i < 600; i++) {
      const code = ((i * 2654435761) >>> 0).toString(36).toUpperCase();
      const text = `https://kyso.example.vn/tra-cuu?code=${code}-${i}${i % 9 === 0 ? '/x'.repeat(i % 120) : ''}`;
      const reference = QRCode.create(text, { errorCorrectionLevel: 'M' });
      masks.add(reference.maskPattern as number);
      const ours = qrModules(text);
      expect(ours.size, text).toBe(reference.modules.size);
      expect(Buffer.from(ours.dark).equals(Buffer.from(reference.modules.data)), text).toBe(true);
    }
    // Most of the eight masks occur, so the penalty rules are compared, not only one mask.
    expect(masks.size).toBeGreaterThanOrEqual(6);
  });
});
