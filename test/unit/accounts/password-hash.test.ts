import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../../src/accounts/password-hash.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  it('stores its parameters and a per-hash salt, and the hash is scrypt over the NFC password (checked with scryptSync)', async () => {
    const stored = await hashPassword('Mật khẩu dài đủ', FAST);
    const [alg, N, r, p, salt, key] = stored.split('$');
    expect([alg, N, r, p]).toEqual(['scrypt', '1024', '8', '1']);
    const expected = scryptSync('Mật khẩu dài đủ'.normalize('NFC'), Buffer.from(salt!, 'base64url'), 32, { N: 1024, r: 8, p: 1 });
    expect(Buffer.from(key!, 'base64url').equals(expected)).toBe(true);
    expect(await hashPassword('Mật khẩu dài đủ', FAST)).not.toBe(stored);
  });

  it('verifies the right password (also typed with combining marks) and refuses others and malformed values', async () => {
    const stored = await hashPassword('Mật khẩu dài đủ', FAST);
    expect(await verifyPassword('Mật khẩu dài đủ', stored)).toBe(true);
    expect(await verifyPassword('Mật khẩu dài đủ'.normalize('NFD'), stored)).toBe(true);
    expect(await verifyPassword('Mat khau dai du', stored)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$3$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('x', `scrypt$${2 ** 30}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`)).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
  });

  it('asks for 12 to 256 characters', () => {
    expect(checkPasswordPolicy('ngắn quá')).toBeDefined();
    expect(checkPasswordPolicy('đủ mười hai ký tự')).toBeUndefined();
    expect(checkPasswordPolicy('a'.repeat(257))).toBeDefined();
  });
});
