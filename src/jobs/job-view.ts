import type { JobItemRecord, JobRecord, WebhookAttempt, WebhookDelivery } from './ports.js';

/** A job as its reader sees it: progress, per-file state and, for signed files, where to download them. */
export interface JobView {
  readonly id: string;
  readonly kind: JobRecord['kind'];
  readonly state: JobRecord['state'];
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly progress: { readonly total: number; readonly done: number; readonly failed: number; readonly cancelled: number };
  readonly files: ReadonlyArray<{
    readonly n: number;
    readonly name: string;
    readonly state: JobItemRecord['state'];
    readonly sha256?: string;
    readonly bytes?: number;
    readonly url?: string;
    readonly error?: { readonly code: string; readonly message: string };
  }>;
  readonly webhook?: {
    readonly url: string;
    readonly deliveries: ReadonlyArray<{
      readonly state: WebhookDelivery['state'];
      readonly attempts: ReadonlyArray<{ readonly at: string; readonly status: number | null; readonly error: string | null }>;
    }>;
  };
}

export function jobPath(id: string): string {
  return `/api/v1/jobs/${encodeURIComponent(id)}`;
}

export function jobView(
  job: JobRecord,
  items: readonly JobItemRecord[],
  deliveries: ReadonlyArray<WebhookDelivery & { attemptLog: WebhookAttempt[] }> = [],
): JobView {
  const count = (s: JobItemRecord['state']) => items.filter((i) => i.state === s).length;
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    createdAt: job.createdAt.toISOString(),
    completedAt: job.completedAt?.toISOString() ?? null,
    progress: { total: items.length, done: count('done'), failed: count('failed'), cancelled: count('cancelled') },
    files: items.map((i) => ({
      n: i.n,
      name: i.name,
      state: i.state,
      ...(i.state === 'done' && i.outputSha256
        ? { sha256: i.outputSha256, bytes: i.outputBytes ?? 0, url: `${jobPath(job.id)}/files/${i.n}` }
        : {}),
      ...(i.errorCode ? { error: { code: i.errorCode, message: i.errorMessage ?? '' } } : {}),
    })),
    ...(job.webhookUrl
      ? {
          webhook: {
            url: job.webhookUrl,
            deliveries: deliveries.map((d) => ({
              state: d.state,
              attempts: d.attemptLog.map((a) => ({ at: a.at.toISOString(), status: a.status, error: a.error })),
            })),
          },
        }
      : {}),
  };
}
