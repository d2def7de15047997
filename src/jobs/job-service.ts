import { createHash, X509Certificate } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import type { Principal } from '../core/principal.js';
import { defaultAlgorithmFor, type SignatureAlgorithm } from '../core/signature-algorithms.js';
import type { CredentialService } from '../signing/credential-service.js';
import type { SignOptions } from '../signing/types.js';
import { checkWebhookUrl } from './webhook-allow-list.js';
import { jobView, type JobView } from './job-view.js';
import type { JobFileStore, JobItemRecord, JobRecord, JobStore } from './ports.js';

/** Sign options as stored with a job: no signer, no secret; the stamp image by its SHA-256 in the file store. */
export type StoredSignOptions = Omit<SignOptions, 'signer' | 'actorId' | 'signingTime' | 'appearance'> & {
  readonly appearance?: Omit<NonNullable<SignOptions['appearance']>, 'image'> & { readonly imageSha256?: string };
};

export interface JobServiceOptions {
  readonly store: JobStore;
  readonly files: JobFileStore;
  readonly credentials: Pick<CredentialService, 'authorizeBatch' | 'credentialForAuthorization' | 'revokeAuthorization'>;
  readonly clock: Clock;
  readonly random?: RandomSource;
  readonly webhookAllowList: readonly string[];
  /** Lifetime of the batch authorization a sign job runs on. Default 24 hours. */
  readonly authorizationTtlMs?: number;
  /** Called after a job is recorded, to wake this instance's worker. */
  readonly onSubmitted?: () => void;
}

export interface SignJobInput {
  readonly principal: Principal;
  /** The credential owner the job signs as (credentialOwnerOf(principal)). */
  readonly actorId: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly data: Buffer }>;
  readonly options: Omit<SignOptions, 'signer' | 'actorId' | 'signingTime'>;
  readonly credentialId: string;
  /** Checked once here; never stored. */
  readonly pin: string;
  readonly webhookUrl?: string;
}

export const MAX_JOB_FILES = 500;

/**
 * Jobs for long work (docs/jobs.md): submission checks everything that can be checked up front
 * (PIN once, webhook URL, files are PDFs), spools the inputs to the private file store, creates a
 * batch authorization limited in time and count and records the job with only the
 * authorization's id. Workers (./job-runner.ts) do the signing.
 */
export class JobService {
  readonly #o: JobServiceOptions;
  readonly #random: RandomSource;

  constructor(o: JobServiceOptions) {
    this.#o = o;
    this.#random = o.random ?? cryptoRandom;
  }

