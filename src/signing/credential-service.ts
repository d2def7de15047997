import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import type { SignatureAlgorithm, Signer } from '../core/signature-algorithms.js';
import type { KeyStore } from '../keys/key-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CredentialRepository, SigningAuthorization, SigningAuthorizationRepository, SigningCredential } from './ports.js';
import { ENCRYPTED_KEY_SCHEME } from '../keys/adapters/encrypted-key-store.js';
import { keyLegacyVerifier, newPinVerifier, pinVerifierState, verifyPin, type PinVerifierKey } from './pin-hash.js';
import { checkSignerCertificate, type CertificateStatusPort } from './certificate-checks.js';
import { subjectField } from './subject.js';
import { requireHolder, type CertificateHolderPort } from './certificate-holders.js';

/**
 * Server-held credentials ("second certificate", docs/domain.md): the key lives in the KeyStore,
 * bound to one official, unlocked by a PIN. Wrong PINs are counted atomically in the repository
 * and lock the credential after `lockAfter`; a correct PIN resets the counter. One PIN check may
 * also open a short-lived batch authorization for N documents.
 *
 * One key carries at most one credential (checked here, enforced by a unique index). Only the
 * holder chooses the PIN: a credential bound through the dual-control flow
 * (./credential-requests.ts) starts without one and the holder sets it with a one-time
 * activation code; a PIN reset clears it and issues a new code.
 *
 * The PIN and the activation code are never logged, stored in clear or put in an error (only
 * a keyed verifier of the PIN, ./pin-hash.ts, and a SHA-256 of the 128-bit code are kept).
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
  /** The PIN verifiers' key (from the master secret: asked for on the first PIN set or checked). */
  readonly pinVerifierKey: () => PinVerifierKey;
  /** Minimum PIN length on registration. Default 6. */
  readonly minPinLength?: number;
  /** Revocation check used by `preflight` (our CA: the pki service). */
  readonly certificateStatus?: CertificateStatusPort;
  /** How long an activation code stays usable. Default 72 hours. */
  readonly activationTtlMs?: number;
  /**
   * Who holds a certificate of our CA now (the pki's records): a credential is used only while its
   * owner still does, so a seal credential stops with its custodian's change on the authority.
   */
  readonly certificateHolders?: CertificateHolderPort;
}

/** A one-time activation code, shown once to whoever hands it to the holder out of band. */
export interface ActivationCode {
  readonly code: string;
  readonly expiresAt: Date;
}

/** Credential as shown to callers: no PIN hash. */
export interface CredentialInfo {
  readonly id: string;
  readonly ownerId: string;
  readonly label: string;
  readonly keyUri: string;
  readonly certificate: Buffer;
  readonly locked: boolean;
  /** False until the holder has set the PIN with the activation code. */
  readonly activated: boolean;
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

