import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { cookiePolicy } from '../../../src/http/auth/session-cookie.js';
import { errorCode } from '../../fixtures/error-code.js';

const errorCodeOf = (f: () => unknown) => errorCode(Promise.resolve().then(f));

const base = { KYSO_DATA: '/tmp/kyso-sign-in-config-unused' };
const oidc = { KYSO_OIDC_CLIENT_ID: 'kyso', KYSO_OIDC_CLIENT_SECRET: 's3cret' };

describe('sign-in configuration', () => {
  it('has the documented defaults and no OIDC without an issuer', () => {
    const c = loadConfig({ env: base });
    expect(c.signIn).toMatchObject({
      sessionMaxAgeSeconds: 28800,
      sessionIdleSeconds: 1800,
      loginMaxFailures: 5,
      loginMaxFailuresPerIp: 20,
    });
    expect(c.signIn.oidc).toBeUndefined();
  });

  it('refuses an http issuer unless it is loopback and explicitly allowed', async () => {
    expect(await errorCodeOf(() => loadConfig({ env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'http://idp.example.gov.vn' } }))).toBe(
      'CONFIG_INVALID',
    );
    expect(
      await errorCodeOf(() =>
        loadConfig({ env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'http://idp.example.gov.vn', KYSO_OIDC_INSECURE_LOOPBACK: 'on' } }),
      ),
    ).toBe('CONFIG_INVALID');
    expect(await errorCodeOf(() => loadConfig({ env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'http://127.0.0.1:9999' } }))).toBe(
      'CONFIG_INVALID',
    );
    const ok = loadConfig({ env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'http://127.0.0.1:9999', KYSO_OIDC_INSECURE_LOOPBACK: 'on' } });
    expect(ok.signIn.oidc?.insecureLoopback).toBe(true);
  });

  it('maps claim values to roles and documents the claim names with their defaults', async () => {
    const c = loadConfig({
      env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'https://idp.example.gov.vn/realms/qn', KYSO_OIDC_ROLES: 'chung-thuc=certifier, signer' },
    });
    expect(c.signIn.oidc?.roles).toEqual({ 'chung-thuc': 'certifier', signer: 'signer' });
    expect(c.signIn.oidc?.claims).toEqual({
      role: 'kyso_role',
      organization: 'kyso_org',
      authority: 'kyso_authority',
      official: 'kyso_official',
      name: 'name',
    });
    expect(c.signIn.oidc?.redirectUri).toBe(`${c.publicUrl}/auth/oidc/callback`);
    expect(
      await errorCodeOf(() =>
        loadConfig({ env: { ...base, ...oidc, KYSO_OIDC_ISSUER: 'https://idp.example', KYSO_OIDC_ROLES: 'x=root' } }),
      ),
    ).toBe('CONFIG_INVALID');
    expect(await errorCodeOf(() => loadConfig({ env: { ...base, KYSO_OIDC_ISSUER: 'https://idp.example' } }))).toBe('CONFIG_INVALID');
  });

  it('uses the __Host- cookie with Secure over https and the plain name only over http (development)', () => {
    expect(cookiePolicy('https://kyso.example.gov.vn')).toEqual({ name: '__Host-kyso_session', secure: true });
    expect(cookiePolicy('http://127.0.0.1:3000')).toEqual({ name: 'kyso_session', secure: false });
  });
});
