import type { KysoContext } from './context.js';
import { createPkiServices, DEFAULT_PKI_CONFIG, type PkiConfig, type PkiServices, type PkiStore } from '../pki/index.js';
import { CaRevocationRequestService } from '../pki/ca-revocation-requests.js';
import type { KysoConfig } from '../config/load-config.js';

/** The PKI services (src/pki `createPkiServices`, the one construction path) over the context's store, key store and audit log. */
export interface PkiWiring extends PkiServices {
  /** The repositories, for the edges' read-only listings (certificates, CAs). */
  readonly store: PkiStore;
  /** CA certificate revocation over HTTP: an admin requests, a second admin approves. */
  readonly caRevocation: CaRevocationRequestService;
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

export function createPki(ctx: KysoContext): PkiWiring {
  const store: PkiStore = ctx.store;
  const services = createPkiServices({
    store,
    keys: ctx.keys,
    caKeys: ctx.caKeys,
    audit: ctx.audit,
    clock: ctx.clock,
    config: pkiConfigFrom(ctx.config),
  });
  const caRevocation = new CaRevocationRequestService({
    lifecycle: services.lifecycle,
    approvals: ctx.store.approvals,
    cas: store.cas,
    audit: ctx.audit,
    clock: ctx.clock,
  });
  return { ...services, store, caRevocation };
}
