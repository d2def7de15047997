import { createHash } from 'node:crypto';
import { parseAuthorityLines } from '../pdf/appearance/signing-authority.js';
import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, pooledRandom, type RandomSource } from '../core/ids.js';
import { defaultAlgorithmFor, hashOf, type HashName, type SignatureAlgorithm, type Signer } from '../core/signature-algorithms.js';
import type { KeyStore } from '../keys/key-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { buildSignedAttributes, signDetachedCms } from '../cms/signed-data.js';
import { internCertificate } from '../cms/certificate-intern.js';
import { certificatePublicKey } from '../cms/certificate-public-key.js';
import { certificateInfo } from '../cms/certificate-info.js';
import type { CredentialService, UnlockedCredential } from './credential-service.js';
import { checkSignerCertificate, type CertificateStatusPort } from './certificate-checks.js';
import { resolveSigner, type ResolvedSigner } from './signer-resolution.js';
import { requireHolder, type CertificateHolderPort } from './certificate-holders.js';
import {
  estimatePlaceholder,
  exactBbPlaceholder,
  exactBtPlaceholder,
  learnedBudget,
  retryPlaceholder,
  withPlaceholderRetry,
  type PlaceholderBudget,
} from './placeholder.js';
import { assertLevelAvailable, extendToLevel, timestampData, tokenCertificates } from './pades-levels.js';
import { LEVEL_RANK, parsePadesLevel, type PadesLevel } from '../core/pades-level.js';
import type {
  AppearanceRequest,
  PdfPrepareRequest,
  PdfSignatureEngine,
  PreparedPdf,
  RevocationMaterialPort,
  TimestampPort,
} from './signing-ports.js';
import { appearancePreviewPdf } from '../pdf/appearance/preview-document.js';
import type { SignSessionRepository } from './ports.js';
import type { AppearanceOptions, CompleteInput, PrepareOptions, PrepareResult, SignOptions } from './types.js';
import { completeSession, completeSessions, type CompleteDeps } from './two-phase.js';
import {
  completeBatch,
  prepareBatch,
  type CompleteBatchItem,
  type PrepareBatchResult,
  type PreparedSession,
  type TwoPhaseSigner,
} from './two-phase-batch.js';
import { signBatch, type BatchResult } from './batch-signing.js';
import { timed } from '../core/timing.js';
import { subjectField } from './subject.js';
import { assertPdf, certId } from './document-identity.js';
import { withoutPlaceholderGap } from './prepared-file.js';
import { auditedError } from './batch-items.js';

/** Sessions one official may have awaiting completion (prepared, not yet completed, not expired). */
export const MAX_OPEN_SESSIONS = 200;

function sessionsFull(open: number): AppError {
  return new AppError(
    'RATE_LIMITED',
    `at most ${MAX_OPEN_SESSIONS} prepared documents may await their signature; complete them or let them expire`,
    {
      details: { open, limit: MAX_OPEN_SESSIONS },
    },
  );
}

export interface SignServiceOptions {
  readonly engine: PdfSignatureEngine;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly sessions: SignSessionRepository;
  readonly random?: RandomSource;
  readonly keyStore?: KeyStore;
  readonly credentials?: CredentialService;
  /** Revocation check before signing (our CA: the pki service). */
  readonly certificateStatus?: CertificateStatusPort;
  /** Who may sign with a certificate of our CA brought by the caller (two-phase, PKCS#12): ./certificate-holders.ts. */
  readonly certificateHolders?: CertificateHolderPort;
  /** RFC 3161 client for B-T and above. */
  readonly timestamp?: TimestampPort;
  /** Validation material for B-LT and above. */
  readonly revocation?: RevocationMaterialPort;
  /** Two-phase session lifetime. Default 10 minutes. */
  readonly sessionTtlMs?: number;
  readonly placeholder?: PlaceholderBudget;
}

/**
 * The signing application service: staged PAdES signing over src/pdf/sign and src/cms's CMS
 * builder. Every signature is one incremental update appended to the input (ISO 32000-1 §7.5.6);
 * several signers = call `sign` again on the output. No HTTP, no database here.
 */
export class SignService {
  readonly #o: SignServiceOptions;
  readonly #random: RandomSource;
  /** Session ids: a batch makes one per document. */
  readonly #sessionIdRandom: RandomSource;
  /** The largest signature timestamp token received so far, in bytes (sizes the next placeholders; see learnedBudget). */
  #largestToken = 0;

