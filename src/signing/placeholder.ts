import { isAppError } from '../core/errors.js';

/**
 * `/Contents` placeholder sizing (docs/signatures-and-validation.md: "Size the placeholder from the chain, timestamp
 * and revocation data; on overflow, retry with a larger one"). The CMS holds the certificates,
 * the SignerInfo (issuer name + serial, signed attributes with the ESS certificate hash, the
 * signature value) and, for B-T, the timestamp token with the TSA's own chain.
 */
export interface PlaceholderBudget {
  /** Extra bytes reserved for a signature timestamp token (B-T and above). Default 12 KiB. */
  readonly timestampHeadroom?: number;
  /** Extra bytes for revocation values some verifiers like inside the CMS. Default 2 KiB. */
  readonly revocationHeadroom?: number;
}

export function estimatePlaceholder(certificates: readonly Buffer[], withTimestamp: boolean, budget: PlaceholderBudget = {}): number {
  const certs = certificates.reduce((n, c) => n + c.length, 0);
  const leaf = certificates[0]?.length ?? 2048;
  // SignerInfo ≈ issuer name (< leaf) + attributes (~250) + signature (≤ 512 for RSA-4096) + framing.
  const signerInfo = Math.min(leaf, 1500) + 1200;
  const base = certs + signerInfo + 512;
  const ts = withTimestamp ? (budget.timestampHeadroom ?? 12 * 1024) : 0;
  const rev = budget.revocationHeadroom ?? 2 * 1024;
  return roundUp(base + ts + rev, 1024);
}

/** Size for the single retry after PLACEHOLDER_OVERFLOW: what was needed plus a wide margin. */
export function retryPlaceholder(previous: number, needed: number): number {
  return roundUp(Math.max(previous * 2, needed + 8 * 1024), 1024);
}

/**
 * Runs `attempt` (prepare, sign, embed) with a placeholder of `size` bytes and, when the CMS did
 * not fit (PLACEHOLDER_OVERFLOW: /Contents is sized before the signature exists, ISO 32000-1
 * §12.8.1), once more with room for what it needed. Nothing is ever truncated.
 */
export async function withPlaceholderRetry<T>(size: number, attempt: (size: number) => Promise<T>): Promise<T> {
  try {
    return await attempt(size);
  } catch (err) {
    if (!isAppError(err, 'PLACEHOLDER_OVERFLOW')) throw err;
    const needed = err.details?.['needed'];
    return attempt(retryPlaceholder(size, typeof needed === 'number' ? needed : 0));
  }
}

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}
