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
import { certifySigners, type CertifyJobPort, type StoredCertifyOptions } from './certify-jobs.js';
import type { CertifyRequest } from '../copies/copy-service.js';

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
  /** Certified copies, for certify jobs. */
  readonly certify?: CertifyJobPort;
}

export interface CertifyJobInput {
  readonly principal: Principal;
  readonly files: ReadonlyArray<{ readonly name: string; readonly data: Buffer }>;
  readonly request: Omit<CertifyRequest, 'original' | 'certifier' | 'seal'>;
  readonly certifier: { readonly credentialId: string; readonly title: string; readonly pin: string };
  readonly seal: { readonly credentialId?: string; readonly pin: string };
  readonly webhookUrl?: string;
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

  /**
   * Several originals → certified copies, one register entry each. Both PINs (certifier, seal)
   * are checked once here. A copy takes a register number, so an interrupted item is never
   * certified again (JOB_ITEM_INTERRUPTED; the copy service marks the interrupted entry failed).
   */
  async submitCertify(input: CertifyJobInput): Promise<JobView> {
    if (!this.#o.certify) throw new TypeError('submitCertify: no certified-copy service configured');
    const n = input.files.length;
    const webhookUrl = await this.#checkSubmission(input.principal, input.files, input.webhookUrl);
    const s = await certifySigners(this.#o.certify, input.principal, input.request.authorityId, input.seal.credentialId);
    const ttlMs = this.#o.authorizationTtlMs ?? 24 * 3600_000;
    const certifierAuth = await this.#o.credentials.authorizeBatch(input.certifier.credentialId, s.official, input.certifier.pin, n, {
      ttlMs,
    });
    const sealAuth = await this.#o.credentials.authorizeBatch(s.sealCredentialId, s.sealActor, input.seal.pin, n, { ttlMs });
    const stored: StoredCertifyOptions = {
      principal: input.principal,
      request: input.request,
      certifier: { credentialId: input.certifier.credentialId, title: input.certifier.title },
      seal: { credentialId: s.sealCredentialId, authorizationId: sealAuth.id },
    };
    return this.#record(input.principal, 'certify', s.official, input.files, JSON.stringify(stored), certifierAuth.id, false, webhookUrl, {
      authorityId: input.request.authorityId,
      files: n,
    });
  }

  async #checkSubmission(
    p: Principal,
    files: ReadonlyArray<{ readonly data: Buffer }>,
    webhook: string | undefined,
  ): Promise<string | null> {
    const n = files.length;
    if (n < 1 || n > MAX_JOB_FILES) throw new AppError('VALIDATION_FAILED', `a job holds 1 to ${MAX_JOB_FILES} files`);
    for (const [i, f] of files.entries()) {
      const at = f.data.indexOf('%PDF-', 0, 'latin1');
      if (at < 0 || at > 1024) throw new AppError('PDF_NOT_PDF', `file ${i + 1} is not a PDF`, { details: { n: i + 1 } });
    }
    const webhookUrl = webhook === undefined ? null : checkWebhookUrl(webhook, this.#o.webhookAllowList).href;
    if (webhookUrl && !(await this.#o.store.jobs.getWebhookSecret(p.id))) {
      throw new AppError('WEBHOOK_SECRET_MISSING', 'create a webhook secret first (POST /api/v1/webhooks/secret)');
    }
    return webhookUrl;
  }

  async submitSign(input: SignJobInput): Promise<JobView> {
    const n = input.files.length;
    const webhookUrl = await this.#checkSubmission(input.principal, input.files, input.webhookUrl);
    // The one PIN check; the job keeps only the authorization id (docs/jobs.md "No PIN at rest").
    const auth = await this.#o.credentials.authorizeBatch(input.credentialId, input.actorId, input.pin, n, {
      ttlMs: this.#o.authorizationTtlMs ?? 24 * 3600_000,
    });
    const { credential } = await this.#o.credentials.credentialForAuthorization(auth.id, input.actorId);
    const algorithm: SignatureAlgorithm =
      input.options.algorithm ?? credential.algorithm ?? defaultAlgorithmFor(new X509Certificate(credential.certificates[0]!).publicKey);

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
    // RSA PKCS#1 v1.5 signatures are a function of key and message (RFC 8017 §8.2): signing an
    // item again after a crash gives the very same bytes. ECDSA and RSA-PSS draw randomness.
    const deterministic = algorithm.startsWith('RSA-PKCS1-');
    return this.#record(input.principal, 'sign', input.actorId, input.files, JSON.stringify(stored), auth.id, deterministic, webhookUrl, {
      files: n,
      credentialId: credential.id,
      algorithm,
      deterministic,
    });
  }

  /** Spools the inputs and records the job, its items and the `jobs.submit` event in one transaction. */
  async #record(
    p: Principal,
    kind: JobRecord['kind'],
    actorId: string,
    files: ReadonlyArray<{ readonly name: string; readonly data: Buffer }>,
    options: string,
    authorizationId: string,
    deterministic: boolean,
    webhookUrl: string | null,
    details: Record<string, unknown>,
  ): Promise<JobView> {
    const now = this.#o.clock.now();
    const id = newId('job', this.#random);
    const items: JobItemRecord[] = [];
    for (const [i, f] of files.entries()) {
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
    const job: JobRecord = {
      id,
      kind,
      ownerId: p.id,
      organizationId: p.organizationId ?? null,
      actorId,
      state: 'running',
      options,
      authorizationId,
      signingTime: now,
      deterministic,
      webhookUrl,
      createdAt: now,
      completedAt: null,
    };
    await this.#o.store.transaction(async (r) => {
      await r.jobs.createJob(job, items);
      await r.audit.append({
        actor: p.id,
        role: p.role,
        action: 'jobs.submit',
        target: id,
        outcome: 'success',
        details: { kind, ...details, webhook: webhookUrl !== null },
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
