import { describe, expect, it } from 'vitest';
import { identityFromClaims, type ClaimMapping } from '../../../src/accounts/oidc-claims.js';
import { isAppError } from '../../../src/core/errors.js';
import { parseRoleMap } from '../../../src/config/sign-in.js';

const M: ClaimMapping = {
  claims: { role: 'kyso_role', organization: 'kyso_org', authority: 'kyso_authority', official: 'kyso_official', name: 'name' },
  roles: { 'chung-thuc': 'certifier', signer: 'signer' },
};
const ISS = 'https://idp.example.gov.vn';

function failure(claims: Record<string, unknown>, m: ClaimMapping = M): unknown {
  try {
    identityFromClaims(ISS, claims, m);
  } catch (e) {
    return isAppError(e, 'OIDC_FAILED') ? e.details?.reason : e;
  }
  return undefined;
}

describe('OIDC claims → role and scope', () => {
  it('maps configured values, the first known one of a list, and the scope claims', () => {
    expect(
      identityFromClaims(
        ISS,
        {
          sub: 's1',
          name: 'Trần Thị Hoa',
          kyso_role: ['x', 'chung-thuc'],
          kyso_org: 'org_qn',
          kyso_authority: 'auth_1',
          kyso_official: 'off_1',
        },
        M,
      ),
    ).toEqual({
      issuer: ISS,
      subject: 's1',
      displayName: 'Trần Thị Hoa',
      role: 'certifier',
      organizationId: 'org_qn',
      authorityId: 'auth_1',
      officialId: 'off_1',
    });
  });

  it('refuses no subject, an unmapped role, a malformed id claim', () => {
    expect(failure({ kyso_role: 'signer' })).toBe('claims');
    expect(failure({ sub: 's', kyso_role: 'admin' })).toBe('role');
    expect(failure({ sub: 's', kyso_role: 'signer', kyso_org: 'org qn; drop' })).toBe('claims');
  });

  it('refuses a role claim naming a built-in property of objects like an unmapped one, never with an internal error', () => {
    const fromConfig: ClaimMapping = { ...M, roles: parseRoleMap('oidcRoles', 'chung-thuc=certifier,signer') };
    for (const m of [M, fromConfig])
      for (const v of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        expect(failure({ sub: 's', kyso_role: v }, m), v).toBe('role');
        expect(failure({ sub: 's', kyso_role: [v] }, m), v).toBe('role');
        // A list still finds its real role after such a value.
        expect(identityFromClaims(ISS, { sub: 's', kyso_role: [v, 'signer'] }, m).role, v).toBe('signer');
      }
  });

  it('never shows a name with bidi or control characters: the next safe one, else the subject', () => {
    const bidi = identityFromClaims(ISS, { sub: 's2', name: 'Nguy\u202Eễn', preferred_username: 'nguyen.a', kyso_role: 'signer' }, M);
    expect(bidi.displayName).toBe('nguyen.a');
    const none = identityFromClaims(ISS, { sub: 's3', name: 'a\u0000b', kyso_role: 'signer' }, M);
    expect(none.displayName).toBe('s3');
  });
});
