import { AppError } from '../core/errors.js';
import { extendToLevel, type LevelPorts } from './pades-levels.js';
import type { PdfSignatureEngine } from './signing-ports.js';

/**
 * B-LTA upkeep (ETSI EN 319 142-1 §6.3): a new /DSS with current validation material for every
 * signature and timestamp in the file, then a new archive document timestamp, both appended as
 * incremental updates — existing bytes are never rewritten, so a file stays verifiable after
 * its last timestamp's certificate expires. Refuses without a TSA (TSA_UNAVAILABLE) and a file
 * with no readable signature (VALIDATION_FAILED).
 */
export async function extendToArchive(
  pdf: Buffer,
  o: {
    /** CA certificates to complete chains the CMS does not carry (our hierarchy). */
    readonly caCertificates: readonly Buffer[];
    readonly at: Date;
    readonly engine: PdfSignatureEngine;
    readonly ports: LevelPorts;
  },
): Promise<Buffer> {
  if (!o.ports.timestamp) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured (run kyso init)');
  if ((o.engine.signatureContents?.(pdf) ?? []).length === 0)
    throw new AppError('VALIDATION_FAILED', 'the file has no readable signature or timestamp to extend');
  // The same collection as B-LT signing: every signature and timestamp already in the file.
  return extendToLevel(pdf, 'B-LTA', [], o.at, o.engine, { ...o.ports, certificatePool: o.caCertificates });
}
