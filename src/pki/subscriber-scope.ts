import { isProvinceWide, requireOrganizationScope, type Principal } from '../core/principal.js';
import type { SubscriberRecord, SubscriberRepository } from './ports.js';

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
