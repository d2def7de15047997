import { OID } from '../../../core/oids.js';
import type { CertInfo } from '../../../pki/path/cert.js';
import { checkRevocation, type RevocationMaterial } from '../../../pki/path/revocation.js';
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
 * §6.3, RFC 6960), except those carrying id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
 */
export async function checkChainRevocation(
  ctx: VerifyContext,
  chain: readonly CertInfo[],
  at: Date,
  material: RevocationMaterial,
): Promise<ChainRevocation> {
  const uses: RevocationUse[] = [];
  const messages: string[] = [];
  let revoked = false;
  let unknown = false;
  for (let i = 0; i + 1 < chain.length; i++) {
    ctx.budget.check();
    const c = chain[i]!;
    if (c.extensions.has(OID.ocspNoCheck)) continue;
    const rv = await checkRevocation(c, chain[i + 1]!, at, material, ctx.revocation, ctx.offline);
    uses.push({
      certificate: c.subject,
      status: rv.status,
      source: rv.source,
      origin: rv.origin ?? null,
      thisUpdate: rv.thisUpdate ?? null,
      revokedAt: rv.revokedAt ?? null,
    });
    messages.push(...rv.messages);
    if (rv.status === 'revoked') revoked = true;
    else if (rv.status === 'unknown') unknown = true;
  }
  return { uses, messages, revoked, unknown };
}
