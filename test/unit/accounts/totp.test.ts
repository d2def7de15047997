import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newTotpSecret, totpCodeAt, totpStepOf, totpUri } from '../../../src/accounts/totp.js';

/** RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", 8 digits; here checked on 6 digits (RFC 4226 truncation). */
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

function hotp(secret: Buffer, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(msg).digest();
  const off = mac[mac.length - 1]! & 0xf;
  const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 test vector times (last six digits of the published 8-digit codes)', () => {
    expect(totpCodeAt(RFC_SECRET_BASE32, new Date(59_000))).toBe('287082');
    expect(totpCodeAt(RFC_SECRET_BASE32, new Date(1111111109_000))).toBe('081804');
    expect(totpCodeAt(RFC_SECRET_BASE32, new Date(2000000000_000))).toBe('279037');
  });

  it('accepts the current step and one either side, and says which step', () => {
    const at = new Date(1_800_000_000_000);
    const step = Math.floor(at.getTime() / 30_000);
    const seed = Buffer.from('12345678901234567890');
    expect(totpStepOf(RFC_SECRET_BASE32, hotp(seed, step), at)).toBe(step);
    expect(totpStepOf(RFC_SECRET_BASE32, hotp(seed, step - 1), at)).toBe(step - 1);
    expect(totpStepOf(RFC_SECRET_BASE32, hotp(seed, step + 1), at)).toBe(step + 1);
    expect(totpStepOf(RFC_SECRET_BASE32, hotp(seed, step - 3), at)).toBeUndefined();
    expect(totpStepOf(RFC_SECRET_BASE32, '12345', at)).toBeUndefined();
  });

  it('makes 160-bit secrets and an otpauth URI an authenticator app imports', () => {
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    const u = new URL(totpUri(s, 'lan.nguyen'));
    expect(u.protocol).toBe('otpauth:');
    expect(u.searchParams.get('secret')).toBe(s);
    expect(u.searchParams.get('digits')).toBe('6');
    expect(u.searchParams.get('period')).toBe('30');
  });
});
