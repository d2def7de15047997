import { OID } from '../../../core/oids.js';
import type { CertInfo } from '../../../pki/path/cert.js';
import { checkRevocation, isCompromise, type RevocationMaterial } from '../../../pki/path/revocation.js';
import type { RevocationUse } from '../report.js';
import type { VerifyContext } from './context.js';

export interface ChainRevocation {
  readonly uses: RevocationUse[];
  readonly messages: string[];
  readonly revoked: boolean;
  readonly unknown: boolean;
}

/**
 * Revocation status at `at` of every certificate of a built chain below its anchor (RFC 5280
 * §6.3, RFC 6960), except those carrying id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1). With
 * `compromiseCounts`, a key-compromise revocation dated after `at` counts as revoked too.
 */
export async function checkChainRevocation(
  ctx: VerifyContext,
  chain: readonly CertInfo[],
  at: Date,
  material: RevocationMaterial,
  compromiseCounts = false,
): Promise<ChainRevocation> {
  const uses: RevocationUse[] = [];
  const messages: string[] = [];
  let revoked = false;
  let unknown = false;
  for (let i = 0; i + 1 < chain.length; i++) {
    ctx.budget.check();
    const c = chain[i]!;
    if (c.extensions.has(OID.ocspNoCheck)) continue;
    const rv = await checkRevocation(c, chain[i + 1]!, at, material, ctx.revocation, ctx.offline, ctx.now);
    uses.push({
      certificate: c.subject,
      status: rv.status,
      source: rv.source,
      origin: rv.origin ?? null,
      thisUpdate: rv.thisUpdate ?? null,
      revokedAt: rv.revokedAt ?? null,
      reason: rv.reason ?? null,
    });
    messages.push(...rv.messages);
    if (rv.status === 'revoked') revoked = true;
    else if (compromiseCounts && rv.revokedAt !== undefined && isCompromise(rv.reason)) {
      // a key compromise reported after `at` still means the key may have been misused before
      // it (RFC 5280 §5.3.1 keyCompromise; ETSI EN 319 102-1 §5.6.2.3 for timestamps)
      revoked = true;
      messages.push('REVOCATION_KEY_COMPROMISE_LATER');
    } else if (rv.status === 'unknown') unknown = true;
  }
  return { uses, messages, revoked, unknown };
}
