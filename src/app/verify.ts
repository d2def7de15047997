import { existsSync, readdirSync } from 'node:fs';
import {
  verifyPdf,
  loadTrustStore,
  createHttpRevocationFetcher,
  type RevocationFetcher,
  type TrustStore,
  type VerificationReport,
} from '../pdf/verify/index.js';
import type { Clock } from '../core/clock.js';
import type { PkiWiring } from './pki.js';

/**
 * Verification wiring (ETSI EN 319 102-1): the trust store is our own root(s) plus the PEM anchors in the
 * configured trust directory (`certs/`, e.g. the national root); revocation for our own URLs is
 * answered in-process (no HTTP round trip to ourselves), other URLs over HTTP with timeouts.
 */
export interface VerifyWiring {
  verify(pdf: Buffer, o?: { at?: Date; offline?: boolean; extraTrust?: readonly (Buffer | string)[] }): Promise<VerificationReport>;
  trust(): Promise<TrustStore>;
}

export function localRevocationFetcher(pki: PkiWiring, publicUrl: string, next: RevocationFetcher): RevocationFetcher {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    async fetchOcsp(url, request) {
      if (url === `${base}/pki/ocsp`) return (await pki.ocsp.respond(request)).der;
      return next.fetchOcsp(url, request);
    },
    async fetchCrl(url) {
      const m = url.startsWith(`${base}/pki/crl/`) ? /^([a-z0-9-]+)\.crl$/.exec(url.slice(`${base}/pki/crl/`.length)) : null;
      if (m?.[1]) return (await pki.crl.latest(m[1])).der;
      return next.fetchCrl(url);
    },
  };
}

export function createVerify(o: { pki?: PkiWiring; clock: Clock; publicUrl: string; trustDirs: readonly string[] }): VerifyWiring {
  const http = createHttpRevocationFetcher({ timeoutMs: 5000 });
  const revocation = o.pki ? localRevocationFetcher(o.pki, o.publicUrl, http) : http;
  const dirs = o.trustDirs.filter((d) => existsSync(d) && readdirSync(d).some((f) => /\.(pem|crt|cer)$/i.test(f)));
  const trust = async (extra: readonly (Buffer | string)[] = []): Promise<TrustStore> => {
    const own = o.pki ? (await o.pki.store.cas.list()).filter((c) => c.kind === 'root').map((c) => c.certificateDer) : [];
    return loadTrustStore({ dirs, certs: [...own, ...extra] });
  };
  return {
    trust: () => trust(),
    async verify(pdf, v = {}) {
      return verifyPdf(pdf, {
        trust: await trust(v.extraTrust ?? []),
        clock: o.clock,
        revocation,
        ...(v.at ? { at: v.at } : {}),
        ...(v.offline ? { offline: true } : {}),
      });
    },
  };
}