  async submitSign(input: SignJobInput): Promise<JobView> {
    const n = input.files.length;
    if (n < 1 || n > MAX_JOB_FILES) throw new AppError('VALIDATION_FAILED', `a job holds 1 to ${MAX_JOB_FILES} files`);
    for (const [i, f] of input.files.entries()) {
      const at = f.data.indexOf('%PDF-', 0, 'latin1');
      if (at < 0 || at > 1024) throw new AppError('PDF_NOT_PDF', `file ${i + 1} is not a PDF`, { details: { n: i + 1 } });
    }
    const webhookUrl = input.webhookUrl === undefined ? null : checkWebhookUrl(input.webhookUrl, this.#o.webhookAllowList).href;
    if (webhookUrl && !(await this.#o.store.jobs.getWebhookSecret(input.principal.id))) {
      throw new AppError('WEBHOOK_SECRET_MISSING', 'create a webhook secret first (POST /api/v1/webhooks/secret)');
    }
    // The one PIN check; the job keeps only the authorization id (docs/jobs.md "No PIN at rest").
    const auth = await this.#o.credentials.authorizeBatch(input.credentialId, input.actorId, input.pin, n, {
      ttlMs: this.#o.authorizationTtlMs ?? 24 * 3600_000,
    });
    const { credential } = await this.#o.credentials.credentialForAuthorization(auth.id, input.actorId);
    const algorithm: SignatureAlgorithm =
      input.options.algorithm ?? credential.algorithm ?? defaultAlgorithmFor(new X509Certificate(credential.certificates[0]!).publicKey);

    const now = this.#o.clock.now();
    const id = newId('job', this.#random);
    const items: JobItemRecord[] = [];
    for (const [i, f] of input.files.entries()) {
      const sha = sha256Hex(f.data);
      await this.#o.files.put(sha, f.data);
      items.push({
        jobId: id,
        n: i + 1,
        name: safeName(f.name, i + 1),
        inputSha256: sha,
        inputBytes: f.data.length,
        state: 'pending',
        attempts: 0,
        claimToken: null,
        leaseUntil: null,
        outputSha256: null,
        outputBytes: null,
        errorCode: null,
        errorMessage: null,
        updatedAt: now,
      });
    }
    const { appearance, ...rest } = input.options;
    let stored: StoredSignOptions = rest;
    if (appearance) {
      const { image, ...a } = appearance;
      let imageSha256: string | undefined;
      if (image) {
        imageSha256 = sha256Hex(image);
        await this.#o.files.put(imageSha256, image);
      }
      stored = { ...rest, appearance: { ...a, ...(imageSha256 ? { imageSha256 } : {}) } };
    }
    const job: JobRecord = {
      id,
      kind: 'sign',
      ownerId: input.principal.id,
      organizationId: input.principal.organizationId ?? null,
      actorId: input.actorId,
      state: 'running',
      options: JSON.stringify(stored),
      authorizationId: auth.id,
      signingTime: now,
      // RSA PKCS#1 v1.5 signatures are a function of key and message (RFC 8017 §8.2): signing an
      // item again after a crash gives the very same bytes. ECDSA and RSA-PSS draw randomness.
      deterministic: algorithm.startsWith('RSA-PKCS1-'),
      webhookUrl,
      createdAt: now,
      completedAt: null,
    };
    await this.#o.store.transaction(async (r) => {
      await r.jobs.createJob(job, items);
      await r.audit.append({
        actor: input.principal.id,
        role: input.principal.role,
        action: 'jobs.submit',
        target: id,
        outcome: 'success',
        details: {
          kind: 'sign',
          files: n,
          credentialId: credential.id,
          algorithm,
          deterministic: job.deterministic,
          webhook: webhookUrl !== null,
        },
      });
    });
    this.#o.onSubmitted?.();
    return jobView(job, items);
  }

  /** The job for its creator, an admin, or an auditor of its organization; anyone else gets JOB_NOT_FOUND. */
  async read(id: string, p: Principal): Promise<JobView> {
    const job = await this.#readable(id, p);
    return jobView(job, await this.#o.store.jobs.listItems(id), await this.#o.store.jobs.listDeliveries(id));
  }

  /** A signed output of the job (JOB_FILE_NOT_READY until its item is done). */
  async file(id: string, n: number, p: Principal): Promise<{ name: string; pdf: Buffer }> {
    await this.#readable(id, p);
    const item = await this.#o.store.jobs.getItem(id, n);
    if (!item) throw new AppError('JOB_NOT_FOUND', 'no such file in this job');
    if (item.state !== 'done' || !item.outputSha256) throw new AppError('JOB_FILE_NOT_READY', `file ${n} is ${item.state}`);
    const pdf = await this.#o.files.get(item.outputSha256);
    if (!pdf || sha256Hex(pdf) !== item.outputSha256)
      throw new AppError('COPY_DOCUMENT_CORRUPT', 'the stored output does not match its hash');
    return { name: item.name, pdf };
  }

  /** Cancels: pending files are not signed; a file being signed finishes. Creator or admin. Audited. */
  async cancel(id: string, p: Principal): Promise<JobView> {
    const job = await this.#readable(id, p);
    if (job.ownerId !== p.id && p.role !== 'admin') throw new AppError('FORBIDDEN', 'only the creator or an admin cancels a job');
    const now = this.#o.clock.now();
    const cancelled = await this.#o.store.transaction(async (r) => {
      const ok = await r.jobs.cancelJob(id, now);
      if (ok) await r.audit.append({ actor: p.id, role: p.role, action: 'jobs.cancel', target: id, outcome: 'success' });
      return ok;
    });
    if (cancelled && job.authorizationId)
      await this.#o.credentials.revokeAuthorization(job.authorizationId, job.actorId).catch(() => undefined);
    return this.read(id, p);
  }

  /** Creates or replaces the caller's webhook secret; the value is returned once and never shown again. Audited. */
  async rotateWebhookSecret(p: Principal): Promise<{ secret: string }> {
    const secret = `whsec_${this.#random.bytes(32).toString('base64url')}`;
    const had = await this.#o.store.jobs.getWebhookSecret(p.id);
    await this.#o.store.transaction(async (r) => {
      await r.jobs.setWebhookSecret(p.id, secret, this.#o.clock.now());
      await r.audit.append({
        actor: p.id,
        role: p.role,
        action: had ? 'webhooks.secret.rotate' : 'webhooks.secret.create',
        outcome: 'success',
      });
    });
    return { secret };
  }

  async #readable(id: string, p: Principal): Promise<JobRecord> {
    const job = await this.#o.store.jobs.getJob(id);
    const mayRead =
      job !== undefined &&
      (job.ownerId === p.id ||
        p.role === 'admin' ||
        p.role === 'system' ||
        (p.role === 'auditor' && p.organizationId !== undefined && p.organizationId === job.organizationId));
    if (!job || !mayRead) throw new AppError('JOB_NOT_FOUND', 'no such job');
    return job;
  }
}

export function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A file name for display and Content-Disposition: printable ASCII only, bounded. */
function safeName(name: string, n: number): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .slice(0, 120)
    .trim();
  return cleaned === '' ? `file-${n}.pdf` : cleaned;
}
