import { AppError } from './errors.js';

/**
 * Who acts: the one vocabulary of roles and scope shared by the HTTP edge, the CLI and the
 * PKI, signing and certified-copy services.
 *
 * A principal has a role and, unless it is province-wide (admin, the server's CLI operator, the
 * system itself), a scope: the organization it works for and, for a certifier, the certifying
 * authority whose register it keeps and the official whose signing credentials it uses
 * (Decree 23/2015 Art. 5: a copy is certified by the competent person of that authority).
 */
export type ApiRole = 'admin' | 'ra-officer' | 'signer' | 'certifier' | 'auditor';
export const API_ROLES: readonly ApiRole[] = ['admin', 'ra-officer', 'signer', 'certifier', 'auditor'];
/** `system` is the bootstrap and the schedulers; neither has an API token. */
export type PrincipalRole = ApiRole | 'system';

export interface Principal {
  /** Audit actor id: `token:<id>`, `account:<id>` (a signed-in person), `cli:<user>` or `system`. */
  readonly id: string;
  /**
   * The person behind the principal when known: `account:<id>` for a session and for a token
   * handed to an account. Dual control compares people (see personOf), not credentials.
   */
  readonly personId?: string;
  readonly role: PrincipalRole;
  /** The organization (subscriber id) the principal works for; absent = province-wide. */
  readonly organizationId?: string;
  /** A certifier's certifying authority. */
  readonly authorityId?: string;
  /** The official (signing-credential owner) a certifier or signer acts as. */
  readonly officialId?: string;
}

export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ id: 'system', role: 'system' });

export function isApiRole(v: unknown): v is ApiRole {
  return typeof v === 'string' && (API_ROLES as readonly string[]).includes(v);
}

/** Roles whose tokens must name an organization; admins are province-wide. */
export function needsOrganization(role: ApiRole): boolean {
  return role !== 'admin';
}

/** Roles whose tokens must also name the authority and the official they act as. */
export function needsAuthorityAndOfficial(role: ApiRole): boolean {
  return role === 'certifier';
}

/** Admin, the CLI operator and the system are not bound to an organization. */
export function isProvinceWide(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'system';
}

const SCOPE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** What a token or an account is bound to (see needsOrganization, needsAuthorityAndOfficial). */
export interface PrincipalScope {
  readonly organizationId?: string | null;
  readonly authorityId?: string | null;
  readonly officialId?: string | null;
}

/**
 * VALIDATION_FAILED unless the scope fits the role: admins none, others an organization,
 * certifiers also authority and official. `what` names the thing in messages (token, account).
 */
export function checkPrincipalScope(role: ApiRole, s: PrincipalScope, what = 'token'): void {
  const given = (v: string | null | undefined): v is string => typeof v === 'string' && v !== '';
  for (const [field, v] of Object.entries({ organizationId: s.organizationId, authorityId: s.authorityId, officialId: s.officialId }))
    if (given(v) && !SCOPE_ID.test(v)) throw new AppError('VALIDATION_FAILED', `${field}: not a valid id`, { details: { field } });
  if (role === 'admin') {
    if (given(s.organizationId) || given(s.authorityId) || given(s.officialId))
      throw new AppError('VALIDATION_FAILED', `admin ${what}s are province-wide: give no organization, authority or official`, {
        details: { field: 'organizationId' },
      });
    return;
  }
  if (needsOrganization(role) && !given(s.organizationId))
    throw new AppError('VALIDATION_FAILED', `a ${role} ${what} must be bound to an organization (organizationId, CLI --org)`, {
      details: { field: 'organizationId' },
    });
  if (needsAuthorityAndOfficial(role) && (!given(s.authorityId) || !given(s.officialId)))
    throw new AppError(
      'VALIDATION_FAILED',
      `a certifier ${what} must name its authority and the official it acts as (CLI --authority, --official)`,
      {
        details: { field: given(s.authorityId) ? 'officialId' : 'authorityId' },
      },
    );
  if (!needsAuthorityAndOfficial(role) && given(s.authorityId))
    throw new AppError('VALIDATION_FAILED', `only certifier ${what}s are bound to an authority, not ${role}`, {
      details: { field: 'authorityId' },
    });
  if (role !== 'certifier' && role !== 'signer' && given(s.officialId))
    throw new AppError('VALIDATION_FAILED', `only certifier and signer ${what}s act as an official, not ${role}`, {
      details: { field: 'officialId' },
    });
}

export function requireRole(p: Principal, roles: readonly string[], what: string): void {
  if (!p || !roles.includes(p.role)) {
    throw new AppError('FORBIDDEN', `role "${p?.role ?? 'none'}" may not ${what}`, { details: { required: roles } });
  }
}

function outOfScope(what: string, details: Record<string, unknown>): AppError {
  return new AppError('FORBIDDEN_SCOPE', `outside this token's scope: ${what}`, { details });
}

/**
 * The target belongs to `organizationId` (null: to no organization, e.g. a certificate with no
 * subscriber record, which only province-wide principals may touch).
 */
export function requireOrganizationScope(p: Principal, organizationId: string | null | undefined, what: string): void {
  if (isProvinceWide(p)) return;
  if (!p.organizationId || !organizationId || p.organizationId !== organizationId)
    throw outOfScope(what, { organizationId: organizationId ?? null });
}

/** A certifier works in its own authority's register only; an auditor reads its organization's authorities. */
export function requireAuthorityScope(
  p: Principal,
  authority: { readonly id: string; readonly organizationId: string | null },
  what: string,
): void {
  if (isProvinceWide(p)) return;
  if (p.role === 'certifier') {
    // Both must hold: a token minted with an authority of another organization does not open it.
    const sameOrganization = authority.organizationId === null || authority.organizationId === p.organizationId;
    if (p.authorityId !== authority.id || !sameOrganization) throw outOfScope(what, { authorityId: authority.id });
    return;
  }
  requireOrganizationScope(p, authority.organizationId, what);
}

/** Who acts, as a person: the account behind a session or a linked token, else the principal itself. */
export function personOf(p: Pick<Principal, 'id' | 'personId'>): string {
  return p.personId ?? p.id;
}

/** The id signing credentials are owned by: the official a scoped token acts as, else the principal itself. */
export function credentialOwnerOf(p: Principal): string {
  return p.officialId ?? p.id;
}
