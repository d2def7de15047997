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
  // The verifier reads under the shared input budget; a file over it is refused, not extended.
  const inputLimit = report.subIndication === 'FORMAT_FAILURE' ? report.errors.find((e) => e.startsWith('LIMIT_')) : undefined;
  return extendToArchive(pdf, {
    signatures: report.signatures.map((s) => s.integrity),
    inputLimit,
    caCertificates: w.pki ? (await w.pki.cas.list()).map((c) => c.record.certificateDer) : [],
    at: w.clock.now(),
    engine: w.signing.engine,
    ports: { timestamp: w.signing.timestamp, revocation: w.signing.revocation },
  });
}
