import type { Clock } from '../core/clock.js';
import { extendToArchive } from '../signing/extend.js';
import type { SigningWiring } from './signing.js';
import type { VerifyWiring } from './verify.js';
import type { PkiWiring } from './pki.js';

/** `extend` (HTTP and CLI): the verifier locates the signatures offline, signing appends the /DSS and the archive timestamp. */
export async function extendPdf(
  pdf: Buffer,
  w: { signing: SigningWiring; verify: VerifyWiring; pki?: PkiWiring; clock: Clock },
): Promise<Buffer> {
  const report = await w.verify.verify(pdf, { offline: true });
  return extendToArchive(pdf, {
    signatures: report.signatures.map((s) => s.integrity),
    caCertificates: w.pki ? (await w.pki.cas.list()).map((c) => c.record.certificateDer) : [],
    at: w.clock.now(),
    engine: w.signing.engine,
    ports: { timestamp: w.signing.timestamp, revocation: w.signing.revocation },
  });
}
