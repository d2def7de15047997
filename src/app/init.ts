import type { KysoContext } from './context.js';
import { ensureAdminToken } from './bootstrap.js';
import { createPki, type PkiWiring } from './pki.js';

export interface InitResult {
  readonly cas: readonly { id: string; kind: string; subject: string; created: boolean }[];
  /** Present only on the run that created it. */
  readonly adminToken: string | undefined;
}

/**
 * First-start duties, idempotent: the CA hierarchy (root, issuing CAs, OCSP responders, TSA),
 * recovery of interrupted issuance, then the admin token.
 */
export async function initialise(ctx: KysoContext, pki: PkiWiring = createPki(ctx)): Promise<InitResult> {
  const r = await pki.bootstrap();
  const created = new Set(r.created);
  const adminToken = await ensureAdminToken(ctx);
  return { cas: r.cas.map((c) => ({ id: c.id, kind: c.kind, subject: c.subjectDn, created: created.has(c.id) })), adminToken };
}
