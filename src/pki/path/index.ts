/**
 * Certificate path validation for relying parties (RFC 5280 §6, ETSI EN 319 102-1 §5.2.6):
 * certificate facts, the one issuer walk, chain building and checks, trust anchors and
 * revocation status (CRL and OCSP). Knows nothing about PDF.
 */
export { certInfo, tryCertInfo, issuedBy, type CertInfo } from './cert.js';
export { walkIssuers, type IssuerWalk, type IssuerPath } from './issuer-walk.js';
export { buildChain, validatePath, type ChainResult, type PathCheck, type Purpose } from './chain.js';
export { createTrustStore, loadTrustStore, EMPTY_TRUST_STORE, isAnchor, type TrustStore } from './trust-store.js';
export {
  checkRevocation,
  createHttpRevocationFetcher,
  type RevocationFetcher,
  type RevocationMaterial,
  type RevocationResult,
} from './revocation.js';
