import { AppError } from '../core/errors.js';
import type { StoredRevocationReason } from './ports.js';

/** RFC 5280 §5.3.1 CRLReason values (7 is unused; 8 removeFromCRL only appears in delta CRLs). */
export const REASON_CODES: Readonly<Record<StoredRevocationReason, number>> = Object.freeze({
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
});

const BY_CODE = new Map<number, StoredRevocationReason>(Object.entries(REASON_CODES).map(([k, v]) => [v, k as StoredRevocationReason]));

/**
 * Reason for a permanent revocation, by name (case-insensitive) or number. certificateHold is
 * refused here (suspension has its own operation) and so is removeFromCRL (release has its own).
 */
export function parseRevocationReason(input: string | number | undefined | null): StoredRevocationReason {
  if (input === undefined || input === null || input === '') return 'unspecified';
  let reason: StoredRevocationReason | undefined;
  if (typeof input === 'number' || /^\d+$/.test(String(input).trim())) {
    reason = BY_CODE.get(Number(input));
  } else {
    const s = String(input).trim().toLowerCase();
    reason = (Object.keys(REASON_CODES) as StoredRevocationReason[]).find((k) => k.toLowerCase() === s);
  }
  if (!reason || reason === 'certificateHold') {
    throw new AppError('REVOCATION_REASON_INVALID', `"${String(input)}" is not a revocation reason (use suspend for certificateHold)`, {
      details: { reason: input, allowed: Object.keys(REASON_CODES).filter((k) => k !== 'certificateHold') },
    });
  }
  return reason;
}

export function reasonCode(reason: StoredRevocationReason): number {
  return REASON_CODES[reason];
}

export function reasonName(code: number): StoredRevocationReason | undefined {
  return BY_CODE.get(code);
}
