import type { TimestampClient } from '../cms/index.js';
import { AuditCheckpoints } from '../audit/checkpoints.js';
import { AuditProofs } from '../audit/proofs.js';
import { AuditSelfCheck } from '../audit/self-check.js';
import type { KysoContext } from './context.js';

export interface AuditWiring {
  readonly proofs: AuditProofs;
  readonly checkpoints: AuditCheckpoints;
  readonly selfCheck: AuditSelfCheck;
}

/** The audit tree services over the context's store and key store; checkpoints are timestamped by `tsa` when given. */
export function createAudit(ctx: KysoContext, o: { tsa?: TimestampClient } = {}): AuditWiring {
  const proofs = new AuditProofs(ctx.store.auditTree);
  const tsa = o.tsa;
  const checkpoints = new AuditCheckpoints({
    tree: ctx.store.auditTree,
    proofs,
    keys: ctx.keys,
    clock: ctx.clock,
    origin: ctx.config.publicUrl,
    ...(tsa ? { timestamp: (data: Uint8Array) => tsa.timestamp({ data }, 'sha256') } : {}),
  });
  const selfCheck = new AuditSelfCheck({
    log: ctx.audit,
    tree: ctx.store.auditTree,
    proofs,
    now: () => ctx.clock.now(),
    fullEveryMs: ctx.config.auditFullCheckSeconds * 1000,
    onBroken: (h) => ctx.log.error('audit log broken', { reason: h.reason, firstBadSeq: h.firstBadSeq }),
  });
  return { proofs, checkpoints, selfCheck };
}

/** Background duties: scheduled checkpoints (only when the log grew) and the self-check. Timers are unref'd. */
export function scheduleAudit(ctx: KysoContext, a: AuditWiring): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  const every = (seconds: number, fn: () => Promise<unknown>, what: string) => {
    if (seconds <= 0) return;
    const run = () => fn().catch((e: unknown) => ctx.log.error(`${what} failed`, { error: e instanceof Error ? e.message : String(e) }));
    const t = setInterval(() => void run(), seconds * 1000);
    t.unref();
    timers.push(t);
    void run();
  };
  every(ctx.config.auditSelfCheckSeconds, () => a.selfCheck.run(), 'audit self-check');
  every(ctx.config.auditCheckpointSeconds, () => a.checkpoints.create({ onlyIfGrown: true }), 'audit checkpoint');
  return timers;
}
