import type { RevocationFetcher } from '../cms/revocation-http.js';
import type { CrlService } from './crl-service.js';
import type { OcspService } from './ocsp-service.js';

/**
 * The in-process responder for our own revocation URLs, in front of `next` for every other URL:
 * OCSP POSTed to `<base>/pki/ocsp` and the CRL at `<base>/pki/crl/<caId>.crl` (the paths
 * `pkiUrls` writes into certificates, ./config.ts) are answered by the OCSP and CRL services
 * directly, so LTV collection at signing and the verifier's online check never depend on the
 * service reaching itself over its public URL.
 */
export function ownRevocationFetcher(
  pki: { readonly ocsp: Pick<OcspService, 'respond'>; readonly crl: Pick<CrlService, 'latest'>; readonly baseUrl: string },
  next: RevocationFetcher,
): RevocationFetcher {
  const base = pki.baseUrl.replace(/\/+$/, '');
  const crlPrefix = `${base}/pki/crl/`;
  return {
    async fetchOcsp(url, request) {
      if (url === `${base}/pki/ocsp`) return (await pki.ocsp.respond(request)).der;
      return next.fetchOcsp(url, request);
    },
    async fetchCrl(url) {
      const caId = url.startsWith(crlPrefix) ? /^([a-z0-9-]+)\.crl$/.exec(url.slice(crlPrefix.length))?.[1] : undefined;
      if (caId) return (await pki.crl.latest(caId)).der;
      return next.fetchCrl(url);
    },
  };
}
