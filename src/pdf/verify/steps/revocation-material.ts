import type { RevocationMaterial } from '../../../pki/path/revocation.js';
import type { IntegrityOutcome, VerifyContext } from './context.js';

/**
 * Revocation material for one signature, most specific first: CRLs in its CMS (and `extraCrls`,
 * a timestamp token's own), its adbe-revocationInfoArchival attribute, then the /DSS.
 */
export function revocationMaterial(ctx: VerifyContext, w: IntegrityOutcome, extraCrls: readonly Buffer[] = []): RevocationMaterial {
  return {
    ocsps: [
      ...w.archival.ocsps.map((der) => ({ der, origin: 'ADBE_ARCHIVAL' as const })),
      ...ctx.dss.ocsps.map((der) => ({ der, origin: 'DSS' as const })),
    ],
    crls: [
      ...[...extraCrls, ...(w.sd?.crls ?? [])].map((der) => ({ der, origin: 'CMS' as const })),
      ...w.archival.crls.map((der) => ({ der, origin: 'ADBE_ARCHIVAL' as const })),
      ...ctx.dss.crls.map((der) => ({ der, origin: 'DSS' as const })),
    ],
  };
}
