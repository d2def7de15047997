import { join } from 'node:path';
import { FileCopyDocumentStore } from '../store/adapters/copy-files.js';
import { JobService } from '../jobs/job-service.js';
import { JobRunner } from '../jobs/job-runner.js';
import { WebhookDeliverer } from '../jobs/webhook-deliverer.js';
import { JobWorker } from '../jobs/job-worker.js';
import type { KysoContext } from './context.js';
import type { SigningWiring } from './signing.js';
import type { CertifiedCopiesWiring } from './certified-copies.js';
import type { CertifyJobPort } from '../jobs/certify-jobs.js';

export interface JobsWiring {
  readonly service: JobService;
  readonly worker: JobWorker;
}

/**
 * Jobs over the store, a private content-addressed file folder (<dataDir>/job-files, 0700/0600)
 * and the signing services; the worker loop is started by `wireServices` when it schedules.
 */
export function createJobs(ctx: KysoContext, signing: SigningWiring, copies: CertifiedCopiesWiring): JobsWiring {
  const certify: CertifyJobPort = { authority: (id) => ctx.store.authorities.get(id), certify: (a, i) => copies.certify(a, i) };
  const files = new FileCopyDocumentStore(join(ctx.config.dataDir, 'job-files'));
  const runner = new JobRunner({
    store: ctx.store,
    files,
    sign: signing.sign,
    credentials: signing.credentials,
    clock: ctx.clock,
    leaseMs: ctx.config.jobLeaseSeconds * 1000,
    certify,
  });
  const deliverer = new WebhookDeliverer({
    store: ctx.store,
    clock: ctx.clock,
    allowList: ctx.config.webhookAllowList,
    fetch: (url, init) => fetch(url, init),
  });
  const worker = new JobWorker([runner, deliverer], (e) =>
    ctx.log.error('job worker failed', { error: e instanceof Error ? e.message : String(e) }),
  );
  const service = new JobService({
    store: ctx.store,
    files,
    credentials: signing.credentials,
    clock: ctx.clock,
    webhookAllowList: ctx.config.webhookAllowList,
    onSubmitted: () => worker.kick(),
    certify,
  });
  return { service, worker };
}
