import type { Clock } from '../core/clock.js';
import {
  checkTimestampAuthority,
  createTimestampAuthority,
  createInProcessTimestampClient,
  type TimestampAuthority,
  type TimestampClient,
} from '../cms/index.js';
import type { KysoContext } from './context.js';
import type { PkiWiring } from './pki.js';

/**
 * The province's RFC 3161 TSA over the 'tsa' certificate of the hierarchy (CA_UNKNOWN before
 * `kyso init`); its key goes through the key store. Start-up refuses an obviously wrong clock
 * (CLOCK_INVALID, before the TSA certificate's notBefore or after its notAfter).
 */
export async function createTsa(
  ctx: KysoContext,
  pki: PkiWiring,
  clock: Clock = ctx.clock,
): Promise<{ tsa: TimestampAuthority; client: TimestampClient }> {
  const ca = await pki.cas.get('tsa');
  const signer = await ctx.keys.signer(ca.record.keyUri);
  checkTimestampAuthority({ clock, certificate: ca.record.certificateDer, signer });
  const chain = ca.record.parentId ? await pki.issuance.chainOf(ca.record.parentId) : [];
  const tsa = createTimestampAuthority({ signer, certificate: ca.record.certificateDer, chain, policyOid: ctx.config.tsaPolicyOid, clock });
  return { tsa, client: createInProcessTimestampClient(tsa) };
}
