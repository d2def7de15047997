import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { identityFromClaims, type ClaimMapping } from './oidc-claims.js';
import type { OidcPendingRepository } from './ports.js';
import type { SignInService } from './sign-in-service.js';
import type { StartedSession } from './sessions.js';

/** The relying-party settings (src/config/sign-in.ts OidcConfig fits). */
export interface OidcSettings extends ClaimMapping {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scope: string;
  /** http issuer on a loopback address (validated by the configuration). */
  readonly insecureLoopback: boolean;
}

/** A pending sign-in lives this long: enough to type a password at the provider. */
export const OIDC_PENDING_SECONDS = 600;

const hashOf = (v: string): string => createHash('sha256').update(v, 'utf8').digest('hex');

/** A same-origin path to go back to after sign-in; anything else becomes the workstation. */
export function safeReturnTo(v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v) || v.length > 512) return '/workstation';
  return v;
}

/**
 * OpenID Connect sign-in as a relying party (OpenID Connect Core 1.0 §3.1, the authorization code
 * flow) with PKCE S256 (RFC 7636), `state` against CSRF on the callback (RFC 6749 §10.12) and
 * `nonce` against ID token replay (Core §3.1.2.1). State, nonce and the code verifier are kept on
 * the server, keyed by the hash of a random one-time cookie value, and taken once.
 */
export class OidcSignIn {
  #config: Promise<client.Configuration> | undefined;

  constructor(
    private readonly d: {
      readonly settings: OidcSettings;
      readonly pending: OidcPendingRepository;
      readonly signIn: SignInService;
      readonly clock: Clock;
    },
  ) {}

  /** Discovery once, retried on the next sign-in if the provider was unreachable. */
  #configuration(): Promise<client.Configuration> {
    const s = this.d.settings;
    this.#config ??= client
      .discovery(
        new URL(s.issuer),
        s.clientId,
        undefined,
        client.ClientSecretBasic(s.clientSecret),
        s.insecureLoopback ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((cause: unknown) => {
        this.#config = undefined;
        throw new AppError('OIDC_FAILED', 'the identity provider cannot be reached', {
          cause,
          details: { reason: 'provider-unreachable' },
        });
      });
    return this.#config;
  }

  /** Where to send the browser, and the cookie value naming this pending sign-in. */
  async begin(returnTo: string): Promise<{ url: string; cookieValue: string; maxAgeSeconds: number }> {
    const config = await this.#configuration();
    await this.d.pending.deleteExpired(this.d.clock.now());
    const cookieValue = randomBytes(32).toString('base64url');
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await this.d.pending.create({
      idHash: hashOf(cookieValue),
      state,
      nonce,
      codeVerifier,
      returnTo: safeReturnTo(returnTo),
      expiresAt: new Date(this.d.clock.now().getTime() + OIDC_PENDING_SECONDS * 1000),
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.d.settings.redirectUri,
      scope: this.d.settings.scope,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, cookieValue, maxAgeSeconds: OIDC_PENDING_SECONDS };
  }

  /**
   * The callback: the pending sign-in named by the cookie (taken once), the code exchanged with
   * the verifier, state and nonce checked by openid-client, the claims mapped, a session started.
   */
  async complete(callbackUrl: URL, cookieValue: string | undefined, ip: string): Promise<{ session: StartedSession; returnTo: string }> {
    try {
      const pending = cookieValue ? await this.d.pending.take(hashOf(cookieValue)) : undefined;
      if (!pending || pending.expiresAt <= this.d.clock.now())
        throw new AppError('OIDC_FAILED', 'no sign-in in progress in this browser (or it expired)', { details: { reason: 'state' } });
      if (callbackUrl.searchParams.has('error'))
        throw new AppError('OIDC_FAILED', 'the identity provider refused the sign-in', { details: { reason: 'provider-error' } });
      const config = await this.#configuration();
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (cause) {
        // openid-client wraps the check that failed ("unexpected \"state\" …") as the cause.
        const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : '';
        const m = `${cause instanceof Error ? cause.message : ''} ${inner}`;
        const reason = /state/i.test(m) ? 'state' : /nonce/i.test(m) ? 'nonce' : 'token';
        throw new AppError('OIDC_FAILED', `the sign-in response was refused (${reason})`, { cause, details: { reason } });
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new AppError('OIDC_FAILED', 'no ID token', { details: { reason: 'token' } });
      let claims: Record<string, unknown> = { ...idClaims };
      if (claims[this.d.settings.claims.role] === undefined && tokens.access_token) {
        // Providers that keep custom claims out of the ID token serve them at UserInfo (Core §5.3).
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...claims };
      }
      const identity = identityFromClaims(config.serverMetadata().issuer, claims, this.d.settings);
      const session = await this.d.signIn.signInWithOidc(identity, ip);
      return { session, returnTo: pending.returnTo };
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('OIDC_FAILED', 'sign-in failed', { cause: e, details: { reason: 'internal' } });
      if (isAppError(err, 'OIDC_FAILED')) await this.d.signIn.recordFailure('oidc', String(err.details?.reason ?? 'unknown'), ip);
      throw err;
    }
  }
}
