import type { KysoContext } from './context.js';
import type { ServiceDeps } from './server.js';

export interface WiredServices {
  readonly http: ServiceDeps;
  readonly health: () => Promise<Record<string, unknown>>;
  /** Background timers (unref'd), cleared on shutdown. */
  readonly timers: NodeJS.Timeout[];
}

/** Constructs the domain services over the context's adapters. */
export async function wireServices(_ctx: KysoContext): Promise<WiredServices> {
  return { http: {}, health: async () => ({}), timers: [] };
}
