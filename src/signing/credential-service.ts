import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import type { SignatureAlgorithm, Signer } from '../core/signature-algorithms.js';
import type { KeyStore } from '../keys/key-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CredentialRepository, SigningAuthorization, SigningAuthorizationRepository, SigningCredential } from './ports.js';
import { DEFAULT_PIN_HASH_PARAMS, hashPin, verifyPin, type PinHashParams } from './pin-hash.js';
import { checkSignerCertificate, type CertificateStatusPort } from './certificate-checks.js';
import { subjectField } from './subject.js';

/**
 * Server-held credentials ("second certificate", docs/domain.md): the key lives in the KeyStore,
 * bound to one official, unlocked by a PIN. Wrong PINs are counted atomically in the repository
 * and lock the credential after `lockAfter`; a correct PIN resets the counter. One PIN check may
 * also open a short-lived batch authorization for N documents.
 *
 * The PIN is never logged, stored in clear or put in an error (only a scrypt hash is kept).
 */
export interface CredentialServiceOptions {
  readonly keyStore: KeyStore;
  readonly credentials: CredentialRepository;
  readonly authorizations: SigningAuthorizationRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random?: RandomSource;
  /** Wrong PINs before the credential locks. Default 5. */
  readonly lockAfter?: number;
  /** Batch authorization lifetime. Default 5 minutes. */
  readonly batchTtlMs?: number;
  /** Upper bound on documents per batch authorization. Default 500. */
  readonly batchMaxDocuments?: number;
  readonly pinHashParams?: PinHashParams;
  /** Minimum PIN length on registration. Default 6. */
  readonly minPinLength?: number;
  /** Revocation check used by `preflight` (our CA: the pki service). */
  readonly certificateStatus?: CertificateStatusPort;
}

/** Credential as shown to callers: no PIN hash. */
export interface CredentialInfo {
  readonly id: string;
  readonly ownerId: string;
  readonly label: string;
  readonly keyUri: string;
  readonly certificate: Buffer;
  readonly locked: boolean;
  readonly failedAttempts: number;
  readonly createdAt: Date;
}

export interface UnlockedCredential {
  readonly credential: SigningCredential;
  readonly signer: Signer;
}

export class CredentialService {
  readonly #o: CredentialServiceOptions;
  readonly #lockAfter: number;
  readonly #random: RandomSource;

