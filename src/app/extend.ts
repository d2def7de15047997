import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { extendToLevel } from '../signing/pades-levels.js';
import type { SigningWiring } from './signing.js';
import type { PkiWiring } from './pki.js';

/**
 * "extend": add a new /DSS (certificates, OCSP responses, CRLs for every signature and timestamp
 * in the file — the same collection B-LT signing does) and a new archive document timestamp,
 * appended as incremental updates, so a B-LTA file stays verifiable after the last timestamp's
 * certificate expires. Refuses files with no readable signature, and never rewrites existing bytes.
 */
export async function extendPdf(pdf: Buffer, w: { signing: SigningWiring; pki?: PkiWiring; clock: Clock }): Promise<Buffer> {
  if (!w.signing.timestamp) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured (run kyso init)');
  if ((w.signing.engine.signatureContents?.(pdf) ?? []).length === 0)
    throw new AppError('VALIDATION_FAILED', 'the file has no readable signature or timestamp to extend');
  const pool = w.pki ? (await w.pki.store.cas.list()).map((c) => c.certificateDer) : [];
  return extendToLevel(pdf, 'B-LTA', [], w.clock.now(), w.signing.engine, {
    timestamp: w.signing.timestamp,
    revocation: w.signing.revocation,
    certificatePool: pool,
  });
}
