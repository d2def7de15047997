import { timed } from '../core/timing.js';
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { credentialOwnerOf, requireAuthorityScope, type Principal } from '../core/principal.js';
import { safeText } from '../core/safe-text.js';
import type { AuditLog } from '../audit/audit-log.js';
import { buildCopyDocument, type CopyFonts } from './copy-document.js';
import { resolveCopyStamps, type CopyStamps } from './copy-stamps.js';
import type { StampSettingsRepository } from './stamp-settings.js';
import type { CopySignatureRequest, CopySigner } from './copy-signer.js';
import { isPadesLevel, LEVEL_RANK, type PadesLevel } from '../core/pades-level.js';
import { certificationFee } from './fee.js';
import { intakeImages, intakePdf, type OriginalDocument } from './intake.js';
import { newLookupCode } from './lookup-code.js';
import type { AuthorityRepository, AuthorityRecord, CopyDocumentStore, RegisterEntryRecord, RegisterRepository } from './ports.js';
import { vietnamYear } from '../core/vietnam-time.js';
import { publicFacts, publicStatusOnly, type PublicCopyFacts, type PublicCopyStatus } from './public-facts.js';
import { validateIdDocument } from '../pki/identifiers.js';

/**
 * Certified copies from originals (Decree 23/2015/NĐ-CP): intake → number from the register →
 * certification statement → certifier's signature (certifying, DocMDP P=2) → authority's seal
 * signature → record. A failure after the number is allocated keeps the number with status
 * `failed` (never a silent gap); every step is an audit event.
 */

export interface CertifyRequest {
  readonly authorityId: string;
  /** The original: one PDF, or scanned page images (JPEG/PNG). */
  readonly original: { readonly pdf: Buffer } | { readonly images: readonly Buffer[] };
  readonly requesterName: string;
  readonly requesterIdDocument: string;
  readonly documentType: string;
  readonly documentTitle: string;
  readonly documentIssuer: string;
  readonly copies: number;
  readonly certifier: {
    readonly credentialId: string;
    readonly pin?: string;
    readonly authorizationId?: string;
    readonly title: string;
    readonly signatureImage?: Buffer;
  };
  readonly seal: {
    readonly credentialId?: string;
    readonly pin?: string;
    readonly authorizationId?: string;
    readonly image?: Buffer;
  };
  /** PAdES level of both signatures; the service's default when absent. */
  readonly level?: PadesLevel;
}

/** A credential checked by preflight, with how it will sign: the one-document authorization its PIN bought, or the caller's. */
interface ReadySigner {
  readonly credentialId: string;
  readonly actorId: string;
  readonly name: string;
  readonly auth: { readonly pin?: string; readonly authorizationId?: string };
  /** The credential its PIN unlocked in preflight, for this copy's one signature with it. */
  readonly signOnce?: (request: CopySignatureRequest) => Promise<Buffer>;
}

export interface CertifyResult {
  readonly entry: RegisterEntryRecord;
  readonly copy: Buffer;
  readonly lookupUrl: string;
}

export interface CopyServiceOptions {
  readonly registers: RegisterRepository;
  readonly authorities: AuthorityRepository;
  readonly signer: CopySigner;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly fonts: CopyFonts;
  /** Public base URL of the lookup page, e.g. https://kyso.quangninh.gov.vn */
  readonly publicUrl: string;
  /**
   * Default PAdES level when a request names none. Absent: B-LT when the signer can produce it
   * (the timestamp and the revocation material keep a copy verifiable for years, ETSI EN 319
   * 142-1 §6.3), else B-B.
   */
  readonly level?: PadesLevel;
  /** Where every signed copy is kept, so it can be downloaded again. */
  readonly documents: CopyDocumentStore;
  /** Seal and signature images, seal size and authority lines registered once; none registered when absent. */
  readonly stampSettings?: StampSettingsRepository;
  /**
   * Runs `work` in one store transaction over repositories bound to it, so that a register change
   * and its audit event commit together: neither is ever recorded without the other, and the pair
   * costs one commit. Absent (in-memory fixtures): `registers` and `audit` above, each call on its own.
   */
  readonly atomically?: <T>(work: (tx: RegisterWork) => Promise<T>) => Promise<T>;
}

