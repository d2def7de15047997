import { AppError } from '../core/errors.js';

/** Who is calling a PKI service; the HTTP/CLI edge authenticates and builds this. */
export interface Actor {
  readonly id: string;
  /** 'admin' | 'ra-officer' | 'signer' | 'certifier' | 'auditor' | 'system' (bootstrap, schedulers). */
  readonly role: string;
  /** The organization (subscriber id) the actor acts for; approvers must match the managing organization. */
  readonly organizationId?: string;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', role: 'system' });

export function requireRole(actor: Actor, roles: readonly string[], what: string): void {
  if (!actor || !roles.includes(actor.role)) {
    throw new AppError('FORBIDDEN', `role "${actor?.role ?? 'none'}" may not ${what}`, { details: { required: roles } });
  }
}
