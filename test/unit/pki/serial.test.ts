import { describe, expect, it } from 'vitest';
import { generateSerial, normalizeSerial, serialToHex } from '../../../src/pki/serial.js';
import { isAppError } from '../../../src/core/errors.js';
import { int } from '../../../src/core/der.js';

describe('serials', () => {
  it('ok/16 octets, positive without a pad byte, distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = generateSerial();
      expect(s.length).toBe(16);
      expect((s[0] ?? 0) & 0x80).toBe(0);
      expect((s[0] ?? 0) & 0x40).toBe(0x40);
      // DER INTEGER content is the 16 bytes as is (no 0x00 pad, ≤ 20 octets)
      expect(int(s).subarray(2)).toEqual(s);
      seen.add(serialToHex(s));
    }
    expect(seen.size).toBe(2000);
  });
  it('ok/canonical hex: lower case, no leading zero bytes, even length', () => {
    expect(serialToHex(Buffer.from([0, 0, 0x0a, 0xbc]))).toBe('0abc');
    expect(normalizeSerial('0A:BC')).toBe('0abc');
    expect(normalizeSerial('0x000ABC')).toBe('0abc');
    expect(normalizeSerial(' 7f ')).toBe('7f');
  });
  it.each(['xyz', '', '0x', 'ab'.repeat(21)])('fail/%s → VALIDATION_FAILED', (s) => {
    try {
      normalizeSerial(s);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'VALIDATION_FAILED')).toBe(true);
    }
  });
});
