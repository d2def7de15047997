import { isProvinceWide, requireOrganizationScope, type Principal } from '../core/principal.js';
import { X509Certificate } from 'node:crypto';
import type { CertificateRepository, SubscriberRecord, SubscriberRepository } from './ports.js';
import { normalizeSerial } from './serial.js';

/**
 * The organization whose RA officers handle a subscriber: its managing organization, or for a
 * top-level organization the organization itself. Requests and certificates follow their
 * subscriber; a certificate without a subscriber record belongs to no organization.
 */
export function organizationOf(s: Pick<SubscriberRecord, 'id' | 'kind' | 'managingOrganizationId'>): string | null {
  return s.managingOrganizationId ?? (s.kind === 'organization' ? s.id : null);
}

/** FORBIDDEN_SCOPE unless `actor` is province-wide or works for the subscriber's organization. */
export async function requireSubscriberScope(
  actor: Principal,
  subscribers: Pick<SubscriberRepository, 'get'>,
  subscriberId: string | null | undefined,
  what: string,
): Promise<void> {
  if (isProvinceWide(actor)) return;
  const s = subscriberId ? await subscribers.get(subscriberId) : undefined;
  requireOrganizationScope(actor, s ? organizationOf(s) : null, what);
}

/**
 * The organization a certificate (DER) belongs to, through its record's subscriber; null when the
 * certificate is not one this CA recorded or has no subscriber (province-wide principals only).
 * A server-held signing credential belongs where its signer certificate does.
 */
export async function organizationOfCertificate(
  store: { certificates: Pick<CertificateRepository, 'findBySerialAnyCa'>; subscribers: Pick<SubscriberRepository, 'get'> },
  der: Buffer,
): Promise<string | null> {
  const serial = normalizeSerial(new X509Certificate(der).serialNumber);
  const record = (await store.certificates.findBySerialAnyCa(serial)).find((c) => c.der?.equals(der));
  const s = record?.subscriberId ? await store.subscribers.get(record.subscriberId) : undefined;
  return s ? organizationOf(s) : null;
}
