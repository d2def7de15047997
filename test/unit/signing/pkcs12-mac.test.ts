import { describe, expect, it } from 'vitest';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { verifyPfxMac } from '../../../src/signing/pkcs12-mac.js';

/**
 * The PFX integrity check (RFC 7292 §4, BMPString password KDF of Appendix B.2) used for
 * passwords with Vietnamese diacritics, where OpenSSL 3 and node-forge encode the password
 * differently. Files come from the fixture's PKCS#12 writer (modern PBES2 and legacy PBE-SHA1-3DES,
 * both with a SHA MAC).
 */
describe('verifyPfxMac', () => {
  const s = issueSigner(sharedTestCa(), { cn: 'Kiểm tra MAC' });

  it('holds for the right password, ASCII or with diacritics, modern or legacy file', () => {
    expect(verifyPfxMac(s.p12('mật khẩu ằẵệ'), 'mật khẩu ằẵệ')).toBe(true);
    expect(verifyPfxMac(s.p12('secret-1'), 'secret-1')).toBe(true);
    expect(verifyPfxMac(s.p12('cũ', true), 'cũ')).toBe(true);
  });

  it('fails for a wrong password, one changed byte of the MAC or of the content', () => {
    const pfx = s.p12('mật khẩu');
    expect(verifyPfxMac(pfx, 'mat khau')).toBe(false);
    expect(verifyPfxMac(pfx, 'mật khẩu ')).toBe(false);
    const flipped = (at: number): Buffer => {
      const copy = Buffer.from(pfx);
      copy.writeUInt8(copy.readUInt8(at) ^ 0x01, at);
      return copy;
    };
    // The MacData is the PFX's last element: its digest sits before the salt and the iteration count.
    expect(verifyPfxMac(flipped(pfx.length - 40), 'mật khẩu')).toBe(false);
    expect(verifyPfxMac(flipped(Math.floor(pfx.length / 2)), 'mật khẩu')).toBe(false);
  });

  it('answers false, never throws, for what is not a PFX', () => {
    const pfx = s.p12('pw');
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('not a p12'),
      pfx.subarray(0, pfx.length - 10),
      Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03]),
    ])
      expect(verifyPfxMac(bad, 'pw')).toBe(false);
  });
});
