import type { Clock } from '../core/clock.js';
import { extendToArchive } from '../signing/extend.js';
import type { SigningWiring } from './signing.js';
import type { PkiWiring } from './pki.js';

/**
 * `extend` (HTTP and CLI): signing appends the /DSS and the archive timestamp. The signatures are
 * read under the shared PDF input budget, so a file over it is refused (PDF_LIMIT_EXCEEDED).
 */
export async function extendPdf(pdf: Buffer, w: { signing: SigningWiring; pki?: PkiWiring; clock: Clock }): Promise<Buffer> {
  return extendToArchive(pdf, {
    caCertificates: w.pki ? (await w.pki.cas.list()).map((c) => c.record.certificateDer) : [],
    at: w.clock.now(),
    engine: w.signing.engine,
    ports: { timestamp: w.signing.timestamp, revocation: w.signing.revocation },
  });
}
