import { AppError } from '../core/errors.js';
import { isApiRole, type ApiRole } from '../core/principal.js';
import { unsafeTextReason } from '../core/safe-text.js';
import type { OidcIdentity } from './sign-in-service.js';

/** Which claims carry what (configurable, docs/config.md) and which values become which role. */
export interface ClaimMapping {
  readonly claims: {
    readonly role: string;
    readonly organization: string;
    readonly authority: string;
    readonly official: string;
    readonly name: string;
  };
  readonly roles: Readonly<Record<string, ApiRole>>;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function idClaim(claims: Record<string, unknown>, name: string): string | null {
  const v = text(claims[name]);
  if (v !== null && !ID.test(v))
    throw new AppError('OIDC_FAILED', `claim ${name} is not a valid id`, { details: { reason: 'claims', claim: name } });
  return v;
}

/**
 * The identity a set of claims (ID token, then UserInfo) stands for. The role claim may be a
 * string or an array (group lists); the first value the mapping knows wins. No mapped role: refused.
 */
export function identityFromClaims(issuer: string, claims: Record<string, unknown>, m: ClaimMapping): OidcIdentity {
  const subject = text(claims.sub);
  if (!subject) throw new AppError('OIDC_FAILED', 'the ID token has no subject', { details: { reason: 'claims' } });
  const raw = claims[m.claims.role];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  // Own keys only, and a real role: a claim value such as `constructor` or `__proto__` must not
  // find something on the mapping's prototype and pass for a role.
  const role = values.map((v) => (Object.hasOwn(m.roles, v) ? m.roles[v] : undefined)).find(isApiRole);
  if (!role)
    throw new AppError('OIDC_FAILED', `claim ${m.claims.role} maps to no allowed role`, {
      details: { reason: 'role', claim: m.claims.role },
    });
  // A name is shown on pages and stamps: one with control or bidi characters is not used.
  const names = [text(claims[m.claims.name]), text(claims.preferred_username)].map((n) => n?.normalize('NFC').slice(0, 200) ?? null);
  const displayName = names.find((n): n is string => n !== null && unsafeTextReason(n) === undefined) ?? subject.slice(0, 200);
  return {
    issuer,
    subject,
    displayName,
    role,
    organizationId: idClaim(claims, m.claims.organization),
    authorityId: idClaim(claims, m.claims.authority),
    officialId: idClaim(claims, m.claims.official),
  };
}
