import { API_ROLES, isApiRole, type ApiRole } from '../core/principal.js';
import { invalid, parseInteger, parseUrl } from './options.js';
import { isLoopbackUrl } from './public-url.js';

/** Sign-in settings (docs/sign-in.md), parsed once with the rest of the configuration. */
export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly claims: {
    readonly role: string;
    readonly organization: string;
    readonly authority: string;
    readonly official: string;
    readonly name: string;
  };
  /** Claim value → role; only these roles may sign in through OIDC. */
  readonly roles: Readonly<Record<string, ApiRole>>;
  /** http issuer allowed (loopback only). */
  readonly insecureLoopback: boolean;
}

export interface SignInConfig {
  readonly sessionMaxAgeSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly loginMaxFailures: number;
  readonly loginMaxFailuresPerIp: number;
  readonly loginLockSeconds: number;
  readonly oidc: OidcConfig | undefined;
}

const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

/** `role` or `value=role`, comma-separated. */
export function parseRoleMap(key: string, text: string): Record<string, ApiRole> {
  // No prototype: every key is a configured claim value, `__proto__` included, and nothing else.
  const out: Record<string, ApiRole> = Object.create(null) as Record<string, ApiRole>;
  for (const item of text.split(',').map((s) => s.trim())) {
    if (!item) continue;
    const [value, role] = item.includes('=') ? (item.split('=', 2).map((s) => s.trim()) as [string, string]) : [item, item];
    if (!isApiRole(role)) invalid(key, `unknown role ${JSON.stringify(role)} (roles: ${API_ROLES.join(', ')})`);
    if (!value) invalid(key, `empty claim value in ${JSON.stringify(item)}`);
    out[value] = role;
  }
  if (Object.keys(out).length === 0) invalid(key, 'must allow at least one role');
  return out;
}

export function parseSignInConfig(raw: (key: string) => string | undefined, publicUrl: string): SignInConfig {
  const sessionMaxAgeSeconds = parseInteger('sessionMaxAgeSeconds', raw('sessionMaxAgeSeconds') ?? '28800', 60, 30 * 86400);
  const sessionIdleSeconds = parseInteger('sessionIdleSeconds', raw('sessionIdleSeconds') ?? '1800', 60, 30 * 86400);
  if (sessionIdleSeconds > sessionMaxAgeSeconds) invalid('sessionIdleSeconds', 'must not exceed sessionMaxAgeSeconds');
  const loginMaxFailures = parseInteger('loginMaxFailures', raw('loginMaxFailures') ?? '5', 1, 100);
  const loginMaxFailuresPerIp = parseInteger('loginMaxFailuresPerIp', raw('loginMaxFailuresPerIp') ?? '20', 1, 100_000);
  const loginLockSeconds = parseInteger('loginLockSeconds', raw('loginLockSeconds') ?? '900', 1, 86400);
  return Object.freeze({
    sessionMaxAgeSeconds,
    sessionIdleSeconds,
    loginMaxFailures,
    loginMaxFailuresPerIp,
    loginLockSeconds,
    oidc: parseOidc(raw, publicUrl),
  });
}

function parseOidc(raw: (key: string) => string | undefined, publicUrl: string): OidcConfig | undefined {
  const issuerRaw = raw('oidcIssuer');
  const insecure = raw('oidcInsecureLoopback') ?? 'off';
  if (insecure !== 'on' && insecure !== 'off') invalid('oidcInsecureLoopback', 'must be on or off');
  if (issuerRaw === undefined) return undefined;
  const issuer = parseUrl('oidcIssuer', issuerRaw, ['https:', 'http:']);
  if (issuer.protocol === 'http:' && !(insecure === 'on' && isLoopbackUrl(issuer.href)))
    invalid('oidcIssuer', 'must be https (an http issuer only on a loopback address with KYSO_OIDC_INSECURE_LOOPBACK=on)');
  const clientId = raw('oidcClientId');
  const clientSecret = raw('oidcClientSecret');
  if (!clientId) invalid('oidcClientId', 'required when KYSO_OIDC_ISSUER is set');
  if (!clientSecret) invalid('oidcClientSecret', 'required when KYSO_OIDC_ISSUER is set');
  const redirectUri = parseUrl('oidcRedirectUri', raw('oidcRedirectUri') ?? `${publicUrl}/auth/oidc/callback`, ['https:', 'http:']).href;
  const scope = raw('oidcScope') ?? 'openid profile';
  if (!scope.split(/\s+/).includes('openid')) invalid('oidcScope', 'must include openid');
  const claim = (key: string, d: string): string => {
    const v = raw(key) ?? d;
    if (!CLAIM.test(v)) invalid(key, `not a claim name: ${JSON.stringify(v)}`);
    return v;
  };
  return Object.freeze({
    issuer: issuerRaw,
    clientId,
    clientSecret,
    redirectUri,
    scope,
    claims: Object.freeze({
      role: claim('oidcRoleClaim', 'kyso_role'),
      organization: claim('oidcOrganizationClaim', 'kyso_org'),
      authority: claim('oidcAuthorityClaim', 'kyso_authority'),
      official: claim('oidcOfficialClaim', 'kyso_official'),
      name: claim('oidcNameClaim', 'name'),
    }),
    roles: Object.freeze(parseRoleMap('oidcRoles', raw('oidcRoles') ?? 'ra-officer,signer,certifier,auditor')),
    insecureLoopback: insecure === 'on',
  });
}
