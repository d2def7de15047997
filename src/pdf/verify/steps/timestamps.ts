/**
 * Timestamps as proof of existence (ETSI EN 319 102-1 §5.6.2.3, §5.2.6): a signature timestamp
 * counts only if no certificate of its TSA chain was revoked at genTime; a valid document
 * timestamp (ETSI EN 319 142-1 §5.4.3) gives POE to every signature it covers.
 */
import type { TimestampReport } from '../report.js';
import type { TimestampCheck } from '../timestamp.js';
import { checkChainRevocation } from './chain-revocation.js';
import type { SignatureWork, VerifyContext } from './context.js';
import { revocationMaterial } from './revocation-material.js';

/** Runs the TSA revocation check of every timestamp of `w` and records the proven times. */
export async function checkTimestamps(ctx: VerifyContext, w: SignatureWork): Promise<void> {
  for (const [i, tsc] of w.timestampChecks.entries()) {
    ctx.budget.check();
    const t = await tsaRevocation(ctx, w, tsc);
    w.timestamps[i] = t;
    if (tsc.genTime && t.valid && t.trusted) w.proofTimes.push(tsc.genTime);
  }
}

/**
 * Missing revocation data is a warning only: DSS makes it INDETERMINATE under stricter policies
 * alone. A revocation after genTime does not count, unless its reason is a key compromise.
 */
async function tsaRevocation(ctx: VerifyContext, w: SignatureWork, tsc: TimestampCheck): Promise<TimestampReport> {
  const rep = tsc.report;
  if (!tsc.chain?.anchor || !rep.trusted || !tsc.genTime) return rep;
  const rv = await checkChainRevocation(ctx, tsc.chain.chain, tsc.genTime, revocationMaterial(ctx, w, tsc.sd?.crls ?? []), true);
  const messages = [...rv.messages];
  const key = rv.revoked ? 'TSA_CERT_REVOKED' : rv.unknown ? 'TSA_REVOCATION_UNKNOWN' : undefined;
  if (key) {
    messages.push(key);
    w.warnings.push(key);
  }
  return { ...rep, trusted: !rv.revoked, revocation: rv.uses, messages: [...rep.messages, ...new Set(messages)] };
}

/** A valid, trusted document timestamp proves that everything it covers existed at its genTime. */
export function applyDocumentTimestampPoe(works: readonly SignatureWork[]): void {
  for (const w of works) {
    if (w.kind !== 'documentTimestamp' || !w.intact) continue;
    const ts = w.timestamps[0];
    if (!ts?.valid || !ts.trusted || !ts.genTime) continue;
    for (const o of works) if (o !== w && o.end <= w.end) o.proofTimes.push(new Date(ts.genTime));
  }
}
