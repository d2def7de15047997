import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { FakeClock } from '../../../../src/core/clock.js';
import { seq, int, tlv, oid, bits, NULL, algId, set, utf8, explicit } from '../../../../src/core/der.js';
import type { Principal as Actor } from '../../../../src/core/principal.js';
import { ensureHierarchy } from '../../../../src/pki/ca-bootstrap.js';
import { createPkiServices } from '../../../../src/pki/index.js';
import { DEFAULT_PKI_CONFIG, type PkiConfig } from '../../../../src/pki/config.js';
import type { PkiAuditSink, PkiStore } from '../../../../src/pki/ports.js';
import { MemoryKeyStore } from '../../../../src/pki/testing/memory-key-store.js';
import { MemoryAuditSink, MemoryPkiStore } from '../../../../src/pki/testing/memory-pki-store.js';

export const ADMIN: Actor = { id: 'u-admin', role: 'admin' };
/** An RA officer works for one organization (its token's scope). */
export function officerOf(organizationId: string): Actor {
  return { id: 'u-officer', role: 'ra-officer', organizationId };
}

export async function makePki(o: { store?: PkiStore; config?: Partial<PkiConfig>; clock?: FakeClock; audit?: PkiAuditSink } = {}) {
  const clock = o.clock ?? new FakeClock('2026-03-01T08:00:00Z');
  const store = o.store ?? new MemoryPkiStore();
  const keys = new MemoryKeyStore();
  const memoryAudit = new MemoryAuditSink();
  const audit = (o.audit ?? memoryAudit) as MemoryAuditSink;
  const config: PkiConfig = {
    ...DEFAULT_PKI_CONFIG,
    baseUrl: 'http://127.0.0.1:8089',
    caKeySpec: { type: 'ec', curve: 'P-256' },
    ...o.config,
  };
  // The production wiring; the hierarchy is created directly (not via bootstrap(), which also
  // recovers stale pending rows) so tests see exactly what ensureHierarchy created.
  const services = createPkiServices({ store, keys, audit, clock, config });
  const boot = await ensureHierarchy({ store, keys, audit, clock, cas: services.cas, issuance: services.issuance, config });
  return { ...services, clock, store, keys, audit, boot };
}

/** A PKCS#10 CSR built independently of src/pki/csr.ts (by hand, RFC 2986), signed with `key`. */
export function makeCsr(
  o: { type?: 'rsa' | 'ec'; bits?: number; curve?: string; tamper?: boolean; key?: { privateKey: KeyObject; publicKey: KeyObject } } = {},
) {
  const pair =
    o.key ??
    (o.type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: o.bits ?? 2048 })
      : generateKeyPairSync('ec', { namedCurve: o.curve ?? 'prime256v1' }));
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  const subject = seq(set(seq(oid('2.5.4.3'), utf8('csr subject'))));
  const info = seq(int(0), subject, spki, tlv(0xa0, []));
  const isRsa = pair.privateKey.asymmetricKeyType === 'rsa';
  const alg = isRsa ? algId('1.2.840.113549.1.1.11', 'null') : algId('1.2.840.10045.4.3.2');
  const sig = sign('sha256', info, pair.privateKey);
  if (o.tamper) sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
  void NULL;
  void explicit;
  return { der: seq(info, alg, bits(sig)), pair };
}
