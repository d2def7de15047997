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
import { mustNotAnswer, ownCertificateState } from '../pki/ca-certificate-status.js';

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
  const rec = ca.record;
  const signer = await ctx.keys.signer(rec.keyUri);
  checkTimestampAuthority({ clock, certificate: rec.certificateDer, signer });
  const chain = rec.parentId ? await pki.issuance.chainOf(rec.parentId) : [];
  const tsa = createTimestampAuthority({
    signer,
    certificate: rec.certificateDer,
    chain,
    policyOid: ctx.config.tsaPolicyOid,
    clock,
    // RFC 3161 §2.4.2: a TSA whose own certificate is revoked, on hold or expired answers with a rejection.
    unfitReason: async () => {
      const state = await ownCertificateState(pki.store.certificates, rec, clock.now());
      return mustNotAnswer(state) ? `the TSA certificate is ${state}` : undefined;
    },
  });
  return { tsa, client: createInProcessTimestampClient(tsa) };
}
