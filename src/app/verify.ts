import { existsSync, readdirSync } from 'node:fs';
import { verifyPdf, loadTrustStore, type RevocationFetcher, type TrustStore, type VerificationReport } from '../pdf/verify/index.js';
import type { Clock } from '../core/clock.js';
import type { PkiWiring } from './pki.js';

/**
 * Verification wiring: the trust store is our own root(s) plus the PEM anchors in the configured
 * trust directory (`certs/`, e.g. the national root); online revocation goes through the one
 * revocation port the caller wires (src/app/revocation.ts: our own URLs in-process, others over
 * HTTP with timeouts).
 */
export interface VerifyWiring {
  verify(pdf: Buffer, o?: { at?: Date; offline?: boolean; extraTrust?: readonly (Buffer | string)[] }): Promise<VerificationReport>;
  trust(): Promise<TrustStore>;
}

export function createVerify(o: {
  pki?: PkiWiring;
  clock: Clock;
  revocation: RevocationFetcher;
  trustDirs: readonly string[];
}): VerifyWiring {
  const dirs = o.trustDirs.filter((d) => existsSync(d) && readdirSync(d).some((f) => /\.(pem|crt|cer)$/i.test(f)));
  const trust = async (extra: readonly (Buffer | string)[] = []): Promise<TrustStore> => {
    const own = o.pki ? (await o.pki.cas.list()).filter((c) => c.record.kind === 'root').map((c) => c.record.certificateDer) : [];
    return loadTrustStore({ dirs, certs: [...own, ...extra] });
  };
  return {
    trust: () => trust(),
    async verify(pdf, v = {}) {
      return verifyPdf(pdf, {
        trust: await trust(v.extraTrust ?? []),
        clock: o.clock,
        revocation: o.revocation,
        ...(v.at ? { at: v.at } : {}),
        ...(v.offline ? { offline: true } : {}),
      });
    },
  };
}
