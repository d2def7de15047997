import { Secret, TOTP } from 'otpauth';

/**
 * Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps, the parameters
 * every authenticator app supports. A code is accepted for the current step and one either side
 * (RFC 6238 §5.2, clock drift), and only for a step after the last one accepted, so a code seen
 * over a shoulder cannot be replayed.
 */
const PERIOD = 30;

function totpOf(secretBase32: string, label = 'kyso'): TOTP {
  return new TOTP({ issuer: 'kyso', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A new 160-bit secret (RFC 4226 §4 recommends 160 bits) as base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app imports (shown once). */
export function totpUri(secretBase32: string, username: string): string {
  return totpOf(secretBase32, username).toString();
}

/** The time step the code belongs to, or undefined when it matches none within one step of `at`. */
export function totpStepOf(secretBase32: string, code: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return undefined;
  return Math.floor(at.getTime() / 1000 / PERIOD) + delta;
}

/** The code for `at` (tests and the CLI's self-check). */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totpOf(secretBase32).generate({ timestamp: at.getTime() });
}
