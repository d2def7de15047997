import type { Clock } from '../core/clock.js';
import { isAppError } from '../core/errors.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import { jobView } from './job-view.js';
import type { JobStore, WebhookDelivery } from './ports.js';
import { checkWebhookUrl } from './webhook-allow-list.js';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';

/** The network, injected (docs/architecture.md: I/O arrives through constructor-passed interfaces). */
export type FetchPort = (url: string, init: RequestInit) => Promise<{ status: number }>;

export interface WebhookDelivererOptions {
  readonly store: JobStore;
  readonly clock: Clock;
  readonly fetch: FetchPort;
  readonly allowList: readonly string[];
  readonly random?: RandomSource;
  /** Attempts before a delivery is given up. Default 5. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; doubles each time. Default 10 s. */
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Completion webhooks: one POST of the job's view, signed with the caller's secret
 * (./webhook-signature.ts). Only a 2xx answer counts as delivered; a redirect is not followed
 * (`redirect: 'manual'`: the allow-list names where bodies may go, a 3xx must not send them
 * elsewhere) and counts as a failed attempt. Bounded retries with doubling backoff; every attempt
 * is recorded, and the delivery's end (delivered or failed) is audited.
 */
export class WebhookDeliverer {
  readonly #o: WebhookDelivererOptions;
  readonly #random: RandomSource;

  constructor(o: WebhookDelivererOptions) {
    this.#o = o;
    this.#random = o.random ?? cryptoRandom;
  }

  async runOnce(): Promise<boolean> {
    const token = newId('claim', this.#random);
    const now = this.#o.clock.now();
    const d = await this.#o.store.jobs.claimDelivery(token, now, new Date(now.getTime() + 2 * (this.#o.timeoutMs ?? 10_000)));
    if (!d) return false;
    const n = d.attempts + 1;
    const { status, error } = await this.#attempt(d);
    const at = this.#o.clock.now();
    const ok = status !== null && status >= 200 && status < 300;
    const max = this.#o.maxAttempts ?? 5;
    const state: WebhookDelivery['state'] = ok ? 'delivered' : n >= max ? 'failed' : 'pending';
    const next = new Date(at.getTime() + (this.#o.backoffMs ?? 10_000) * 2 ** (n - 1));
    await this.#o.store.jobs.recordAttempt({ deliveryId: d.id, n, at, status, error }, { state, nextAttemptAt: next }, token);
    if (state !== 'pending') {
      await this.#o.store.audit.append({
        actor: 'system',
        role: 'system',
        action: 'jobs.webhook',
        target: d.jobId,
        outcome: ok ? 'success' : 'failure',
        details: { origin: new URL(d.url).origin, attempts: n, lastStatus: status },
      });
    }
    return true;
  }

  async #attempt(d: WebhookDelivery): Promise<{ status: number | null; error: string | null }> {
    try {
      checkWebhookUrl(d.url, this.#o.allowList); // the allow-list may have shrunk since submission
      const job = await this.#o.store.jobs.getJob(d.jobId);
      const secret = await this.#o.store.jobs.getWebhookSecret(d.ownerId);
      if (!job || !secret) return { status: null, error: 'job or webhook secret gone' };
      const body = JSON.stringify({ type: 'job.completed', job: jobView(job, await this.#o.store.jobs.listItems(job.id)) });
      const t = Math.floor(this.#o.clock.now().getTime() / 1000);
      const res = await this.#o.fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(secret, body, t), 'Kyso-Delivery': d.id },
        body,
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
      });
      return { status: res.status, error: res.status >= 300 && res.status < 400 ? 'redirect not followed' : null };
    } catch (e) {
      return { status: null, error: isAppError(e) ? e.code : e instanceof Error ? e.name : 'error' };
    }
  }
}
