import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import type { CredentialService } from '../signing/credential-service.js';
import type { SignService } from '../signing/sign-service.js';
import type { SignOptions } from '../signing/types.js';
import { sha256Hex, type StoredSignOptions } from './job-service.js';
import type { JobFileStore, JobItemRecord, JobRecord, JobRepos, JobStore } from './ports.js';
import type { CertifyJobPort, StoredCertifyOptions } from './certify-jobs.js';

export interface JobRunnerOptions {
  readonly store: JobStore;
  readonly files: JobFileStore;
  readonly sign: Pick<SignService, 'signUnrecorded'>;
  readonly credentials: Pick<CredentialService, 'credentialForAuthorization'>;
  readonly clock: Clock;
  readonly random?: RandomSource;
  readonly leaseMs: number;
  /** Certified copies, for certify jobs. */
  readonly certify?: CertifyJobPort;
  /** Claims of one item before an unexpected (non-AppError) failure is final. Default 3. */
  readonly maxAttempts?: number;
}

/** Lost the claim (lease expired and another worker took the item): this worker's result is dropped. */
class ClaimLost extends Error {}

/**
 * Works one item at a time ("signed once", docs/jobs.md):
 *
 * 1. claim: one atomic UPDATE … RETURNING takes a pending item, or a running one whose lease
 *    ended because its worker died;
 * 2. sign without recording: the key is used, nothing is written yet;
 * 3. write the output to the content-addressed file store (same bytes → same name);
 * 4. one transaction: take one document from the batch authorization, mark the item done with
 *    the output's SHA-256 if this worker still holds the claim, append the one `signing.sign`
 *    audit event, and complete the job (queueing its webhook) when it was the last item.
 *
 * A crash before 4 leaves no event and no spent unit; the item is claimed again after the lease.
 * For RSA PKCS#1 v1.5 (deterministic, RFC 8017 §8.2) with the signing time fixed at submission,
 * the second signature is byte-identical to the lost one: one signed document exists, and one
 * event records it. For ECDSA and RSA-PSS a second signature would differ, so an item claimed a
 * second time is failed with JOB_ITEM_INTERRUPTED instead of being signed again.
 */
export class JobRunner {
  readonly #o: JobRunnerOptions;
  readonly #random: RandomSource;

  constructor(o: JobRunnerOptions) {
    this.#o = o;
    this.#random = o.random ?? cryptoRandom;
  }

