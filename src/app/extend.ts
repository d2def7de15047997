import { AppError } from '../core/errors.js';
import { readDer } from '../core/der-reader.js';
import type { Clock } from '../core/clock.js';
import { ltvChainsFromCms } from '../cms/index.js';
import { extendToLevel } from '../signing/pades-levels.js';
import type { SigningWiring } from './signing.js';
import type { VerifyWiring } from './verify.js';
import type { PkiWiring } from './pki.js';

/**
 * Issue 4 "extend": add a new /DSS (certificates, OCSP responses, CRLs for every signature and
 * timestamp in the file) and a new archive document timestamp, appended as incremental updates,
 * so a B-LTA file stays verifiable after the last timestamp's certificate expires.
 * Refuses files with no readable signature, and never rewrites existing bytes.
 */
export async function extendPdf(
  pdf: Buffer,
  w: { signing: SigningWiring; verify: VerifyWiring; pki?: PkiWiring; clock: Clock },
): Promise<Buffer> {
  if (!w.signing.timestamp) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured (run kyso init)');
  const report = await w.verify.verify(pdf, { offline: true });
  // the verifier reads under the shared input budget: a file over it is refused, not extended
  const overBudget = report.subIndication === 'FORMAT_FAILURE' ? report.errors.find((e) => e.startsWith('LIMIT_')) : undefined;
  if (overBudget)
    throw new AppError('PDF_LIMIT_EXCEEDED', `the PDF exceeds the input limits (${overBudget})`, {
      details: { limit: overBudget.slice('LIMIT_'.length).toLowerCase() },
    });
  const cmsList: Buffer[] = [];
  for (const s of report.signatures) {
    const br = s.integrity.byteRange;
    if (!s.integrity.byteRangeValid || !br || br.length !== 4) continue;
    const [a, b, c] = br as [number, number, number, number];
    // The gap between the two byte ranges is `<hex…>`: the /Contents string (ISO 32000-1 §12.8.1).
    const hex = pdf.subarray(a + b + 1, c - 1).toString('latin1');
    if (!/^[0-9A-Fa-f]*$/.test(hex)) continue;
    const raw = Buffer.from(hex, 'hex');
    try {
      const node = readDer(raw, 0, 'CMS_MALFORMED');
      cmsList.push(Buffer.from(raw.subarray(0, node.raw.length)));
    } catch {
      // unreadable /Contents: the verifier reports it; nothing to collect here
    }
  }
  if (cmsList.length === 0) throw new AppError('VALIDATION_FAILED', 'the file has no readable signature or timestamp to extend');
  const pool = w.pki ? (await w.pki.store.cas.list()).map((c) => c.certificateDer) : [];
  const chains = cmsList.flatMap((cms) => ltvChainsFromCms(cms, pool));
  return extendToLevel(pdf, 'B-LTA', chains, w.clock.now(), w.signing.engine, {
    timestamp: w.signing.timestamp,
    revocation: w.signing.revocation,
  });
}
