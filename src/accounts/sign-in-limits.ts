/**
 * How many failed sign-ins are tolerated before a lock (OWASP Authentication Cheat Sheet, "account
 * lockout"; NIST SP 800-63B §5.2.2 asks for at most 100). Per account it stops guessing one
 * person's password; per IP it stops spraying one password over many accounts.
 */
export interface SignInLimits {
  readonly perAccount: number;
  readonly perIp: number;
  /** Failures older than this are forgotten (per account, per unknown username, per IP). */
  readonly windowSeconds: number;
  readonly lockSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = Object.freeze({
  perAccount: 5,
  perIp: 20,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
});
