import type { Principal } from '../auth/api-tokens.js';

/**
 * The acting person for certified copies and registers: the token's scope (the official who owns
 * the signing credentials) when set, else the token itself. Shared by copies.ts and registers.ts
 * (kept in its own module so the two route files do not import each other).
 */
export function actorOf(p: Principal | undefined): { id: string; role: string } {
  return { id: p?.organizationId ?? p?.actor ?? 'anonymous', role: p?.role ?? 'anonymous' };
}