  constructor(options: CredentialServiceOptions) {
    this.#o = options;
    this.#lockAfter = options.lockAfter ?? 5;
    this.#random = options.random ?? cryptoRandom;
    if (!Number.isInteger(this.#lockAfter) || this.#lockAfter < 1) throw new TypeError('lockAfter must be a positive integer');
  }

  /** Registers a key already in the KeyStore (generated or imported) with its certificate chain. */
  async register(input: {
    ownerId: string;
    label?: string;
    keyUri: string;
    certificates: Buffer[];
    pin: string;
    algorithm?: SignatureAlgorithm;
    actor?: string;
  }): Promise<CredentialInfo> {
    const minLen = this.#o.minPinLength ?? 6;
    if (typeof input.pin !== 'string' || input.pin.length < minLen) {
      throw new AppError('VALIDATION_FAILED', `the PIN must have at least ${minLen} characters`);
    }
    if (!input.ownerId) throw new AppError('VALIDATION_FAILED', 'ownerId is required');
    const spki = await this.#o.keyStore.publicKey(input.keyUri);
    await checkSignerCertificate({ certificates: input.certificates, publicKeySpki: spki, at: this.#o.clock.now() });
    const now = this.#o.clock.now();
    const credential: SigningCredential = {
      id: newId('cred', this.#random),
      ownerId: input.ownerId,
      label: input.label ?? 'signing credential',
      keyUri: input.keyUri,
      certificates: input.certificates,
      algorithm: input.algorithm ?? null,
      pinHash: await hashPin(input.pin, this.#o.pinHashParams ?? DEFAULT_PIN_HASH_PARAMS),
      failedAttempts: 0,
      lockedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#o.credentials.create(credential);
    await this.#audit(input.actor ?? input.ownerId, 'signing.credential.register', credential.id, 'success', {
      ownerId: input.ownerId,
      keyUri: input.keyUri,
    });
    return info(credential);
  }

  async list(ownerId: string): Promise<CredentialInfo[]> {
    return (await this.#o.credentials.listByOwner(ownerId)).map(info);
  }

  async get(id: string, actorId: string): Promise<CredentialInfo> {
    return info(await this.#owned(id, actorId));
  }

  /**
   * Checks, without signing and without a PIN, that `actorId` may use the credential now: it
   * exists (CREDENTIAL_NOT_FOUND), belongs to the actor (FORBIDDEN), is not locked
   * (CREDENTIAL_LOCKED), and its certificate is valid for signing at the clock's time
   * (SIGNER_KEY_USAGE, SIGNER_EXPIRED, SIGNER_REVOKED). Used by certified copies before a
   * register number is taken.
   */
  async preflight(id: string, actorId: string): Promise<{ signerName: string; certificate: Buffer }> {
    const c = await this.#owned(id, actorId);
    if (c.lockedAt) throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked after too many wrong PINs');
    await checkSignerCertificate({
      certificates: c.certificates,
      at: this.#o.clock.now(),
      ...(this.#o.certificateStatus ? { status: this.#o.certificateStatus } : {}),
    });
    const leaf = c.certificates[0]!;
    return { signerName: subjectField(leaf, 'CN') ?? c.label, certificate: leaf };
  }

  /** Administrative unlock (RA officer), optionally with a new PIN. */
  async unlock(id: string, actor: string, newPin?: string): Promise<void> {
    const c = await this.#o.credentials.get(id);
    if (!c) throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    const hash = newPin === undefined ? undefined : await hashPin(newPin, this.#o.pinHashParams ?? DEFAULT_PIN_HASH_PARAMS);
    await this.#o.credentials.unlock(id, this.#o.clock.now(), hash);
    await this.#audit(actor, 'signing.credential.unlock', id, 'success', { pinChanged: newPin !== undefined });
  }

  /** Checks owner + PIN and returns a signer over the stored key. */
  async unlockWithPin(id: string, actorId: string, pin: string): Promise<UnlockedCredential> {
    const c = await this.#checkPin(id, actorId, pin);
    return { credential: c, signer: await this.#o.keyStore.signer(c.keyUri, c.algorithm ?? undefined) };
  }

  /**
   * One PIN check → an authorization for up to `documents` signatures within the batch TTL.
   * Returns the authorization (its id is the bearer secret for the batch; do not log it).
   */
  async authorizeBatch(id: string, actorId: string, pin: string, documents: number): Promise<SigningAuthorization> {
    const max = this.#o.batchMaxDocuments ?? 500;
    if (!Number.isInteger(documents) || documents < 1 || documents > max) {
      throw new AppError('VALIDATION_FAILED', `a batch authorization covers 1 to ${max} documents`);
    }
    const c = await this.#checkPin(id, actorId, pin);
    const now = this.#o.clock.now();
    const auth: SigningAuthorization = {
      id: newId('sa', this.#random),
      credentialId: c.id,
      ownerId: c.ownerId,
      maxDocuments: documents,
      usedDocuments: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (this.#o.batchTtlMs ?? 5 * 60_000)),
      revokedAt: null,
    };
    await this.#o.authorizations.create(auth);
    await this.#audit(actorId, 'signing.batch.authorize', c.id, 'success', { documents, expiresAt: auth.expiresAt.toISOString() });
    return auth;
  }

  /** Takes `count` documents from a batch authorization and returns the credential's signer. */
  async unlockWithAuthorization(
    authorizationId: string,
    actorId: string,
    count = 1,
  ): Promise<UnlockedCredential & { authorization: SigningAuthorization }> {
    const existing = await this.#o.authorizations.get(authorizationId);
    if (!existing) throw new AppError('FORBIDDEN', 'unknown or expired signing authorization');
    if (!safeEqual(existing.ownerId, actorId)) {
      await this.#audit(actorId, 'signing.batch.use', existing.credentialId, 'failure', { error: 'FORBIDDEN' });
      throw new AppError('FORBIDDEN', 'this signing authorization belongs to another user');
    }
    const taken = await this.#o.authorizations.take(authorizationId, count, this.#o.clock.now());
    if (!taken) {
      await this.#audit(actorId, 'signing.batch.use', existing.credentialId, 'failure', {
        error: 'FORBIDDEN',
        reason: 'expired, exhausted or revoked',
      });
      throw new AppError('FORBIDDEN', 'the signing authorization is expired, exhausted or revoked');
    }
    const c = await this.#owned(taken.credentialId, actorId);
    if (c.lockedAt) throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked');
    return { credential: c, authorization: taken, signer: await this.#o.keyStore.signer(c.keyUri, c.algorithm ?? undefined) };
  }

  async revokeAuthorization(authorizationId: string, actorId: string): Promise<void> {
    const a = await this.#o.authorizations.get(authorizationId);
    if (!a) return;
    if (a.ownerId !== actorId) throw new AppError('FORBIDDEN', 'this signing authorization belongs to another user');
    await this.#o.authorizations.revoke(authorizationId, this.#o.clock.now());
    await this.#audit(actorId, 'signing.batch.revoke', a.credentialId, 'success');
  }

  async #owned(id: string, actorId: string): Promise<SigningCredential> {
    const c = await this.#o.credentials.get(id);
    if (!c) throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    if (!safeEqual(c.ownerId, actorId)) {
      await this.#audit(actorId, 'signing.credential.use', id, 'failure', { error: 'FORBIDDEN' });
      throw new AppError('FORBIDDEN', 'only the owner may use this credential');
    }
    return c;
  }

  async #checkPin(id: string, actorId: string, pin: string): Promise<SigningCredential> {
    const c = await this.#owned(id, actorId);
    if (c.lockedAt) {
      await this.#audit(actorId, 'signing.credential.pin', id, 'failure', { error: 'CREDENTIAL_LOCKED' });
      throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked after too many wrong PINs');
    }
    const ok = typeof pin === 'string' && pin.length > 0 && (await verifyPin(pin, c.pinHash));
    const now = this.#o.clock.now();
    if (!ok) {
      const after = await this.#o.credentials.recordPinFailure(id, this.#lockAfter, now);
      const locked = !!after?.lockedAt;
      await this.#audit(actorId, 'signing.credential.pin', id, 'failure', {
        error: 'PIN_INVALID',
        failedAttempts: after?.failedAttempts ?? null,
      });
      if (locked) {
        await this.#audit(actorId, 'signing.credential.lock', id, 'success', { failedAttempts: after?.failedAttempts ?? null });
        throw new AppError('CREDENTIAL_LOCKED', 'wrong PIN; the credential is now locked', { details: { remainingAttempts: 0 } });
      }
      throw new AppError('PIN_INVALID', 'wrong PIN', {
        details: { remainingAttempts: Math.max(0, this.#lockAfter - (after?.failedAttempts ?? 0)) },
      });
    }
    if (c.failedAttempts !== 0) await this.#o.credentials.resetPinFailures(id, now);
    return { ...c, failedAttempts: 0 };
  }

  async #audit(
    actor: string,
    action: string,
    target: string,
    outcome: 'success' | 'failure',
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.#o.audit.append({ actor, role: 'signer', action, target, outcome, ...(details ? { details } : {}) });
  }
}

function info(c: SigningCredential): CredentialInfo {
  return {
    id: c.id,
    ownerId: c.ownerId,
    label: c.label,
    keyUri: c.keyUri,
    certificate: c.certificates[0] ?? Buffer.alloc(0),
    locked: c.lockedAt !== null,
    failedAttempts: c.failedAttempts,
    createdAt: c.createdAt,
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