  /** Claims and works one item; false when there was nothing to do. */
  async runOnce(): Promise<boolean> {
    const token = newId('claim', this.#random);
    const now = this.#o.clock.now();
    const item = await this.#o.store.jobs.claimItem(token, now, new Date(now.getTime() + this.#o.leaseMs));
    if (!item) return false;
    const job = await this.#o.store.jobs.getJob(item.jobId);
    if (!job) throw new TypeError(`job item without its job: ${item.jobId}`);
    try {
      if (job.state !== 'running') {
        await this.#fail(job, item, token, new AppError('CONFLICT', 'the job was cancelled'), 'cancelled');
      } else if (item.attempts > 1 && !job.deterministic) {
        await this.#fail(
          job,
          item,
          token,
          new AppError('JOB_ITEM_INTERRUPTED', 'the worker stopped while signing; a non-deterministic signature is not made twice'),
        );
      } else if (job.kind === 'certify') {
        await this.#certifyItem(job, item, token);
      } else {
        await this.#signItem(job, item, token);
      }
    } catch (err) {
      if (err instanceof ClaimLost) return true;
      if (isAppError(err)) await this.#fail(job, item, token, err).catch(ignoreLost);
      else if (item.attempts >= (this.#o.maxAttempts ?? 3)) {
        await this.#fail(job, item, token, new AppError('INTERNAL', 'the file could not be processed')).catch(ignoreLost);
      } else throw err; // left running: claimed again after the lease
    }
    return true;
  }

  async #signItem(job: JobRecord, item: JobItemRecord, token: string): Promise<void> {
    const pdf = await this.#o.files.get(item.inputSha256);
    if (!pdf || sha256Hex(pdf) !== item.inputSha256) throw new AppError('STORE_UNAVAILABLE', 'the spooled input is missing or damaged');
    const stored = JSON.parse(job.options) as StoredSignOptions;
    const { credential, authorization } = await this.#o.credentials.credentialForAuthorization(job.authorizationId ?? '', job.actorId);
    let appearance: SignOptions['appearance'];
    if (stored.appearance) {
      const { imageSha256, ...a } = stored.appearance;
      const image = imageSha256 ? await this.#o.files.get(imageSha256) : undefined;
      appearance = { ...a, ...(image ? { image } : {}) };
    }
    const { appearance: _a, ...rest } = stored;
    const r = await this.#o.sign.signUnrecorded(pdf, {
      ...rest,
      ...(appearance ? { appearance } : {}),
      // The credential's key, checked against the authorization (owner, expiry, remaining count)
      // without spending it: the unit is taken in the transaction that records the result.
      signer: { kind: 'keystore', keyUri: credential.keyUri, certificates: credential.certificates },
      ...(credential.algorithm && !rest.algorithm ? { algorithm: credential.algorithm } : {}),
      actorId: job.actorId,
      signingTime: job.signingTime,
      revisionId: createHash('sha256').update(`${job.id}#${item.n}`).digest().subarray(0, 16),
    });
    const out = Buffer.concat(r.chunks);
    const sha = sha256Hex(out);
    await this.#o.files.put(sha, out);
    const now = this.#o.clock.now();
    await this.#o.store.transaction(async (repos) => {
      if (!(await repos.signingAuthorizations.take(authorization.id, 1, now))) {
        throw new AppError('FORBIDDEN', 'the signing authorization is expired, exhausted or revoked');
      }
      if (!(await repos.jobs.finishItem(job.id, item.n, token, { state: 'done', outputSha256: sha, outputBytes: out.length }, now))) {
        throw new ClaimLost();
      }
      await repos.audit.append({
        actor: job.actorId,
        role: 'signer',
        action: 'signing.sign',
        target: `${job.id}#${item.n}`,
        outcome: 'success',
        details: {
          ...r.auditDetails,
          source: { kind: 'credential', credentialId: credential.id, authorizationId: authorization.id.slice(0, 8) },
          job: job.id,
          item: item.n,
          attempt: item.attempts,
          outputSha256: sha,
        },
      });
      await this.#completeIfLast(repos, job, now);
    });
  }

  /**
   * One original → one certified copy through the copy service (register number, statement,
   * certifier's signature, seal; its own audit events), on the job's two batch authorizations.
   * Never run twice for an item (the job is not deterministic): a crash leaves the copy service's
   * interrupted entry, which its recovery marks failed.
   */
  async #certifyItem(job: JobRecord, item: JobItemRecord, token: string): Promise<void> {
    if (!this.#o.certify) throw new AppError('CONFLICT', 'this instance does not certify copies');
    const pdf = await this.#o.files.get(item.inputSha256);
    if (!pdf || sha256Hex(pdf) !== item.inputSha256) throw new AppError('STORE_UNAVAILABLE', 'the spooled input is missing or damaged');
    const o = JSON.parse(job.options) as StoredCertifyOptions;
    const r = await this.#o.certify.certify(o.principal, {
      ...o.request,
      original: { pdf },
      certifier: { ...o.certifier, authorizationId: job.authorizationId ?? '' },
      seal: o.seal,
    });
    const sha = sha256Hex(r.copy);
    await this.#o.files.put(sha, r.copy);
    const now = this.#o.clock.now();
    await this.#o.store.transaction(async (repos) => {
      if (!(await repos.jobs.finishItem(job.id, item.n, token, { state: 'done', outputSha256: sha, outputBytes: r.copy.length }, now))) {
        throw new ClaimLost();
      }
      await repos.audit.append({
        actor: o.principal.id,
        role: o.principal.role,
        action: 'jobs.certify',
        target: `${job.id}#${item.n}`,
        outcome: 'success',
        details: { job: job.id, item: item.n, copyId: r.entry.id, year: r.entry.year, number: r.entry.number, outputSha256: sha },
      });
      await this.#completeIfLast(repos, job, now);
    });
  }

  async #fail(job: JobRecord, item: JobItemRecord, token: string, err: AppError, state: 'failed' | 'cancelled' = 'failed'): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.store.transaction(async (repos) => {
      const result =
        state === 'cancelled'
          ? ({ state: 'failed', errorCode: 'CONFLICT', errorMessage: err.message } as const)
          : ({ state: 'failed', errorCode: err.code, errorMessage: err.message } as const);
      if (!(await repos.jobs.finishItem(job.id, item.n, token, result, now))) throw new ClaimLost();
      if (state === 'failed') {
        await repos.audit.append({
          actor: job.actorId,
          role: 'signer',
          action: job.kind === 'certify' ? 'jobs.certify' : 'signing.sign',
          target: `${job.id}#${item.n}`,
          outcome: 'failure',
          details: { job: job.id, item: item.n, attempt: item.attempts, error: err.code },
        });
      }
      await this.#completeIfLast(repos, job, now);
    });
  }

  async #completeIfLast(repos: JobRepos, job: JobRecord, now: Date): Promise<void> {
    if (!(await repos.jobs.completeJobIfFinished(job.id, now))) return;
    await repos.audit.append({ actor: 'system', role: 'system', action: 'jobs.complete', target: job.id, outcome: 'success' });
    if (job.webhookUrl) {
      await repos.jobs.createDelivery({
        id: newId('whd', this.#random),
        jobId: job.id,
        ownerId: job.ownerId,
        url: job.webhookUrl,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        claimToken: null,
        createdAt: now,
      });
    }
  }
}

function ignoreLost(e: unknown): void {
  if (!(e instanceof ClaimLost)) throw e;
}
