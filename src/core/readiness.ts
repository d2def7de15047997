/**
 * Readiness: whether this instance should receive traffic now (a load balancer's probe), as
 * opposed to liveness (whether the process is alive at all, `/health`). Each check answers
 * undefined when it holds, or why it does not; a check that takes longer than its budget fails,
 * so a hung database or token makes the instance unready instead of hanging the probe.
 */
export type ReadinessCheck = () => Promise<string | undefined>;

export interface ReadinessResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly ReadinessResult[];
}

export async function runReadinessChecks(checks: Readonly<Record<string, ReadinessCheck>>, budgetMs = 5_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<ReadinessResult> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${budgetMs} ms`), budgetMs);
        timer.unref();
      });
      try {
        const reason = await Promise.race([check(), timeout]);
        return reason === undefined ? { name, ok: true } : { name, ok: false, reason };
      } catch (err) {
        return { name, ok: false, reason: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}
