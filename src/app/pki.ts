import type { KysoContext } from './context.js';
import { CaRegistry } from '../pki/ca-registry.js';
import { DEFAULT_PKI_CONFIG, type PkiConfig } from '../pki/config.js';
import { IssuanceService } from '../pki/issuance-service.js';
import { LifecycleService } from '../pki/lifecycle-service.js';
import { CrlService } from '../pki/crl-service.js';
import { ensureHierarchy } from '../pki/ca-bootstrap.js';
import { OcspService } from '../pki/ocsp-service.js';
import { RaService } from '../pki/ra-service.js';
import { CaRevocationRequestService } from '../pki/ca-revocation-requests.js';
import type { CaRecord, PkiAuditSink, PkiStore } from '../pki/ports.js';
import type { KysoConfig } from '../config/load-config.js';

/** The PKI services of issue 2 over the store, key store and audit log of the context. */
export interface PkiWiring {
  readonly config: PkiConfig;
  readonly store: PkiStore;
  readonly cas: CaRegistry;
  readonly issuance: IssuanceService;
  readonly lifecycle: LifecycleService;
  readonly crl: CrlService;
  readonly ocsp: OcspService;
  readonly ra: RaService;
  /** CA certificate revocation over HTTP: an admin requests, a second admin approves. */
  readonly caRevocation: CaRevocationRequestService;
  /** Creates what is missing of the CA hierarchy (first start), recovers interrupted issuance. */
  bootstrap(): Promise<{ created: string[]; cas: CaRecord[] }>;
}

export function pkiConfigFrom(c: KysoConfig): PkiConfig {
  return {
    ...DEFAULT_PKI_CONFIG,
    baseUrl: c.publicUrl,
    province: c.province,
    caOrganization: `UBND tỉnh ${c.province}`,
    crlValidityHours: c.crlValiditySeconds / 3600,
    crlRefreshMinutes: c.crlIntervalSeconds / 60,
    ocspValidityMinutes: Math.max(1, c.ocspCacheSeconds / 60),
  };
}

export function createPki(ctx: KysoContext, hooks: { onStatusChange?: (caId: string, serial: string) => void } = {}): PkiWiring {
  const config = pkiConfigFrom(ctx.config);
  const store: PkiStore = ctx.store;
  // PkiAuditSink is a structural subset of AuditLog (append only, result unused).
  const audit: PkiAuditSink = { append: async (e) => void (await ctx.audit.append(e)) };
  const cas = new CaRegistry(store.cas, ctx.keys, config.baseUrl);
  const issuance = new IssuanceService({ store, keys: ctx.keys, audit, clock: ctx.clock, cas, config });
  const crl = new CrlService({ store, audit, clock: ctx.clock, cas, config });
  const ocsp = new OcspService({ store, cas, clock: ctx.clock, config });
  const lifecycle = new LifecycleService({
    store,
    audit,
    clock: ctx.clock,
    onStatusChange: (caId, serial) => {
      crl.markDirty(caId);
      ocsp.invalidate(caId, serial);
      hooks.onStatusChange?.(caId, serial);
    },
  });
  const ra = new RaService({ store, audit, clock: ctx.clock, issuance, lifecycle });
  return {
    config,
    store,
    cas,
    issuance,
    lifecycle,
    crl,
    ocsp,
    ra,
    caRevocation: new CaRevocationRequestService({ lifecycle, approvals: ctx.store.approvals, cas: store.cas, audit, clock: ctx.clock }),
    async bootstrap() {
      const r = await ensureHierarchy({ store, keys: ctx.keys, audit, clock: ctx.clock, cas, issuance, config });
      cas.invalidate();
      ocsp.reload();
      await issuance.recover();
      return r;
    },
  };
}
