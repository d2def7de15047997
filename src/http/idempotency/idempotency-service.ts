import { createHmac, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { IdempotencyKeyRepository, IdempotencyRecord, StoredResponse } from '../../store/ports/idempotency-keys.js';
import type { Logger } from '../log.js';
import { attachGate, ReplySent, withheldResource, type IdempotencyGate } from './gate.js';
import type { BodyDigest } from './request-digest.js';
import { captureResponse } from './response-capture.js';

export interface IdempotencyOptions {
  readonly repository: IdempotencyKeyRepository;
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit?: Pick<AuditLog, 'append'>;
  /** How long a key is remembered (KYSO_IDEMPOTENCY_TTL). */
  readonly ttlSeconds: number;
  /** How long a running request holds its key before another instance may take it over (KYSO_IDEMPOTENCY_LEASE). */
  readonly leaseSeconds: number;
  /**
   * HMAC-SHA-256 key of request fingerprints (derived from the master secret). A plain hash of a
   * request that carried a 6-digit PIN could be reversed by trying every PIN against the stored
   * digest; a keyed one cannot without the master secret.
   */
  /** Read on first use: commands that never fingerprint a request never open the master key. */
  readonly fingerprintKey: () => Buffer;
}

/**
 * Statuses that say "not now" rather than "no": the request changed nothing and may succeed
 * later unchanged, so the key is released instead of answering every retry with them. Together
 * with every 5xx (the draft: a failure on the server must not lock the key).
 */
const RELEASED = new Set([408, 409, 423, 425, 429]);

/**
 * Idempotent retries (draft-ietf-httpapi-idempotency-key-header): the first request with a key
 * runs and its answer is stored with the request's fingerprint; a retry with the same key and
 * the same request gets that answer again (`Idempotent-Replayed: true`), the same key with
 * another request gets 422, a retry while the first still runs gets 409 with Retry-After (kyso
 * does not hold the retry open: the first may run on another instance for minutes).
 */
export class IdempotencyService {
  constructor(private readonly o: IdempotencyOptions) {}

  /** Opens the gate of a request that carries `key`; the body reader then claims it. */
  open(req: Request, res: Response, principal: Principal, key: string): IdempotencyGate {
    let claimed: Promise<void> | undefined;
    const gate: IdempotencyGate = {
      claim: (body) => (claimed ??= this.#claim(req, res, principal, key, body)),
    };
    attachGate(req, gate);
    return gate;
  }

  /** Deletes expired keys (also done lazily: an expired key is free for a new request). */
  purge(): Promise<number> {
    return this.o.repository.purgeExpired(this.o.clock.now());
  }

  fingerprint(req: Request, body: BodyDigest): string {
    const media = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const h = createHmac('sha256', this.o.fingerprintKey());
    for (const part of [req.method, req.originalUrl, media, body.kind, body.sha256]) h.update(`${part.length}:${part}`, 'utf8');
    return h.digest('hex');
  }

  async #claim(req: Request, res: Response, principal: Principal, key: string, body: BodyDigest): Promise<void> {
    const now = this.o.clock.now();
    const fingerprint = this.fingerprint(req, body);
    const claimId = randomUUID();
    const r = await this.o.repository.claim({
      caller: principal.id,
      key,
      fingerprint,
      method: req.method,
      path: req.originalUrl.split('?')[0] ?? '/',
      claimId,
      now,
      lockedUntil: new Date(now.getTime() + this.o.leaseSeconds * 1000),
      expiresAt: new Date(now.getTime() + this.o.ttlSeconds * 1000),
    });
    if (r.claimed) {
      captureResponse(res, (response, clientGone) => this.#settle(res, principal.id, key, claimId, response, clientGone));
      return;
    }
    await this.#answer(req, res, principal, r.existing, fingerprint);
  }

  async #settle(res: Response, caller: string, key: string, claimId: string, response: StoredResponse, clientGone: boolean): Promise<void> {
    const repo = this.o.repository;
    try {
      // A refusal nobody received may come from the client's own departure (its upload's temp
      // files are removed when it goes): not kept, so the retry is judged on its own. Work that
      // succeeded is kept whether or not the client was still there: that is what a retry is for.
      const unheardRefusal = clientGone && response.status >= 400;
      if (response.status >= 500 || RELEASED.has(response.status) || unheardRefusal) return await repo.release(caller, key, claimId);
      const created = withheldResource(res);
      const saved =
        created && response.status < 300
          ? await repo.complete(caller, key, claimId, {
              state: 'secret',
              status: response.status,
              resourceId: created.id,
              resourceLocation: created.location ?? null,
            })
          : await repo.complete(caller, key, claimId, { state: 'done', response });
      if (!saved) this.o.log.warn('idempotency claim lapsed before the answer was stored', { requestId: res.locals.requestId });
    } catch (err) {
      // The answer still goes out; the key stays pending until its lease lapses, then a retry runs anew.
      this.o.log.error('idempotency record not stored', {
        requestId: res.locals.requestId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async #answer(req: Request, res: Response, principal: Principal, rec: IdempotencyRecord, fingerprint: string): Promise<never> {
    const where = { requestId: res.locals.requestId, actor: principal.id, method: req.method, path: req.path };
    if (rec.fingerprint !== fingerprint) {
      this.o.log.info('idempotency key reused for another request', where);
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        `this Idempotency-Key was used for a different request (${rec.method} ${rec.path}); use a new key for a new request`,
      );
    }
    if (rec.state === 'pending') {
      res.setHeader('Retry-After', '1');
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still running; retry shortly');
    }
    if (rec.state === 'secret') {
      throw new AppError(
        'IDEMPOTENCY_SECRET_NOT_REPLAYED',
        'the first request with this Idempotency-Key succeeded; its answer carried a secret that is not kept, so it is not sent again',
        { details: { id: rec.resourceId, ...(rec.resourceLocation ? { location: rec.resourceLocation } : {}) } },
      );
    }
    const stored = rec.response!;
    // Not a new state change: recorded so an auditor sees who received an answer a second time.
    this.o.log.info('idempotent replay', { ...where, status: stored.status, firstAt: rec.createdAt.toISOString() });
    await this.o.audit?.append({
      actor: principal.id,
      role: principal.role,
      action: 'request.replay',
      target: stored.headers.location ?? rec.path,
      outcome: 'success',
      details: { method: rec.method, path: rec.path, status: stored.status, firstAt: rec.createdAt.toISOString() },
    });
    res.status(stored.status);
    for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
    res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Content-Length', String(stored.body.length));
    res.end(stored.body);
    throw new ReplySent();
  }
}