  constructor(options: SignServiceOptions) {
    this.#o = options;
    this.#random = options.random ?? cryptoRandom;
    this.#sessionIdRandom = pooledRandom(this.#random);
  }

  /**
   * Refuses up front a level this service cannot produce with the ports it was given
   * (TSA_UNAVAILABLE, REVOCATION_UNAVAILABLE): callers that spend something before signing (a
   * certified copy's register number) ask first. Never a silent downgrade.
   */
  assertLevelAvailable(level: PadesLevel): void {
    assertLevelAvailable(level, this.#o);
  }

  /** Signs `pdf` and returns the signed file (the input bytes followed by the new revision(s)). */
  async sign(pdf: Buffer, options: SignOptions): Promise<Buffer> {
    const chunks = await this.signChunks(pdf, options);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /**
   * As `sign`, but returns the signed file as chunks to write one after the other (a large input
   * is the first, uncopied): a 50 MB upload is then held once, not twice.
   */
  async signChunks(pdf: Buffer, options: SignOptions): Promise<Buffer[]> {
    return this.#recorded(pdf, options, () => this.signUnrecorded(pdf, options));
  }

  /**
   * As `sign`, with a credential its owner unlocked in this request (`CredentialService.unlockWithPin`:
   * the PIN checked and counted there): a certified copy checks both PINs before its register
   * number is taken, then signs without a second lookup, authorization or key unsealing.
   */
  async signUnlocked(pdf: Buffer, options: Omit<SignOptions, 'signer'>, unlocked: UnlockedCredential): Promise<Buffer> {
    const resolved: ResolvedSigner = {
      signer: unlocked.signer,
      certificates: [...unlocked.credential.certificates],
      source: { kind: 'credential', credentialId: unlocked.credential.id },
    };
    const chunks = await this.#recorded(pdf, options, () => this.#unrecorded(pdf, options, resolved));
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Runs `sign` and appends its `signing.sign` audit event, success or failure. */
  async #recorded(
    pdf: Buffer,
    options: Omit<SignOptions, 'signer'>,
    sign: () => Promise<{ chunks: Buffer[]; auditDetails: Record<string, unknown> }>,
  ): Promise<Buffer[]> {
    const actor = options.actorId ?? 'anonymous';
    const level = parsePadesLevel(options.level);
    assertPdf(pdf);
    try {
      const r = await sign();
      await this.#audit(actor, 'signing.sign', 'success', r.auditDetails);
      return r.chunks;
    } catch (err) {
      await this.#audit(actor, 'signing.sign', 'failure', { level, ...auditedError(err) });
      throw err;
    }
  }

  /**
   * Signs without appending the audit event: returns the details of the `signing.sign` event for
   * a caller that records the event in the same transaction as the result (jobs: one signed
   * output and one audit event per file, docs/jobs.md).
   */
  async signUnrecorded(pdf: Buffer, options: SignOptions): Promise<{ chunks: Buffer[]; auditDetails: Record<string, unknown> }> {
    const actor = options.actorId ?? 'anonymous';
    assertPdf(pdf);
    assertLevelAvailable(parsePadesLevel(options.level), this.#o);
    const resolved = await resolveSigner(options.signer, actor, this.#o, options.algorithm);
    return this.#unrecorded(pdf, options, resolved);
  }

  async #unrecorded(
    pdf: Buffer,
    options: Omit<SignOptions, 'signer'>,
    resolved: ResolvedSigner,
  ): Promise<{ chunks: Buffer[]; auditDetails: Record<string, unknown> }> {
    const level = parsePadesLevel(options.level);
    assertLevelAvailable(level, this.#o);
    const { chunks, digest } = await this.#signResolved(pdf, options, level, resolved.signer, resolved.certificates);
    const outputBytes = chunks.reduce((n, c) => n + c.length, 0);
    // The byte-range digest (the CMS message-digest) identifies the signed revision without
    // hashing the whole file again (hot path: large PDFs).
    return {
      chunks,
      auditDetails: {
        level,
        source: resolved.source,
        certificate: certId(resolved.certificates[0]!),
        signedDigest: digest.toString('hex'),
        inputBytes: pdf.length,
        outputBytes,
      },
    };
  }

  /**
   * Signs many documents with one credential authorization: the PIN is checked once (or an
   * existing authorization id is used); see ./batch-signing.ts. One bad document does not stop
   * the others; its error code is reported.
   */
  async signBatch(pdfs: readonly Buffer[], options: SignOptions): Promise<BatchResult> {
    return signBatch(
      {
        ...this.#o,
        sign: (pdf, o) => this.sign(pdf, o),
        prepare: (pdf, o, certificates, now, size) => this.#preparePdf(pdf, o, certificates, now, size),
      },
      pdfs,
      options,
    );
  }

  /** Two-phase, step 1: prepare the document and return what the token must sign. */
  async prepare(pdf: Buffer, options: PrepareOptions): Promise<PrepareResult> {
    const actor = options.actorId ?? 'anonymous';
    let prepared: PreparedSession;
    let signer: TwoPhaseSigner | undefined;
    try {
      assertPdf(pdf);
      signer = await this.#twoPhaseSigner(options);
      await this.#assertSessionRoom(actor, 1);
      prepared = await this.#prepareSession(pdf, options, signer);
      await this.#o.sessions.create(prepared.session);
      await this.#keepWithinRoom(actor, [prepared.session.id]);
    } catch (err) {
      // A refused prepare (a suspended certificate, a damaged PDF…) is on the record as a completion's is.
      await this.#audit(actor, 'signing.prepare', 'failure', {
        ...(signer ? { level: signer.level, certificate: certId(signer.certificates[0]!) } : {}),
        ...auditedError(err),
      });
      throw err;
    }
    const { result, inputSha256 } = prepared;
    await this.#audit(actor, 'signing.prepare', 'success', {
      session: result.sessionId,
      level: signer.level,
      certificate: certId(signer.certificates[0]!),
      inputSha256,
    });
    return result;
  }

