import type { HashName } from '../core/signature-algorithms.js';
import type { TimestampClient } from '../cms/timestamp-client.js';
import { collectLtvMaterial, type RevocationSource } from '../cms/ltv-material.js';
import type { RevocationMaterialPort, TimestampPort } from './signing-ports.js';

/** Adapts src/cms's timestamp client (in-process TSA or RFC 3161 over HTTP) to the signing port. */
export function timestampPortFromClient(client: TimestampClient): TimestampPort {
  return { timestamp: (imprint: Buffer, hash: HashName) => client.timestamp({ digest: imprint }, hash) };
}

/**
 * Adapts src/cms's LTV collector: OCSP first, CRL otherwise, and REVOCATION_UNAVAILABLE when any
 * non-anchor certificate of the signer's or TSA's chain has no revocation data (B-LT must not
 * silently become B-T).
 */
export function revocationPortFromSource(source: RevocationSource, options: { includeCrls?: boolean } = {}): RevocationMaterialPort {
  return {
    collect: async (chains) => {
      const m = await collectLtvMaterial({
        chains,
        source,
        requireRevocation: true,
        ...(options.includeCrls ? { includeCrls: true } : {}),
      });
      return { certs: m.certs, ocsps: m.ocsps, crls: m.crls };
    },
  };
}
