import { runReadinessChecks, type ReadinessReport } from '../core/readiness.js';
import { ServiceMetrics } from '../http/metrics.js';
import { caReadinessProblems } from '../pki/ca-readiness.js';
import type { KysoContext } from './context.js';

/** The readiness probe's checks over this context's database, schema, CA keys and responder certificates. */
export function readinessOf(ctx: KysoContext): () => Promise<ReadinessReport> {
  return () =>
    runReadinessChecks({
      database: async () => {
        await ctx.store.ping();
        return undefined;
      },
      migrations: async () => {
        const pending = await ctx.store.pendingMigrations();
        return pending.length ? `not applied: ${pending.join(', ')}` : undefined;
      },
      ca: async () => {
        const problems = await caReadinessProblems(
          { cas: ctx.store.cas, certificates: ctx.store.certificates, keys: ctx.keys },
          ctx.clock.now(),
        );
        return problems.length ? problems.map((p) => `${p.ca}: ${p.problem} (${p.detail})`).join('; ') : undefined;
      },
    });
}

/** The metrics registry and the debug log of state changes, fed by every committed audit event of this process. */
export function metricsOf(ctx: KysoContext): { metrics: ServiceMetrics; stop: () => void } {
  const metrics = new ServiceMetrics({
    auditEvents: async () => (await ctx.audit.list({ order: 'desc', limit: 1 }))[0]?.seq ?? 0,
    crlAges: async () => {
      const now = ctx.clock.now().getTime();
      const ages: Array<{ ca: string; seconds: number }> = [];
      for (const ca of await ctx.store.cas.list()) {
        const crl = await ctx.store.crls.latest(ca.id);
        if (crl) ages.push({ ca: ca.id, seconds: Math.max(0, (now - crl.thisUpdate.getTime()) / 1000) });
      }
      return ages;
    },
  });
  const stop = ctx.store.onAuditCommitted((r) => {
    metrics.observeAuditEvent(r);
    // Ties each state change to the request that made it (the logger adds the request id);
    // the event's details stay in the audit log, which auditors read with their own rights.
    ctx.log.debug('audit event', { seq: r.seq, action: r.action, outcome: r.outcome, target: r.target, actor: r.actor });
  });
  return { metrics, stop };
}