  /**
   * Two-phase for several documents with one certificate chain (./two-phase-batch.ts): the chain
   * is checked once, each document gets its own session or its own error, one audit event.
   */
  async prepareBatch(pdfs: readonly Buffer[], options: PrepareOptions): Promise<PrepareBatchResult> {
    return prepareBatch(
      {
        audit: this.#o.audit,
        signer: async (o) => {
          const signer = await this.#twoPhaseSigner(o);
          await this.#assertSessionRoom(o.actorId ?? 'anonymous', pdfs.length);
          return signer;
        },
        prepare: (pdf, o, signer) => this.#prepareSession(pdf, o, signer),
        store: async (sessions) => {
          await this.#o.sessions.createMany(sessions);
          await this.#keepWithinRoom(
            options.actorId ?? 'anonymous',
            sessions.map((x) => x.id),
          );
        },
      },
      pdfs,
      options,
    );
  }

  /** Two-phase step 2 for several sessions: each checked and completed on its own, one audit event. */
  async completeBatch(items: readonly CompleteBatchItem[], actorId?: string): Promise<BatchResult> {
    return completeBatch({ audit: this.#o.audit, complete: (all) => completeSessions(all, actorId, this.#completeDeps()) }, items, actorId);
  }

  /**
   * Each prepared session keeps a copy of its document until it is completed or expires: an
   * official's sessions awaiting completion are capped, so that prepares nobody completes cannot
   * fill the disk. The workstation keeps at most a few groups of a batch prepared ahead of the
   * token; the cap leaves room for several batches at once. Checked before the work (a full
   * official is refused at once) and again after the sessions are stored (`#keepWithinRoom`).
   */
  async #assertSessionRoom(ownerId: string, documents: number): Promise<void> {
    const open = await this.#o.sessions.countOpen(ownerId, this.#o.clock.now());
    if (open + documents > MAX_OPEN_SESSIONS) throw sessionsFull(open);
  }

  /**
   * Prepares running side by side all passed the first count: each counts again once its own
   * sessions are stored, and one that finds the official over the cap deletes them and is
   * refused, so the sessions that stay never exceed it (racing prepares may all be refused).
   */
  async #keepWithinRoom(ownerId: string, ids: readonly string[]): Promise<void> {
    const open = await this.#o.sessions.countOpen(ownerId, this.#o.clock.now());
    if (open <= MAX_OPEN_SESSIONS) return;
    await this.#o.sessions.discard(ids);
    throw sessionsFull(open - ids.length);
  }

  /** What every document prepared for one certificate chain shares: the level, the checked chain, the algorithm. */
  async #twoPhaseSigner(options: PrepareOptions): Promise<TwoPhaseSigner> {
    const level = parsePadesLevel(options.level);
    // Interned: the placeholder size and the key's signature length are cached per certificate object.
    const certificates = options.certificates.map(internCertificate);
    const leaf = certificates[0];
    if (!leaf) throw new AppError('VALIDATION_FAILED', 'the signer certificate chain is required');
    assertLevelAvailable(level, this.#o);
    const now = this.#o.clock.now();
    await checkSignerCertificate({ certificates, at: now, ...(this.#o.certificateStatus ? { status: this.#o.certificateStatus } : {}) });
    await requireHolder(this.#o.certificateHolders, options.actorId ?? 'anonymous', leaf);
    let algorithm: SignatureAlgorithm;
    try {
      // The key decoded once per interned certificate (the completions verify with the same
      // object), not a whole X509Certificate parsed for every group of a batch.
      algorithm = options.algorithm ?? defaultAlgorithmFor(certificatePublicKey(leaf));
    } catch (cause) {
      throw new AppError('SIGNER_CERT_INVALID', 'unsupported signer key type', { cause });
    }
    const hash = options.digestAlgorithm ?? hashOf(algorithm);
    const size = this.#twoPhasePlaceholder(level, certificates, algorithm, hash, options.completion);
    return { level, certificates, algorithm, hash, size };
  }

  /**
   * Two-phase cannot retry once the token has signed, so the placeholder must hold whatever
   * completes it. A raw signature at B-B becomes a CMS the service assembles itself, whose size is
   * known exactly (exactBbPlaceholder: the key bounds the signature); anything else — a full CMS
   * from token software, a timestamp whose token size may grow — keeps the overflow margin.
   */
  #twoPhasePlaceholder(
    level: PadesLevel,
    certificates: readonly Buffer[],
    algorithm: SignatureAlgorithm,
    hash: HashName,
    completion: PrepareOptions['completion'],
  ): number {
    if (completion === 'signature' && LEVEL_RANK[level] === 0) {
      const exact = exactBbPlaceholder({
        signer: { algorithm, publicKeySpki: certificateInfo(certificates[0]!, 'SIGNER_CERT_INVALID').spki },
        signerCertificate: certificates[0]!,
        chain: certificates.slice(1),
        hash,
      });
      if (exact !== undefined) return exact;
    }
    return retryPlaceholder(estimatePlaceholder(certificates, LEVEL_RANK[level] >= 1, this.#o.placeholder), 0);
  }

  /** One document's incremental update and session (its signed attributes), for a checked signer; the caller stores the session. */
  async #prepareSession(pdf: Buffer, options: PrepareOptions, k: TwoPhaseSigner): Promise<PreparedSession> {
    const { level, certificates, algorithm, hash, size } = k;
    const leaf = certificates[0]!;
    const now = this.#o.clock.now();
    const prepared = await this.#preparePdf(pdf, options, certificates, now, size);
    const contentDigest = prepared.digest(hash);
    const signedAttributes = buildSignedAttributes({ contentDigest, digestAlgorithm: hash, signerCertificate: leaf });
    const session = {
      id: newId('ss', this.#sessionIdRandom),
      ownerId: options.actorId ?? null,
      preparedPdf: withoutPlaceholderGap(prepared.parts, prepared.byteRange),
      byteRange: prepared.byteRange,
      signedAttributes,
      digestAlgorithm: hash,
      algorithm,
      certificates,
      level,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (this.#o.sessionTtlMs ?? 10 * 60_000)),
      usedAt: null,
    } as const;
    return {
      session,
      inputSha256: sha256Hex(pdf),
      result: {
        sessionId: session.id,
        algorithm,
        hash: hashOf(algorithm),
        digest: createHash(hashOf(algorithm)).update(signedAttributes).digest(),
        signedAttributes,
        contentDigest,
        contentDigestAlgorithm: hash,
        expiresAt: session.expiresAt,
      },
    };
  }

  #completeDeps(): CompleteDeps {
    return {
      sessions: this.#o.sessions,
      clock: this.#o.clock,
      engine: this.#o.engine,
      timestamp: this.#o.timestamp,
      revocation: this.#o.revocation,
      certificateStatus: this.#o.certificateStatus,
    };
  }

  /** Two-phase, step 2: check the token's signature, embed it and return the signed PDF. */
  async complete(sessionId: string, input: CompleteInput, actorId?: string): Promise<Buffer> {
    const actor = actorId ?? 'anonymous';
    try {
      const out = await completeSession(sessionId, input, actorId, this.#completeDeps());
      await this.#audit(actor, 'signing.complete', 'success', { session: sessionId, outputBytes: out.length });
      return out;
    } catch (err) {
      await this.#audit(actor, 'signing.complete', 'failure', { session: sessionId, error: isAppError(err) ? err.code : 'INTERNAL' });
      throw err;
    }
  }

  async #signResolved(
    pdf: Buffer,
    options: Omit<SignOptions, 'signer'>,
    level: PadesLevel,
    signer: Signer,
    given: Buffer[],
  ): Promise<{ chunks: Buffer[]; digest: Buffer }> {
    // The chain is read from the store with every request: one object per certificate content,
    // so that what is derived from it (parsed fields, subject, ESS attribute) is derived once.
    const certificates = given.map(internCertificate);
    const leaf = certificates[0]!;
    const checkedAt = this.#o.clock.now();
    const now = options.signingTime ?? checkedAt;
    await checkSignerCertificate({
      certificates,
      publicKeySpki: signer.publicKeySpki,
      at: checkedAt,
      ...(this.#o.certificateStatus ? { status: this.#o.certificateStatus } : {}),
    });
    const hash: HashName = options.digestAlgorithm ?? hashOf(signer.algorithm);
    const withTs = LEVEL_RANK[level] >= 1;
    const tsTokens: Buffer[] = [];
    const timestamp = withTs
      ? async (signatureValue: Buffer): Promise<Buffer> => {
          const token = await timed('tsa', () => timestampData(this.#o.timestamp, signatureValue, 'sha256'));
          tsTokens.push(token);
          this.#largestToken = Math.max(this.#largestToken, token.length);
          return token;
        }
      : undefined;
    // Once the TSA has answered, the CMS size is known but for the key's signature length (bounded)
    // and the next token's (the largest so far plus a margin): no kilobytes of unused zeros.
    const learned =
      withTs && this.#largestToken > 0 && this.#o.placeholder?.timestampHeadroom === undefined
        ? exactBtPlaceholder({ signer, signerCertificate: leaf, chain: certificates.slice(1), hash, largestToken: this.#largestToken })
        : undefined;
    const { signed, digest, cms } = await withPlaceholderRetry(
      learned ?? estimatePlaceholder(certificates, withTs, learnedBudget(this.#o.placeholder, this.#largestToken)),
      async (size) => {
        const prepared = await this.#preparePdf(pdf, options, certificates, now, size);
        const contentDigest = prepared.digest(hash);
        const cms = await signDetachedCms({
          contentDigest,
          signer,
          signerCertificate: leaf,
          certificates: certificates.slice(1),
          digestAlgorithm: hash,
          ...(timestamp ? { timestamp } : {}),
        });
        return { signed: prepared.embedChunks(cms), digest: contentDigest, cms };
      },
    );
    if (LEVEL_RANK[level] < 2) return { chunks: signed, digest };
    const chains = [certificates, ...tsTokens.slice(-1).map(tokenCertificates)].filter((c) => c.length > 0);
    const extended = await timed('ltv', () =>
      extendToLevel(signed.length === 1 ? signed[0]! : Buffer.concat(signed), level, chains, now, this.#o.engine, this.#o, undefined, {
        pdf,
        cms,
      }),
    );
    return { chunks: [extended], digest };
  }

  /**
   * The stamp exactly as a signature made now would draw it, as a one-page PDF of the stamp's
   * size (the workstation previews it with pdf.js). Texts the certificate would supply (CN) come
   * from `texts` here: no key or certificate is touched.
   */
  async stampPreview(appearance: AppearanceOptions, width: number, height: number): Promise<Buffer> {
    if (!(width > 0 && height > 0 && width <= 2000 && height <= 2000))
      throw new AppError('VALIDATION_FAILED', 'the stamp width and height must be between 0 and 2000 points');
    const built = await this.#o.engine.appearance(appearanceRequest(appearance, width, height, this.#o.clock.now()));
    return appearancePreviewPdf(built);
  }

  async #preparePdf(
    pdf: Buffer,
    options: Omit<SignOptions, 'signer'>,
    certificates: readonly Buffer[],
    now: Date,
    size: number,
  ): Promise<PreparedPdf> {
    if (options.certify !== undefined && ![1, 2, 3].includes(options.certify)) {
      throw new AppError('VALIDATION_FAILED', 'certify must be 1, 2 or 3');
    }
    const leaf = certificates[0]!;
    const name = options.name ?? subjectField(leaf, 'CN');
    const req: PdfPrepareRequest = {
      placeholderSize: size,
      signingTime: now,
      subFilter: 'ETSI.CAdES.detached',
      ...(options.revisionId ? { revisionId: options.revisionId } : {}),
      ...(options.fieldName !== undefined ? { fieldName: options.fieldName } : {}),
      ...(options.newFieldName !== undefined ? { newFieldName: options.newFieldName } : {}),
      ...(options.visible ? { page: options.visible.page, rect: options.visible.rect } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      ...(options.location !== undefined ? { location: options.location } : {}),
      ...(options.contactInfo !== undefined ? { contactInfo: options.contactInfo } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(options.certify !== undefined ? { certifyLevel: options.certify } : {}),
      ...(options.lock ? { lock: options.lock } : {}),
    };
    if (options.appearance) {
      if (!options.visible && options.fieldName === undefined) {
        throw new AppError('VALIDATION_FAILED', 'a visible appearance needs a page rectangle or a field name');
      }
      const a = options.appearance;
      // On an existing field the stamp takes the widget's own size (no stretching by the viewer).
      const fieldSize =
        !options.visible && options.fieldName !== undefined ? this.#o.engine.fieldSize?.(pdf, options.fieldName) : undefined;
      const rect = options.visible?.rect ?? [0, 0, fieldSize?.[0] ?? 180, fieldSize?.[1] ?? 70];
      // On a rotated page the stamp is drawn to read upright for the viewer (ISO 32000-1 §8.3.2.3
      // /Rotate): the rectangle stays in user space, so the upright stamp is its height × width.
      const rotate = options.visible ? (this.#o.engine.pageRotation?.(pdf, options.visible.page) ?? 0) : 0;
      const quarter = rotate === 90 || rotate === 270;
      const [w, h] = quarter ? [rect[3], rect[2]] : [rect[2], rect[3]];
      const appearance = await this.#o.engine.appearance({ ...appearanceRequest(a, w, h, now, leaf), ...(rotate ? { rotate } : {}) });
      return this.#prepareOrCreate(pdf, { ...req, appearance }, options);
    }
    return this.#prepareOrCreate(pdf, req, options);
  }

  /** `createFieldIfMissing`: a missing named field becomes a new invisible one (no key used yet). */
  #prepareOrCreate(pdf: Buffer, req: PdfPrepareRequest, options: Omit<SignOptions, 'signer'>): PreparedPdf {
    try {
      return this.#o.engine.prepare(pdf, req);
    } catch (err) {
      if (!options.createFieldIfMissing || options.fieldName === undefined || options.visible || !isAppError(err, 'PDF_FIELD_NOT_FOUND'))
        throw err;
      const { fieldName: _f, appearance: _a, ...rest } = req;
      return this.#o.engine.prepare(pdf, { ...rest, newFieldName: options.fieldName });
    }
  }

  async #audit(actor: string, action: string, outcome: 'success' | 'failure', details: Record<string, unknown>): Promise<void> {
    await this.#o.audit.append({ actor, role: 'signer', action, outcome, details });
  }
}

/** What the engine draws for `a` in a `width` × `height` box; the certificate (when known) supplies the default names. */
function appearanceRequest(a: AppearanceOptions, width: number, height: number, now: Date, leaf?: Buffer): AppearanceRequest {
  // An organization certificate's CN is the organization itself (docs/domain.md: CN = person or organization).
  const organization = a.texts?.organization ?? (leaf ? subjectField(leaf, 'CN') : undefined);
  const signerName = a.texts?.signerName ?? (leaf ? subjectField(leaf, 'CN') : undefined);
  return {
    kind: a.kind,
    width,
    height,
    signingTime: now,
    ...(a.image ? { image: a.image } : {}),
    ...(signerName !== undefined ? { signerName } : {}),
    ...(organization !== undefined ? { organization } : {}),
    ...(a.texts?.title !== undefined ? { title: a.texts.title } : {}),
    ...(a.texts?.copyForm !== undefined ? { copyForm: a.texts.copyForm } : {}),
    ...(a.texts?.lines ? { lines: a.texts.lines } : {}),
    ...(a.sealOnly ? { sealOnly: true } : {}),
    ...(a.sealDiameterMm !== undefined ? { sealDiameterMm: a.sealDiameterMm } : {}),
    ...(a.textSide ? { textSide: a.textSide } : {}),
    ...(a.texts?.authorityLines?.length ? { authorityLines: parseAuthorityLines(a.texts.authorityLines) } : {}),
  };
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
