import type { KysoContext } from './context.js';
import { ensureAdminToken } from './bootstrap.js';

export interface InitResult {
  readonly cas: readonly { id: string; subject: string; created: boolean }[];
  /** Present only on the run that created it. */
  readonly adminToken: string | undefined;
}

/** First-start duties, idempotent: CA hierarchy, then the admin token. */
export async function initialise(ctx: KysoContext): Promise<InitResult> {
  const adminToken = await ensureAdminToken(ctx);
  return { cas: [], adminToken };
}
