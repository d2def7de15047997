import type { KysoContext } from './context.js';
import type { ServiceDeps } from './server.js';
import { createSigning, type SigningWiring } from './signing.js';

export interface WiredServices {
  readonly http: ServiceDeps;
  readonly health: () => Promise<Record<string, unknown>>;
  /** Background timers (unref'd), cleared on shutdown. */
  readonly timers: NodeJS.Timeout[];
  readonly signing?: SigningWiring;
}

/** Constructs the domain services over the context's adapters. */
export async function wireServices(ctx: KysoContext): Promise<WiredServices> {
  const signing = createSigning(ctx);
  return { http: { signing: signing.sign }, health: async () => ({}), timers: [], signing };
}