/** What a register change and its audit event are written through (one transaction when the store offers it). */
export interface RegisterWork {
  readonly registers: RegisterRepository;
  readonly audit: AuditLog;
}

const CERTIFIER_ROLES = new Set(['certifier']);
const DOCUMENT_READERS = new Set(['certifier', 'admin', 'auditor']);

export class CopyService {
  readonly #o: CopyServiceOptions;

  constructor(options: CopyServiceOptions) {
    this.#o = options;
  }

  get defaultLevel(): PadesLevel {
    if (this.#o.level) return this.#o.level;
    try {
      this.#o.signer.assertLevelAvailable('B-LT');
      return 'B-LT';
    } catch {
      return 'B-B';
    }
  }

  lookupUrl(code: string): string {
    return `${this.#o.publicUrl.replace(/\/$/, '')}/verify/copy?code=${encodeURIComponent(code)}`;
  }

  async certify(actor: Principal, req: CertifyRequest): Promise<CertifyResult> {
    const o = this.#o;
    if (!CERTIFIER_ROLES.has(actor.role)) {
      await this.#auditFailure(actor, 'copy.certify', req.authorityId, 'CERTIFIER_NOT_ALLOWED');
      throw new AppError('CERTIFIER_NOT_ALLOWED', 'only a certifier may certify copies');
    }
    validateRequest(req);
    const level: unknown = req.level ?? this.defaultLevel;
    if (!isPadesLevel(level)) throw new AppError('VALIDATION_FAILED', `unknown PAdES level ${String(level)}`);
    // Refused before a number is spent, and never silently lowered to B-B.
    o.signer.assertLevelAvailable(level);
    // the requester's identity document is recorded in the register (Decree 23/2015 Art. 13):
    // checked by its type and stored in one canonical form
    const requesterIdDocument = validateIdDocument(req.requesterIdDocument, o.clock.now());
    const authority = await o.authorities.get(req.authorityId);
    if (!authority) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${req.authorityId}`);
    try {
      requireAuthorityScope(actor, authority, `certify in the register of ${authority.id}`);
    } catch (err) {
      await this.#auditFailure(actor, 'copy.certify', authority.id, 'FORBIDDEN_SCOPE');
      throw err;
    }
    const official = credentialOwnerOf(actor);
    const sealCredentialId = req.seal.credentialId ?? authority.sealCredentialId;
    if (!sealCredentialId) throw new AppError('VALIDATION_FAILED', 'the authority has no seal credential; give seal.credentialId');
    // The seal is the authority's (Decree 23/2015), so its credential is held by the authority's
    // designated seal custodian and the certifier applies it on its behalf. Without a custodian on
    // record the credential's owner is looked for as the organization, then the certifier; a seal
    // certificate of our CA issued to the organization then has no holder and signs for nobody
    // (../signing/certificate-holders.ts): only a seal with no holder on record works that way.
    const sealActor = authority.sealCustodianId ?? authority.organizationId ?? official;

    // Everything that can be refused is refused before a register number is taken.
    const original: OriginalDocument = 'pdf' in req.original ? await intakePdf(req.original.pdf) : await intakeImages(req.original.images);
    // Credentials, certificates and PINs are checked here (a wrong PIN is counted), so that none
    // of these refusals spends a register number.
    const { certifier, seal } = await this.#readyBoth(req, official, sealCredentialId, sealActor);
    let stamps: CopyStamps;
    try {
      stamps = await resolveCopyStamps(req, authority.id, o.stampSettings);
    } catch (err) {
      if (err instanceof AppError) await this.#auditFailure(actor, 'copy.certify', req.authorityId, err.code);
      throw err;
    }

    const now = o.clock.now();
    const fee = certificationFee(original.pages, req.copies);
    // the number and its audit event commit together: a rollback returns the number (no gap)
    const entry = await timed('register', () =>
      this.#atomically(async (tx) => {
        const allocated = await tx.registers.allocate(
          {
            authorityId: authority.id,
            registerType: 'SCT/BS',
            lookupCode: newLookupCode(),
            certifierId: official,
            requesterName: req.requesterName,
            requesterIdDocument,
            documentType: req.documentType,
            documentTitle: req.documentTitle,
            documentIssuer: req.documentIssuer,
            originalSha256: original.sha256,
            originalPages: original.pages,
            copies: req.copies,
            feePerCopy: fee.perCopy,
            feeTotal: fee.total,
            certifiedAt: now,
          },
          vietnamYear(now),
          official,
        );
        await tx.audit.append({
          actor: actor.id,
          role: actor.role,
          action: 'copy.number-allocated',
          target: allocated.id,
          outcome: 'success',
          details: {
            authorityId: authority.id,
            year: allocated.year,
            volume: allocated.volume,
            number: allocated.number,
            originalSha256: original.sha256,
          },
        });
        return allocated;
      }),
    );

    try {
      const copy = await this.#produce(req, level, authority, entry, original, certifier, seal, stamps);
      const copySha256 = createHash('sha256').update(copy).digest('hex');
      // named on the entry first, then kept, then valid: a valid entry always has its bytes, and
      // stored bytes always have an entry (a crash in between leaves it pending, then failed)
      // (valid and its audit event commit together)
      const valid = await timed('register', async () => {
        await o.registers.recordCopyHash(entry.id, copySha256);
        await o.documents.put(copySha256, copy);
        return this.#atomically(async (tx) => {
          const marked = await tx.registers.markValid(entry.id, copySha256, o.clock.now());
          await tx.audit.append({
            actor: actor.id,
            role: actor.role,
            action: 'copy.certified',
            target: entry.id,
            outcome: 'success',
            details: { number: entry.number, year: entry.year, copySha256, feeTotal: fee.total },
          });
          return marked;
        });
      });
      return { entry: valid, copy, lookupUrl: this.lookupUrl(entry.lookupCode) };
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      await o.registers.markFailed(entry.id, `certification failed: ${code}`, official, o.clock.now());
      await this.#auditFailure(actor, 'copy.certify', entry.id, code, { number: entry.number, year: entry.year });
      throw err;
    }
  }

  #atomically<T>(work: (tx: RegisterWork) => Promise<T>): Promise<T> {
    const o = this.#o;
    return o.atomically ? o.atomically(work) : work({ registers: o.registers, audit: o.audit });
  }

  /**
   * Both credentials checked at once: each PIN attempt is counted and committed before its hash
   * (CredentialService), so the two deliberately slow hashes can run side by side on the
   * threadpool, halving the clerk's wait, without changing what is counted. The certifier's
   * refusal is reported first, as when checked in turn. One credential named for both is checked
   * in turn, so that one wrong PIN is never counted twice against it.
   */
  async #readyBoth(
    req: CertifyRequest,
    official: string,
    sealCredentialId: string,
    sealActor: string,
  ): Promise<{ certifier: ReadySigner; seal: ReadySigner }> {
    if (sealCredentialId === req.certifier.credentialId) {
      const certifier = await this.#ready(req.certifier.credentialId, official, req.certifier);
      return { certifier, seal: await this.#ready(sealCredentialId, sealActor, req.seal) };
    }
    const [certifier, seal] = await Promise.allSettled([
      this.#ready(req.certifier.credentialId, official, req.certifier),
      this.#ready(sealCredentialId, sealActor, req.seal),
    ]);
    if (certifier.status === 'rejected') throw certifier.reason;
    if (seal.status === 'rejected') throw seal.reason;
    return { certifier: certifier.value, seal: seal.value };
  }

  async #ready(
    credentialId: string,
    actorId: string,
    given: { readonly pin?: string; readonly authorizationId?: string },
  ): Promise<ReadySigner> {
    const usePin = given.pin !== undefined && given.authorizationId === undefined;
    const pre = await this.#o.signer.preflight(credentialId, actorId, usePin ? given.pin : undefined);
    if (pre.signOnce) return { credentialId, actorId, name: pre.signerName, auth: {}, signOnce: pre.signOnce };
    const auth =
      pre.authorizationId !== undefined
        ? { authorizationId: pre.authorizationId }
        : given.authorizationId !== undefined
          ? { authorizationId: given.authorizationId }
          : { ...(given.pin !== undefined ? { pin: given.pin } : {}) };
    return { credentialId, actorId, name: pre.signerName, auth };
  }

  #sign(ready: ReadySigner, request: CopySignatureRequest): Promise<Buffer> {
    return timed('signature', () => (ready.signOnce ? ready.signOnce(request) : this.#o.signer.sign(request)));
  }

  async #produce(
    req: CertifyRequest,
    level: PadesLevel,
    authority: AuthorityRecord,
    entry: RegisterEntryRecord,
    original: OriginalDocument,
    certifier: ReadySigner,
    seal: ReadySigner,
    stamps: CopyStamps,
  ): Promise<Buffer> {
    const o = this.#o;
    const url = this.lookupUrl(entry.lookupCode);
    const statement = {
      number: entry.number,
      volume: entry.volume,
      year: entry.year,
      registerType: entry.registerType,
      certifiedAt: entry.certifiedAt,
      documentType: entry.documentType,
      documentTitle: entry.documentTitle,
      documentIssuer: entry.documentIssuer,
      originalPages: entry.originalPages,
      copies: entry.copies,
      fee: { perCopy: entry.feePerCopy, copies: entry.copies, total: entry.feeTotal },
      certifierName: certifier.name,
      certifierTitle: stamps.title,
      authorityLines: stamps.authorityLines,
      authorityName: authority.name,
      lookupCode: entry.lookupCode,
      lookupUrl: url,
    };
    const built = await timed('statement', () =>
      buildCopyDocument({
        original: original.pdf,
        ...(original.parsed ? { parsed: original.parsed } : {}),
        statement,
        fonts: o.fonts,
        lookupUrl: url,
        stamps: {
          sealDiameterMm: stamps.sealDiameterMm,
          hasSealImage: stamps.sealImage !== undefined,
          ...(stamps.signatureImageSize ? { signatureImageSize: stamps.signatureImageSize } : {}),
        },
      }),
    );
    // One /DSS for both signatures: the certifier signs at B-T and the seal's B-LT (or B-LTA)
    // step writes the validation data of every signature already in the file (ETSI EN 319 142-1
    // §5.4: the DSS is document-level), so both reach the requested level with one update, and
    // a DSS after the DocMDP P=2 certification is an allowed change (ISO 32000-2 §12.8.2.2).
    const certifierLevel: PadesLevel = LEVEL_RANK[level] > LEVEL_RANK['B-T'] ? 'B-T' : level;
    const certified = await this.#sign(certifier, {
      pdf: built.pdf,
      field: built.layout.certifierField,
      credentialId: certifier.credentialId,
      ...certifier.auth,
      actorId: certifier.actorId,
      appearance: 'individual',
      ...(stamps.signatureImage ? { image: stamps.signatureImage } : {}),
      displayName: certifier.name,
      certify: 2,
      reason: `Chứng thực bản sao đúng với bản chính, số ${entry.number}`,
      location: authority.place,
      level: certifierLevel,
    });
    return this.#sign(seal, {
      pdf: certified,
      field: built.layout.authorityField,
      credentialId: seal.credentialId,
      ...seal.auth,
      actorId: seal.actorId,
      appearance: 'organization',
      ...(stamps.sealImage ? { image: stamps.sealImage } : {}),
      sealDiameterMm: stamps.sealDiameterMm,
      textSide: 'left',
      displayName: authority.name,
      reason: `Đóng dấu bản sao chứng thực số ${entry.number}`,
      location: authority.place,
      level,
    });
  }

  /**
   * The signed copy of a register entry, as certified, for the certifier and the authenticated
   * readers of the register (not the public lookup: the copy carries the requester's document).
   * The bytes must hash to the SHA-256 the register recorded; anything else is refused
   * (COPY_DOCUMENT_CORRUPT), never served.
   */
  async document(actor: Principal, entryId: string): Promise<{ entry: RegisterEntryRecord; pdf: Buffer }> {
    const o = this.#o;
    if (!DOCUMENT_READERS.has(actor.role)) throw new AppError('FORBIDDEN', 'signed copies are for certifiers, admins and auditors');
    const entry = await o.registers.get(entryId);
    if (!entry) throw new AppError('COPY_NOT_FOUND', `no register entry ${entryId}`);
    await this.#requireEntryScope(actor, entry, 'copy.document-read', `read a copy of ${entry.authorityId}`);
    // a pending or failed entry may name a copy that was never acknowledged: it is not a certified copy
    if (!entry.copySha256 || entry.status === 'pending' || entry.status === 'failed')
      throw new AppError('COPY_STATE_INVALID', `entry is ${entry.status}: no signed copy was issued`);
    const pdf = await o.documents.get(entry.copySha256);
    if (!pdf)
      throw new AppError('COPY_DOCUMENT_MISSING', 'the signed copy of this entry is not in the copy store', {
        details: { copySha256: entry.copySha256 },
      });
    const actual = createHash('sha256').update(pdf).digest('hex');
    if (actual !== entry.copySha256) {
      await this.#auditFailure(actor, 'copy.document-read', entryId, 'COPY_DOCUMENT_CORRUPT', { expected: entry.copySha256, actual });
      throw new AppError('COPY_DOCUMENT_CORRUPT', "the stored copy does not match the register's SHA-256; it is not served", {
        details: { copySha256: entry.copySha256 },
      });
    }
    await o.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'copy.document-read',
      target: entryId,
      outcome: 'success',
      details: { copySha256: entry.copySha256 },
    });
    return { entry, pdf };
  }

  /** Annulment is a new state with reason and author; entries are never deleted. */
  async annul(actor: Principal, entryId: string, reason: string): Promise<RegisterEntryRecord> {
    if (!['certifier', 'admin'].includes(actor.role)) throw new AppError('FORBIDDEN', 'only a certifier or an admin may annul');
    if (!reason.trim()) throw new AppError('VALIDATION_FAILED', 'an annulment needs a reason');
    const entry = await this.#o.registers.get(entryId);
    if (!entry) throw new AppError('COPY_NOT_FOUND', `no register entry ${entryId}`);
    await this.#requireEntryScope(actor, entry, 'copy.annulled', `annul a copy of ${entry.authorityId}`);
    if (entry.status === 'annulled' || entry.status === 'failed')
      throw new AppError('COPY_STATE_INVALID', `entry is already ${entry.status}`);
    // The register names the person (the official), not the token.
    const out = await this.#o.registers.annul(entryId, reason.trim(), credentialOwnerOf(actor), this.#o.clock.now());
    await this.#o.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'copy.annulled',
      target: entryId,
      outcome: 'success',
      details: { reason: reason.trim() },
    });
    return out;
  }

  /**
   * Crash recovery (run at start-up): entries left `pending` by an interrupted certification
   * become `failed`, so the number stays accounted for.
   */
  async recoverInterrupted(olderThanMs = 10 * 60_000): Promise<number> {
    const now = this.#o.clock.now();
    const stale = await this.#o.registers.listStalePending(new Date(now.getTime() - olderThanMs));
    for (const e of stale) {
      await this.#o.registers.markFailed(e.id, 'interrupted: the certification did not complete', 'system', now);
      await this.#o.audit.append({
        actor: 'system',
        role: 'system',
        action: 'copy.recovered-interrupted',
        target: e.id,
        outcome: 'success',
        details: { number: e.number, year: e.year },
      });
    }
    return stale.length;
  }

  async lookupByCode(code: string): Promise<PublicCopyFacts> {
    const entry = await this.#o.registers.findByCode(code);
    if (!entry) throw new AppError('COPY_NOT_FOUND', 'no certified copy with this code');
    return this.#facts(entry);
  }

  async lookupByNumber(authorityId: string, year: number, number: number): Promise<PublicCopyStatus> {
    const entry = await this.#o.registers.findByNumber(authorityId, year, number);
    if (!entry) throw new AppError('COPY_NOT_FOUND', 'no certified copy with this number');
    return publicStatusOnly(entry);
  }

  /** For the verifier: register entries whose signed copy has exactly these bytes. */
  async matchCopy(pdf: Buffer): Promise<PublicCopyFacts[]> {
    const sha = createHash('sha256').update(pdf).digest('hex');
    // only copies that were issued: a pending or failed entry may name bytes nobody received
    const entries = (await this.#o.registers.findByCopySha256(sha)).filter((e) => e.status === 'valid' || e.status === 'annulled');
    return Promise.all(entries.map((e) => this.#facts(e)));
  }

  async #facts(entry: RegisterEntryRecord): Promise<PublicCopyFacts> {
    const authority = await this.#o.authorities.get(entry.authorityId);
    return publicFacts(entry, authority?.name ?? entry.authorityId, this.lookupUrl(entry.lookupCode));
  }

  /**
   * The entry's authority scope; a refusal is audited like a refused certification, since the
   * copy carries a citizen's document (Decree 23/2015 Art. 13 register) and annulment changes it.
   */
  async #requireEntryScope(actor: Principal, entry: RegisterEntryRecord, action: string, what: string): Promise<void> {
    const authority = await this.#o.authorities.get(entry.authorityId);
    try {
      requireAuthorityScope(actor, { id: entry.authorityId, organizationId: authority?.organizationId ?? null }, what);
    } catch (err) {
      await this.#auditFailure(actor, action, entry.id, 'FORBIDDEN_SCOPE');
      throw err;
    }
  }

  async #auditFailure(
    actor: Principal,
    action: string,
    target: string,
    code: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.#o.audit.append({ actor: actor.id, role: actor.role, action, target, outcome: 'failure', details: { code, ...details } });
  }
}

const MAX_TEXT = 500;

function validateRequest(req: CertifyRequest): void {
  const texts: Array<[string, string]> = [
    ['requesterName', req.requesterName],
    ['requesterIdDocument', req.requesterIdDocument],
    ['documentType', req.documentType],
    ['documentTitle', req.documentTitle],
    ['documentIssuer', req.documentIssuer],
  ];
  for (const [name, v] of texts) {
    if (typeof v !== 'string' || !v.trim() || v.length > MAX_TEXT) {
      throw new AppError('VALIDATION_FAILED', `${name} is required (at most ${MAX_TEXT} characters)`, { details: { field: name } });
    }
    safeText(v, name);
  }
  if (!Number.isInteger(req.copies) || req.copies < 1 || req.copies > 100) {
    throw new AppError('VALIDATION_FAILED', 'copies must be a whole number from 1 to 100', { details: { field: 'copies' } });
  }
  if (!req.certifier.pin && !req.certifier.authorizationId) {
    throw new AppError('VALIDATION_FAILED', "the certifier's PIN or signing authorization is required", {
      details: { field: 'certifier.pin' },
    });
  }
}
