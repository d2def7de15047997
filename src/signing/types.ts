import type { HashName, SignatureAlgorithm } from '../core/signature-algorithms.js';
import type { PadesLevel } from '../core/pades-level.js';
import type { AppearanceKind, DocMdpPermission, FieldLock } from '../core/sign-options.js';

/**
 * Where the signing key comes from:
 * - `pkcs12`: the caller's PKCS#12 file and password (key used in memory for this request only);
 * - `credential`: a server-held key, unlocked by the owner's PIN or a batch authorization id;
 * - `keystore`: a key URI in the KeyStore plus the certificate chain (service/agency seals, HSM).
 */
export type SignerSource =
  | { readonly kind: 'pkcs12'; readonly pkcs12: Buffer; readonly password: string }
  | { readonly kind: 'credential'; readonly credentialId: string; readonly pin: string }
  | { readonly kind: 'credential'; readonly credentialId?: string; readonly authorizationId: string }
  | { readonly kind: 'keystore'; readonly keyUri: string; readonly certificates: readonly Buffer[] };

export interface AppearanceOptions {
  readonly kind: AppearanceKind;
  /** PNG bytes: the signature image (individual) or the red seal (organization); none for copies. */
  readonly image?: Buffer;
  /**
   * Organization only: draw the seal image alone, meant to lie over the left third of the
   * official's signature (Decree 30/2020/NĐ-CP Appendix I); the name and time stay in the
   * signature's properties. Default: seal with the organization name and time beside it.
   */
  readonly sealOnly?: boolean;
  /** Organization: the seal's real diameter in millimetres (default 36 mm, a commune seal). */
  readonly sealDiameterMm?: number;
  /** Organization: the side of the seal the "Ký bởi / Thời gian ký" lines go (default right). */
  readonly textSide?: 'left' | 'right';
  /** Texts shown in the stamp; defaults come from the certificate subject (CN, O) and the signing time. */
  readonly texts?: {
    /** Signer's name (individual) — default: certificate CN. */
    readonly signerName?: string;
    /** Organization name (organization, copy) — default: certificate O or CN. */
    readonly organization?: string;
    /** Position/title line above the name (e.g. "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"). */
    readonly title?: string;
    /** Signing-authority lines above the title, e.g. ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"] (Decree 30/2020 Art. 13). */
    readonly authorityLines?: readonly string[];
    /** Copy form for `copy` (e.g. "SAO Y", "SAO LỤC", "TRÍCH SAO"). */
    readonly copyForm?: string;
    /** Extra free lines. */
    readonly lines?: readonly string[];
  };
}

/** Placement: a new field on a page rectangle [x, y, width, height] in PDF points (origin bottom-left). */
export interface VisiblePlacement {
  /** 1-based page number. */
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
}

export interface SignOptions {
  readonly signer: SignerSource;
  /** Who asks (user/official id): owner check for credentials; audit actor. Default "anonymous". */
  readonly actorId?: string;
  /** Signature algorithm; default from the key (RSA → PKCS#1 v1.5 SHA-256, P-256 → ECDSA-SHA256 …). */
  readonly algorithm?: SignatureAlgorithm;
  /** Digest of the byte ranges; default the algorithm's hash. */
  readonly digestAlgorithm?: HashName;
  /** A new visible field on a page; omit (with no fieldName) for an invisible signature. */
  readonly visible?: VisiblePlacement;
  /**
   * Sign an existing empty signature field by name (PDF_FIELD_NOT_FOUND if there is none); with
   * `visible`, the name of the new field instead.
   */
  readonly fieldName?: string;
  /** Name of a new field when there is no `visible` placement (an invisible named signature). */
  readonly newFieldName?: string;
  /** With `fieldName`: when no such field exists, add a new invisible field of that name instead. */
  readonly createFieldIfMissing?: boolean;
  readonly appearance?: AppearanceOptions;
  /** Certification signature (DocMDP P, ISO 32000-1 §12.8.2.2). Only for the first signature. */
  readonly certify?: DocMdpPermission;
  readonly lock?: FieldLock;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** `/Name` of the signature dictionary; default the certificate CN. */
  readonly name?: string;
  /** PAdES level, default B-B. Never silently lowered (TSA_UNAVAILABLE / REVOCATION_UNAVAILABLE). */
  readonly level?: PadesLevel;
  /**
   * The time written in the signature dictionary's /M and the stamp, instead of the clock's.
   * A job fixes it at submission so that signing the same item again after a crash yields the
   * same bytes (RSA PKCS#1 v1.5 is deterministic, RFC 8017 §8.2); the certificate is still
   * checked at the clock's time.
   */
  readonly signingTime?: Date;
  /** The second trailer /ID element of the new revision (random when absent); fixed by jobs for the same reason. */
  readonly revisionId?: Buffer;
}

/** Options for two-phase prepare: as SignOptions, but the key stays on the token. */
export interface PrepareOptions extends Omit<SignOptions, 'signer'> {
  /** Signer certificate first, then its chain (DER). */
  readonly certificates: readonly Buffer[];
  /**
   * How the caller will complete: `signature` (the raw signature value; the service builds the
   * CMS, so at B-B its exact size is known and no spare room is reserved) or `cms` (a full CMS
   * from token software, whose size the service cannot know: room is reserved). Default `cms`.
   */
  readonly completion?: 'signature' | 'cms';
}

export interface PrepareResult {
  readonly sessionId: string;
  readonly algorithm: SignatureAlgorithm;
  /** Hash the token applies (the digest below is of this algorithm). */
  readonly hash: HashName;
  /** hash(signedAttributes): what a raw-digest token signs (e.g. RSA PKCS#1 "sign hash"). */
  readonly digest: Buffer;
  /** DER SET OF signed attributes: what a token that hashes itself signs. */
  readonly signedAttributes: Buffer;
  /**
   * Digest of the PDF byte ranges (the message-digest attribute), for token software that builds
   * its own CMS and completes with `{ cms }`.
   */
  readonly contentDigest: Buffer;
  readonly contentDigestAlgorithm: HashName;
  readonly expiresAt: Date;
}

export type CompleteInput =
  /** The raw signature value over the signed attributes (RSA: PKCS#1/PSS; ECDSA: DER or r||s). */
  | { readonly signature: Buffer }
  /** A full detached CMS made by the token software over the prepared digest. */
  | { readonly cms: Buffer };

export interface BatchItemResult {
  readonly index: number;
  readonly ok: boolean;
  readonly pdf?: Buffer;
  readonly error?: { readonly code: string; readonly message: string };
}