  /**
   * Registers a key already in the KeyStore (generated or imported) with its certificate chain
   * and the PIN its holder types in (the operator's console, tests). Refuses a key that already
   * has a credential (CREDENTIAL_KEY_BOUND).
   */
  async register(input: {
    ownerId: string;
    label?: string;
    keyUri: string;
    certificates: Buffer[];
    pin: string;
    algorithm?: SignatureAlgorithm;
    actor?: string;
  }): Promise<CredentialInfo> {
    this.#checkPinShape(input.pin);
    await this.#keyOpens({ keyUri: input.keyUri, algorithm: input.algorithm ?? null });
    const pinHash = newPinVerifier(input.pin, this.#o.pinVerifierKey());
    const c = await this.#create(input, { pinHash, activationCodeHash: null, activationExpiresAt: null });
    return info(c);
  }

  /**
   * Binds a key to its holder without a PIN (approved dual-control request): returns the
   * one-time activation code with which the holder alone sets the PIN.
   */
  async registerAwaitingActivation(input: {
    ownerId: string;
    label?: string;
    keyUri: string;
    certificates: Buffer[];
    algorithm?: SignatureAlgorithm;
    actor: string;
  }): Promise<{ credential: CredentialInfo; activation: ActivationCode }> {
    const activation = this.#newActivationCode();
    const c = await this.#create(input, {
      pinHash: '',
      activationCodeHash: sha256Hex(activation.code),
      activationExpiresAt: activation.expiresAt,
    });
    return { credential: info(c), activation };
  }

  /** PIN reset (approved dual-control request): the PIN is cleared and a new activation code issued. */
  async resetPin(id: string, actor: string): Promise<ActivationCode> {
    const c = await this.#o.credentials.get(id);
    if (!c) throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    const activation = this.#newActivationCode();
    const now = this.#o.clock.now();
    await this.#o.credentials.setActivation(id, sha256Hex(activation.code), activation.expiresAt, now);
    // A reset is how a PIN that may be known to someone else is retired: what it opened goes with it.
    const revoked = await this.#o.authorizations.revokeAllOf(id, now);
    await this.#audit(actor, 'signing.credential.pin-reset', id, 'success', {
      expiresAt: activation.expiresAt.toISOString(),
      authorizationsRevoked: revoked,
    });
    return activation;
  }

  /**
   * Gives a credential whose owner no longer holds its certificate (a seal custodian replaced on
   * the authority: the service holds one credential per key) to the holder named now (approved
   * dual-control binding). The credential keeps its id, key and stamp images, so the authority's
   * seal credential and its stamps stay as they are; the PIN is cleared, everything the former
   * owner opened with it is revoked, and only the new holder sets a PIN, with the activation code
   * returned here. CREDENTIAL_KEY_BOUND while the owner still holds the certificate, or when
   * `toOwnerId` does not.
   */
  async transfer(id: string, toOwnerId: string, actor: string): Promise<{ credential: CredentialInfo; activation: ActivationCode }> {
    const c = await this.#o.credentials.get(id);
    if (!c) throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    const holders = await this.#o.certificateHolders?.holders(c.certificates[0]!);
    if (!holders || holders.includes(c.ownerId) || !holders.includes(toOwnerId)) throw keyBound(c.id);
    const activation = this.#newActivationCode();
    const now = this.#o.clock.now();
    if (!(await this.#o.credentials.transfer(id, c.ownerId, toOwnerId, sha256Hex(activation.code), activation.expiresAt, now)))
      throw keyBound(c.id);
    const revoked = await this.#o.authorizations.revokeAllOf(id, now);
    await this.#audit(actor, 'signing.credential.transfer', id, 'success', {
      from: c.ownerId,
      to: toOwnerId,
      expiresAt: activation.expiresAt.toISOString(),
      authorizationsRevoked: revoked,
    });
    return { credential: info((await this.#o.credentials.get(id))!), activation };
  }

  /**
   * Ends the batch authorizations of `ownerId`'s credentials whose certificate they no longer
   * hold (the authority named another seal custodian): refused from then on anyway, they must not
   * come back should the same custodian be named again. Returns how many were revoked.
   */
  async endAuthorizationsNoLongerHeld(ownerId: string, actor: string): Promise<number> {
    let revoked = 0;
    for (const c of await this.#o.credentials.listByOwner(ownerId)) {
      if (await this.heldByOwner(info(c))) continue;
      const n = await this.#o.authorizations.revokeAllOf(c.id, this.#o.clock.now());
      if (n > 0)
        await this.#audit(actor, 'signing.batch.revoke', c.id, 'success', { reason: 'not-certificate-holder', authorizationsRevoked: n });
      revoked += n;
    }
    return revoked;
  }

  /** The holder sets the PIN with the activation code (ACTIVATION_CODE_INVALID when wrong, used or expired). */
  async activate(id: string, actorId: string, code: string, pin: string): Promise<CredentialInfo> {
    const c = await this.#held(id, actorId, 'signing.credential.activate');
    this.#checkPinShape(pin);
    // The code is checked here before the key is opened; the compare-and-set below decides.
    const codeHash = typeof code === 'string' && code.length > 0 ? sha256Hex(code) : '';
    const expires = c.activationExpiresAt;
    if (
      !codeHash ||
      c.activationCodeHash === null ||
      !safeEqual(c.activationCodeHash, codeHash) ||
      !expires ||
      expires <= this.#o.clock.now()
    )
      throw await this.#activationRefused(actorId, id);
    await this.#keyOpens(c);
    const pinHash = newPinVerifier(pin, this.#o.pinVerifierKey());
    if (!(await this.#o.credentials.activate(id, codeHash, pinHash, this.#o.clock.now()))) throw await this.#activationRefused(actorId, id);
    // Anything an earlier PIN opened is void once the holder sets a new one (also if the reset's own revocation was interrupted).
    await this.#o.authorizations.revokeAllOf(id, this.#o.clock.now());
    await this.#audit(actorId, 'signing.credential.activate', id, 'success');
    return info((await this.#o.credentials.get(id))!);
  }

  /**
   * Keys every legacy scrypt PIN verifier where it lies, without the PIN (./pin-hash.ts
   * `keyLegacyVerifier`), so that no verifier in the database can be tested offline; each by
   * compare-and-set (a PIN set meanwhile wins) and audited. The service runs it at start; returns
   * how many it keyed.
   */
  async keyLegacyPinVerifiers(): Promise<number> {
    const key = this.#o.pinVerifierKey();
    let keyed = 0;
    for (const c of await this.#o.credentials.listByPinVerifierForm('scrypt$')) {
      if (!(await this.#provesMasterKey(c))) continue;
      const next = keyLegacyVerifier(c.pinHash, key);
      if (!next || !(await this.#o.credentials.replacePinVerifier(c.id, c.pinHash, next, this.#o.clock.now()))) continue;
      await this.#o.audit.append({
        actor: 'system',
        role: 'system',
        action: 'signing.credential.pin-verifier',
        target: c.id,
        outcome: 'success',
        details: { from: 'scrypt', to: 'hmac-scrypt' },
      });
      keyed++;
    }
    return keyed;
  }

  /** A credential by id for officers' workflows (no owner check; never the PIN hash). */
  async describe(id: string): Promise<CredentialInfo> {
    const c = await this.#o.credentials.get(id);
    if (!c) throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    return info(c);
  }

  /** The credential over a key, if any. */
  async findByKeyUri(keyUri: string): Promise<CredentialInfo | undefined> {
    const c = await this.#o.credentials.findByKeyUri(keyUri);
    return c && info(c);
  }

  async #create(
    input: { ownerId: string; label?: string; keyUri: string; certificates: Buffer[]; algorithm?: SignatureAlgorithm; actor?: string },
    secret: Pick<SigningCredential, 'pinHash' | 'activationCodeHash' | 'activationExpiresAt'>,
  ): Promise<SigningCredential> {
    if (!input.ownerId) throw new AppError('VALIDATION_FAILED', 'ownerId is required');
    const spki = await this.#o.keyStore.publicKey(input.keyUri);
    await checkSignerCertificate({ certificates: input.certificates, publicKeySpki: spki, at: this.#o.clock.now() });
    const bound = await this.#o.credentials.findByKeyUri(input.keyUri);
    if (bound) throw keyBound(bound.id);
    const now = this.#o.clock.now();
    const credential: SigningCredential = {
      id: newId('cred', this.#random),
      ownerId: input.ownerId,
      label: input.label ?? 'signing credential',
      keyUri: input.keyUri,
      certificates: input.certificates,
      algorithm: input.algorithm ?? null,
      ...secret,
      failedAttempts: 0,
      lockedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#o.credentials.create(credential);
    } catch (e) {
      // Two bindings racing for one key: the unique index lets one through.
      if (isAppError(e, 'STORE_CONSTRAINT')) throw keyBound();
      throw e;
    }
    await this.#audit(input.actor ?? input.ownerId, 'signing.credential.register', credential.id, 'success', {
      ownerId: input.ownerId,
      keyUri: input.keyUri,
      activated: secret.pinHash !== '',
    });
    return credential;
  }

  #checkPinShape(pin: unknown): void {
    const minLen = this.#o.minPinLength ?? 6;
    if (typeof pin !== 'string' || pin.length < minLen) {
      throw new AppError('VALIDATION_FAILED', `the PIN must have at least ${minLen} characters`);
    }
  }

  #newActivationCode(): ActivationCode {
    const ttl = this.#o.activationTtlMs ?? 72 * 3600_000;
    return { code: this.#random.bytes(16).toString('base64url'), expiresAt: new Date(this.#o.clock.now().getTime() + ttl) };
  }

  async list(ownerId: string): Promise<CredentialInfo[]> {
    return (await this.#o.credentials.listByOwner(ownerId)).map(info);
  }

  /** Whether the credential's owner holds its certificate now (see `#held`): those who no longer do cannot use it. */
  async heldByOwner(c: Pick<CredentialInfo, 'ownerId' | 'certificate'>): Promise<boolean> {
    const holders = await this.#o.certificateHolders?.holders(c.certificate);
    return !holders || holders.includes(c.ownerId);
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
    const c = await this.#preflighted(id, actorId);
    return { signerName: signerNameOf(c), certificate: c.certificates[0]! };
  }

  /** Checks owner + PIN and returns a signer over the stored key. */
  async unlockWithPin(id: string, actorId: string, pin: string): Promise<UnlockedCredential> {
    return this.#unlocked(await this.#checkPin(id, actorId, pin));
  }

  /**
   * `preflight` then `unlockWithPin` on one read of the credential: the same checks, refusals and
   * audit events in the same order, and the PIN counted as by `unlockWithPin` (the attempt is
   * reserved on the credential's row, so a lock taken meanwhile still refuses). A certified copy
   * checks its two credentials this way before its register number is taken.
   */
  async preflightAndUnlock(id: string, actorId: string, pin: string): Promise<UnlockedCredential & { signerName: string }> {
    const c = await this.#preflighted(id, actorId);
    return { ...(await this.#unlocked(await this.#checkPin(id, actorId, pin, c))), signerName: signerNameOf(c) };
  }

  async #preflighted(id: string, actorId: string, owned?: SigningCredential): Promise<SigningCredential> {
    const c = owned ?? (await this.#held(id, actorId));
    if (c.pinHash === '') throw notActivated();
    if (c.lockedAt) throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked after too many wrong PINs');
    await checkSignerCertificate({
      certificates: c.certificates,
      at: this.#o.clock.now(),
      ...(this.#o.certificateStatus ? { status: this.#o.certificateStatus } : {}),
    });
    return c;
  }

  /** `#preflighted`, a refusal of the certificate audited under `action` (the caller's step). */
  async #signable(id: string, actorId: string, action: string): Promise<SigningCredential> {
    const c = await this.#held(id, actorId, action);
    try {
      return await this.#preflighted(id, actorId, c);
    } catch (err) {
      if (isAppError(err) && err.code.startsWith('SIGNER_')) await this.#audit(actorId, action, id, 'failure', { error: err.code });
      throw err;
    }
  }

  async #unlocked(c: SigningCredential): Promise<UnlockedCredential> {
    return { credential: c, signer: await this.#o.keyStore.signer(c.keyUri, c.algorithm ?? undefined) };
  }

  /**
   * One PIN check → an authorization for up to `documents` signatures within the batch TTL.
   * Returns the authorization (its id is the bearer secret for the batch; do not log it).
   */
  async authorizeBatch(
    id: string,
    actorId: string,
    pin: string,
    documents: number,
    o: { readonly ttlMs?: number } = {},
  ): Promise<SigningAuthorization> {
    const max = this.#o.batchMaxDocuments ?? 500;
    if (!Number.isInteger(documents) || documents < 1 || documents > max) {
      throw new AppError('VALIDATION_FAILED', `a batch authorization covers 1 to ${max} documents`);
    }
    if (o.ttlMs !== undefined && !(Number.isSafeInteger(o.ttlMs) && o.ttlMs > 0)) {
      throw new AppError('VALIDATION_FAILED', 'a batch authorization needs a positive lifetime');
    }
    // A certificate that may not sign now (suspended, revoked, expired) gets no authorization, and
    // the refusal costs no PIN attempt.
    const c = await this.#checkPin(id, actorId, pin, await this.#signable(id, actorId, 'signing.batch.authorize'));
    const now = this.#o.clock.now();
    const auth: SigningAuthorization = {
      id: newId('sa', this.#random),
      credentialId: c.id,
      ownerId: c.ownerId,
      maxDocuments: documents,
      usedDocuments: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (o.ttlMs ?? this.#o.batchTtlMs ?? 5 * 60_000)),
      revokedAt: null,
    };
    await this.#o.authorizations.create(auth);
    // A PIN reset between the check and the insert would miss this row (it revokes what exists):
    // read the verifier again, after the insert; a reset after this read finds the row and revokes it.
    const after = await this.#o.credentials.get(c.id);
    if (after?.pinHash !== c.pinHash) {
      await this.#o.authorizations.revoke(auth.id, this.#o.clock.now());
      await this.#audit(actorId, 'signing.batch.authorize', c.id, 'failure', { error: 'PIN_CHANGED' });
      throw after?.pinHash === '' ? notActivated() : new AppError('PIN_INVALID', 'the PIN was changed meanwhile');
    }
    await this.#audit(actorId, 'signing.batch.authorize', c.id, 'success', {
      authorization: authorizationRef(auth.id),
      documents,
      expiresAt: auth.expiresAt.toISOString(),
    });
    return auth;
  }

  /**
   * Takes `count` documents from a batch authorization and returns the credential's signer.
   * `credentialId`: the credential the caller names (refused when the authorization is another's).
   * Every refusal comes before the take: a refused batch spends nothing.
   */
  async unlockWithAuthorization(
    authorizationId: string,
    actorId: string,
    count = 1,
    credentialId?: string,
  ): Promise<UnlockedCredential & { authorization: SigningAuthorization }> {
    const existing = await this.#o.authorizations.get(authorizationId);
    if (!existing) throw new AppError('FORBIDDEN', 'unknown or expired signing authorization');
    if (!safeEqual(existing.ownerId, actorId)) {
      await this.#audit(actorId, 'signing.batch.use', existing.credentialId, 'failure', { error: 'FORBIDDEN' });
      throw new AppError('FORBIDDEN', 'this signing authorization belongs to another user');
    }
    if (credentialId !== undefined && credentialId !== existing.credentialId) {
      await this.#audit(actorId, 'signing.batch.use', existing.credentialId, 'failure', {
        error: 'FORBIDDEN',
        reason: 'issued for another credential',
      });
      throw new AppError('FORBIDDEN', 'the authorization was issued for another credential');
    }
    const c = await this.#signable(existing.credentialId, actorId, 'signing.batch.use');
    const taken = await this.#o.authorizations.take(authorizationId, count, this.#o.clock.now());
    if (!taken) {
      await this.#audit(actorId, 'signing.batch.use', existing.credentialId, 'failure', {
        error: 'FORBIDDEN',
        reason: 'expired, exhausted or revoked',
      });
      throw new AppError('FORBIDDEN', 'the signing authorization is expired, exhausted or revoked');
    }
    return { credential: c, authorization: taken, signer: await this.#o.keyStore.signer(c.keyUri, c.algorithm ?? undefined) };
  }

  /**
   * For work that outlives the request (jobs, docs/jobs.md): checks that the authorization is the
   * actor's, unexpired, unrevoked and not exhausted, and that its credential is usable, without
   * taking a document. The caller takes the unit with `SigningAuthorizationRepository.take` in the
   * transaction that records the signed output, so work lost in a crash spends nothing.
   */
  async credentialForAuthorization(
    authorizationId: string,
    actorId: string,
  ): Promise<{ credential: SigningCredential; authorization: SigningAuthorization }> {
    const a = await this.#o.authorizations.get(authorizationId);
    if (!a || !safeEqual(a.ownerId, actorId)) throw new AppError('FORBIDDEN', 'unknown signing authorization');
    const now = this.#o.clock.now();
    if (a.revokedAt !== null || a.expiresAt <= now || a.usedDocuments >= a.maxDocuments) {
      throw new AppError('FORBIDDEN', 'the signing authorization is expired, exhausted or revoked');
    }
    const c = await this.#held(a.credentialId, actorId);
    if (c.pinHash === '') throw notActivated();
    if (c.lockedAt) throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked');
    return { credential: c, authorization: a };
  }

  /**
   * Ends a batch authorization before its time (its unused documents can no longer be signed).
   * Unknown ids are ignored unless `credentialId` is given (the API route: then an unknown
   * credential is CREDENTIAL_NOT_FOUND, as for authorizing, and an unknown authorization, one of
   * another credential or of another user is FORBIDDEN, the same answer for all three so the
   * route does not tell which authorization ids exist). Revoking twice is not an error.
   */
  async revokeAuthorization(authorizationId: string, actorId: string, credentialId?: string): Promise<void> {
    if (credentialId !== undefined && !(await this.#o.credentials.get(credentialId))) {
      throw new AppError('CREDENTIAL_NOT_FOUND', 'no such credential');
    }
    const a = await this.#o.authorizations.get(authorizationId);
    if (!a && credentialId === undefined) return;
    if (!a || !safeEqual(a.ownerId, actorId) || (credentialId !== undefined && a.credentialId !== credentialId)) {
      await this.#audit(actorId, 'signing.batch.revoke', credentialId ?? a?.credentialId ?? '', 'failure', { error: 'FORBIDDEN' });
      throw new AppError('FORBIDDEN', 'unknown signing authorization, or one of another user or credential');
    }
    await this.#o.authorizations.revoke(authorizationId, this.#o.clock.now());
    await this.#audit(actorId, 'signing.batch.revoke', a.credentialId, 'success', { authorization: authorizationRef(a.id) });
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

  /**
   * `#owned`, and its owner still holds its certificate (./certificate-holders.ts): binding checked
   * that once, but the holder of a seal is whoever the authority names now, so a custodian who was
   * replaced no longer signs with the seal credential bound to them (nor opens it to, nor sets its
   * PIN). The refusal is audited under `action` with the certificate tried and costs no PIN attempt.
   */
  async #held(id: string, actorId: string, action = 'signing.credential.use'): Promise<SigningCredential> {
    const c = await this.#owned(id, actorId);
    try {
      await requireHolder(this.#o.certificateHolders, c.ownerId, c.certificates[0]!);
    } catch (err) {
      if (isAppError(err)) await this.#audit(actorId, action, id, 'failure', { error: err.code, ...(err.details ?? {}) });
      throw err;
    }
    return c;
  }

  /**
   * The guess is reserved (counted) before the PIN is checked and returned on success, so a burst
   * of concurrent guesses cannot slip past the lock while checks are in flight (a legacy scrypt
   * verifier takes 80 ms): at most `lockAfter` guesses are ever evaluated, and none after
   * `lockAfter` wrong ones were counted. A verifier no guess can be checked against (made under
   * another master key) is refused before anything is counted: the holder is not at fault (only
   * when the row changes to such a verifier between the read and the reservation does the
   * reserved guess stay counted, as a wrong one would).
   */
  async #checkPin(id: string, actorId: string, pin: string, owned?: SigningCredential): Promise<SigningCredential> {
    // `owned`: the caller has just read it with `#held` (the reservation below reads the row again)
    const c = owned ?? (await this.#held(id, actorId));
    if (c.pinHash === '') throw notActivated();
    const key = this.#o.pinVerifierKey();
    if (pinVerifierState(c.pinHash, key) === 'other-key') throw await this.#otherKey(actorId, id);
    const now = this.#o.clock.now();
    const reserved = c.lockedAt ? undefined : await this.#o.credentials.reservePinAttempt(id, this.#lockAfter, now);
    if (!reserved) {
      await this.#audit(actorId, 'signing.credential.pin', id, 'failure', { error: 'CREDENTIAL_LOCKED' });
      throw new AppError('CREDENTIAL_LOCKED', 'the credential is locked after too many wrong PINs');
    }
    // The row read above may have changed meanwhile (another instance, a reset and activation).
    if (pinVerifierState(reserved.pinHash, key) === 'other-key') throw await this.#otherKey(actorId, id);
    const ok = typeof pin === 'string' && pin.length > 0 && (await verifyPin(pin, reserved.pinHash, key));
    if (!ok) {
      const lockedNow = await this.#o.credentials.lockWhenExhausted(id, this.#lockAfter, this.#o.clock.now());
      await this.#audit(actorId, 'signing.credential.pin', id, 'failure', {
        error: 'PIN_INVALID',
        failedAttempts: reserved.failedAttempts,
      });
      if (lockedNow) {
        await this.#audit(actorId, 'signing.credential.lock', id, 'success', { failedAttempts: reserved.failedAttempts });
        throw new AppError('CREDENTIAL_LOCKED', 'wrong PIN; the credential is now locked', { details: { remainingAttempts: 0 } });
      }
      throw new AppError('PIN_INVALID', 'wrong PIN', {
        details: { remainingAttempts: Math.max(0, this.#lockAfter - reserved.failedAttempts) },
      });
    }
    await this.#o.credentials.resetPinFailures(id, this.#o.clock.now());
    if (pinVerifierState(reserved.pinHash, key) === 'legacy')
      return { ...(await this.#upgradeVerifier(reserved, pin, key)), failedAttempts: 0 };
    return { ...reserved, failedAttempts: 0 };
  }

  /** A wrong, used or expired activation code (audited). */
  async #activationRefused(actorId: string, id: string): Promise<AppError> {
    await this.#audit(actorId, 'signing.credential.activate', id, 'failure', { error: 'ACTIVATION_CODE_INVALID' });
    return new AppError('ACTIVATION_CODE_INVALID', 'the activation code is wrong, used or expired');
  }

  /** A verifier made under another master key: no guess can be checked against it (audited). */
  async #otherKey(actorId: string, id: string): Promise<AppError> {
    await this.#audit(actorId, 'signing.credential.pin', id, 'failure', { error: 'KEY_DECRYPT_FAILED' });
    return new AppError('KEY_DECRYPT_FAILED', 'the PIN was set under a different master key: the holder must reset it');
  }

  /**
   * The credential's key opens in this process before a PIN verifier is written for it: a sealed
   * key opens only under the installation's master key, from which the verifier's key is derived,
   * so a process started with another master key (a stray KYSO_MASTER_KEY, an old master.key)
   * fails here, before an activation code is used, instead of writing a PIN no service can check.
   */
  async #keyOpens(c: Pick<SigningCredential, 'keyUri' | 'algorithm'>): Promise<void> {
    await this.#o.keyStore.signer(c.keyUri, c.algorithm ?? undefined);
  }

  /**
   * Whether this process's master key is shown to be the installation's by the credential's own
   * key: a sealed key (`kyso-key:`) opens only under the master key it was sealed with. A legacy
   * verifier is only ever rewritten under such a proof, because the scrypt hash it replaces cannot
   * be brought back: a process started with a stray master key (a fresh master.key, a wrong
   * KYSO_MASTER_KEY) must not key every row under a key the service does not have. A credential
   * whose key is on a token proves nothing here and keeps its legacy verifier (still accepted).
   */
  async #provesMasterKey(c: Pick<SigningCredential, 'keyUri' | 'algorithm'>): Promise<boolean> {
    if (!c.keyUri.startsWith(`${ENCRYPTED_KEY_SCHEME}:`)) return false;
    try {
      await this.#keyOpens(c);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A correct PIN against a legacy scrypt verifier: the verifier is replaced by the keyed one
   * (./pin-hash.ts), only if the row still holds the verifier just checked (a PIN reset or
   * another check may have changed it meanwhile).
   */
  async #upgradeVerifier(c: SigningCredential, pin: string, key: PinVerifierKey): Promise<SigningCredential> {
    if (!(await this.#provesMasterKey(c))) return c;
    const next = newPinVerifier(pin, key);
    if (!(await this.#o.credentials.replacePinVerifier(c.id, c.pinHash, next, this.#o.clock.now()))) return c;
    await this.#audit(c.ownerId, 'signing.credential.pin-verifier', c.id, 'success', { from: c.pinHash.split('$')[0], to: 'hmac-sha256' });
    return { ...c, pinHash: next };
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

/** The name a signature shows: the certificate's CN, else the credential's label. */
function signerNameOf(c: SigningCredential): string {
  return subjectField(c.certificates[0]!, 'CN') ?? c.label;
}

function info(c: SigningCredential): CredentialInfo {
  return {
    id: c.id,
    ownerId: c.ownerId,
    label: c.label,
    keyUri: c.keyUri,
    certificate: c.certificates[0] ?? Buffer.alloc(0),
    locked: c.lockedAt !== null,
    activated: c.pinHash !== '',
    failedAttempts: c.failedAttempts,
    createdAt: c.createdAt,
  };
}

/**
 * How audit events name a batch authorization: the id is a bearer secret for its owner (it signs
 * without the PIN), so events carry its first 8 characters only — enough to match the authorize,
 * use and revoke events of one authorization, too few to sign with.
 */
export function authorizationRef(id: string): string {
  return id.slice(0, 8);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function keyBound(credentialId?: string): AppError {
  return new AppError('CREDENTIAL_KEY_BOUND', 'this key already has a credential; one key has one credential and one PIN', {
    ...(credentialId ? { details: { credentialId } } : {}),
  });
}

function notActivated(): AppError {
  return new AppError('CREDENTIAL_NOT_ACTIVATED', 'the holder has not yet set the PIN with the activation code');
}
