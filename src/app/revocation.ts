import { createHttpRevocationFetcher, type RevocationFetcher } from '../cms/index.js';
import { ownRevocationFetcher } from '../pki/index.js';
import type { PkiWiring } from './pki.js';

/**
 * The one revocation port of the process, used when collecting LTV material at signing and by
 * the verifier online: our own OCSP/CRL URLs are answered in-process by the PKI services (when
 * the data directory has them), every other URL over HTTP with a timeout and a size cap.
 */
export function createRevocationFetcher(pki?: PkiWiring): RevocationFetcher {
  const http = createHttpRevocationFetcher({ timeoutMs: 10_000 });
  return pki ? ownRevocationFetcher({ ocsp: pki.ocsp, crl: pki.crl, baseUrl: pki.config.baseUrl }, http) : http;
}
