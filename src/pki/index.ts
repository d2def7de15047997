/**
 * The PKI domain (RFC 5280, RFC 6960): certificate builders and the CA/RA services. `createPkiServices`
 * wires the services over the ports the edge provides (store, key store, audit, clock).
 */
import type { Clock } from '../core/clock.js';
import type { KeyStore } from '../keys/key-store.js';
import { ensureHierarchy } from './ca-bootstrap.js';
import { CaRegistry } from './ca-registry.js';
import type { PkiConfig } from './config.js';
import { CrlService } from './crl-service.js';
import { IssuanceService } from './issuance-service.js';
import { LifecycleService } from './lifecycle-service.js';
import { OcspService } from './ocsp-service.js';
import type { CaRecord, PkiAuditSink, PkiStore } from './ports.js';
import { RaService } from './ra-service.js';

export interface PkiServices {
  readonly config: PkiConfig;
  readonly cas: CaRegistry;
  readonly issuance: IssuanceService;
  readonly lifecycle: LifecycleService;
  readonly ra: RaService;
  readonly crl: CrlService;
  readonly ocsp: OcspService;
  /** First start: create what is missing of the hierarchy, then fail stale pending issuance rows. */
  bootstrap(): Promise<{ created: string[]; cas: CaRecord[] }>;
}

export function createPkiServices(d: {
  store: PkiStore;
  keys: KeyStore;
  /** Where new CA keys are generated (default `keys`), e.g. a PKCS#11 token; they are used through `keys`. */
  caKeys?: KeyStore;
  audit: PkiAuditSink;
  clock: Clock;
  config: PkiConfig;
  onStatusChange?: (caId: string, serial: string) => void;
}): PkiServices {
  const { store, keys, audit, clock, config } = d;
  const cas = new CaRegistry(store.cas, keys, config.baseUrl);
  const issuance = new IssuanceService({ store, keys, audit, clock, cas, config });
  const crl = new CrlService({ store, audit, clock, cas, config });
  const ocsp = new OcspService({ store, cas, clock, config });
  const lifecycle = new LifecycleService({
    store,
    audit,
    clock,
    onStatusChange: (caId, serial) => {
      crl.markDirty(caId);
      ocsp.invalidate(caId, serial);
      d.onStatusChange?.(caId, serial);
    },
  });
  const ra = new RaService({ store, audit, clock, issuance, lifecycle });
  return {
    config,
    cas,
    issuance,
    lifecycle,
    ra,
    crl,
    ocsp,
    async bootstrap() {
      const r = await ensureHierarchy({ store, keys, caKeys: d.caKeys ?? keys, audit, clock, cas, issuance, config });
      cas.invalidate();
      ocsp.reload();
      await issuance.recover();
      return r;
    },
  };
}

export { ensureHierarchy, ISSUING_CA_IDS, ocspResponderId } from './ca-bootstrap.js';
export { CaRegistry, type LoadedCa } from './ca-registry.js';
export { DEFAULT_PKI_CONFIG, pkiUrls, type PkiConfig } from './config.js';
export { CrlService } from './crl-service.js';
export { IssuanceService, type IssueInput, type IssueResult, type KeyInput } from './issuance-service.js';
export { LifecycleService, type CertificateRef } from './lifecycle-service.js';
export { OcspService, type OcspAnswer } from './ocsp-service.js';
export { ownRevocationFetcher } from './own-revocation.js';
export { RaService, type CreateRequestInput, type CompleteResult, type RegisterInput } from './ra-service.js';
export { SYSTEM_PRINCIPAL, type Principal } from '../core/principal.js';
export { PROFILES, SUBSCRIBER_PROFILES, getProfile, type Profile, type ProfileId } from './profiles.js';
export { normalizeSubject, renderName, renderSubject, validateUid, encodeSubject, parseName } from './names.js';
export { normalizeSerial } from './serial.js';
export { parseRevocationReason } from './revocation-reasons.js';
export { parseCsr } from './csr.js';
export type * from './ports.js';
