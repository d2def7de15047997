/**
 * Chain building and basic path validation (RFC 5280 §6.1, simplified as ETSI EN 319 102-1
 * §5.2.6 allows: no policy/name constraints processing). Validity is checked at a given time;
 * intermediates must be CAs with keyCertSign; the end entity must allow the purpose.
 */
import { OID } from '../../core/oids.js';
import { issuedBy, type CertInfo } from './cert.js';
import { isAnchor, type TrustStore } from './trust-store.js';
import { walkIssuers } from './issuer-walk.js';

export type Purpose = 'signing' | 'timestamping' | 'ocsp';

export interface ChainResult {
  /** Leaf first; ends with the anchor when one was reached. */
  readonly chain: CertInfo[];
  readonly anchor: CertInfo | undefined;
}

/** The path from the leaf to any trust anchor, using `pool` for intermediates. */
export function buildChain(leaf: CertInfo, pool: readonly CertInfo[], trust: TrustStore, maxDepth = 10): ChainResult {
  const r = walkIssuers(leaf, {
    candidates: [...trust.anchors, ...pool],
    issuedBy,
    isEnd: (c) => isAnchor(trust, c),
    same: (a, b) => a.sha256 === b.sha256,
    maxDepth,
  });
  return { chain: r.path, anchor: r.complete ? r.path[r.path.length - 1] : undefined };
}

export interface PathCheck {
  readonly ok: boolean;
  readonly subIndication:
    | 'NO_CERTIFICATE_CHAIN_FOUND'
    | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
    | 'EXPIRED'
    | 'NOT_YET_VALID'
    | 'OUT_OF_BOUNDS_NO_POE'
    | 'SIG_CONSTRAINTS_FAILURE'
    | undefined;
  readonly messages: string[];
}

/**
 * Validates a built chain at time `at` (RFC 5280 §6.1.3 (a)(2), §6.1.4 (k)(l)(n)). The leaf's
 * validity is checked at `leafAt` (the best signature time when a trusted timestamp proves the
 * signature existed earlier, ETSI EN 319 102-1 §5.6.2.4 simplified).
 */
export function validatePath(r: ChainResult, at: Date, purpose: Purpose, leafAt: Date = at): PathCheck {
  const messages: string[] = [];
  if (!r.anchor) return { ok: false, subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', messages: ['CHAIN_NO_TRUST_ANCHOR'] };
  const leaf = r.chain[0]!;
  // structure first (RFC 5280 §6.1.4 (k)(l)(n)): a broken chain is a chain failure whatever the time
  for (let i = 1; i < r.chain.length - 1; i++) {
    const c = r.chain[i]!;
    if (!c.isCa) return { ok: false, subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE', messages: ['CHAIN_INTERMEDIATE_NOT_CA'] };
    if (c.keyUsage && !c.keyUsage.has('keyCertSign'))
      return { ok: false, subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE', messages: ['CHAIN_INTERMEDIATE_KEY_USAGE'] };
    if (c.pathLen !== undefined && c.pathLen < i - 1)
      return { ok: false, subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE', messages: ['CHAIN_PATH_LENGTH'] };
  }
  // then validity (RFC 5280 §6.1.3 (a)(2)) at the best signature time for the chain below the anchor
  if (leafAt < leaf.notBefore) return { ok: false, subIndication: 'NOT_YET_VALID', messages: ['CERT_NOT_YET_VALID'] };
  if (leafAt > leaf.notAfter) return { ok: false, subIndication: 'OUT_OF_BOUNDS_NO_POE', messages: ['CERT_EXPIRED'] };
  for (let i = 1; i < r.chain.length - 1; i++) {
    const c = r.chain[i]!;
    if (leafAt < c.notBefore || leafAt > c.notAfter)
      return { ok: false, subIndication: 'OUT_OF_BOUNDS_NO_POE', messages: ['CHAIN_CA_EXPIRED'] };
  }
  for (const [oid] of leaf.extensions) {
    const e = leaf.extensions.get(oid)!;
    if (e.critical && !KNOWN_CRITICAL.has(oid))
      return { ok: false, subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE', messages: ['CERT_UNKNOWN_CRITICAL_EXTENSION'] };
  }
  if (purpose === 'signing') {
    if (leaf.keyUsage && !leaf.keyUsage.has('digitalSignature') && !leaf.keyUsage.has('nonRepudiation')) {
      return { ok: false, subIndication: 'SIG_CONSTRAINTS_FAILURE', messages: ['CERT_KEY_USAGE'] };
    }
  } else if (purpose === 'timestamping') {
    if (!leaf.eku || !leaf.eku.includes(OID.kpTimeStamping))
      return { ok: false, subIndication: 'SIG_CONSTRAINTS_FAILURE', messages: ['TSA_EKU_MISSING'] };
  } else if (!leaf.eku || !leaf.eku.includes(OID.kpOcspSigning)) {
    return { ok: false, subIndication: 'SIG_CONSTRAINTS_FAILURE', messages: ['OCSP_RESPONDER_EKU_MISSING'] };
  }
  return { ok: true, subIndication: undefined, messages };
}

const KNOWN_CRITICAL = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  OID.certificatePolicies,
  OID.subjectAltName,
  '1.3.6.1.5.5.7.1.3', // qcStatements
  '2.5.29.30',
  '2.5.29.36',
  '2.5.29.54', // name/policy constraints, inhibitAnyPolicy (treated as non-blocking)
]);
