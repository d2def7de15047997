import type { Clock } from '../../../core/clock.js';
import type { RevocationFetcher } from '../../../pki/path/revocation.js';
import type { TrustStore } from '../../../pki/path/trust-store.js';
import type { ChangeClassifier } from '../diff.js';
import type { VerifyLimits } from '../limits.js';

export interface VerifyPolicy {
  /** Signed attributes not in DER order: DSS fails them (default), OpenSSL accepts them. */
  nonDerSignedAttributes: 'fail' | 'warn';
  /** Changes classified "other" after signing (reject-by-default). */
  undefinedChanges: 'fail' | 'warn';
  /** MD5/SHA-1 digests. */
  weakDigest: 'fail' | 'warn';
}
export const DEFAULT_POLICY: Readonly<VerifyPolicy> = Object.freeze({
  nonDerSignedAttributes: 'fail',
  undefinedChanges: 'fail',
  weakDigest: 'warn',
});

export interface VerifyOptions {
  trust: TrustStore;
  /** Validation time (default: clock.now()). */
  at?: Date;
  clock?: Clock;
  revocation?: RevocationFetcher;
  offline?: boolean;
  limits?: Partial<VerifyLimits>;
  policy?: Partial<VerifyPolicy>;
  /** Extra annotation/field rules run on each change after signing (they can only make it stricter). */
  classifyChange?: ChangeClassifier;
}
