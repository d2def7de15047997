import type { HashName } from '../core/signature-algorithms.js';
import type { Appearance } from '../pdf/appearance/model.js';
import type { AppearanceKind, DocMdpPermission, FieldLock, SubFilter } from '../core/sign-options.js';

/**
 * Non-storage ports the signing service needs. The PDF side mirrors src/pdf/sign's
 * `preparePdfSignature`, the timestamp and LTV sides src/cms's client and material collector;
 * src/signing adapts the concrete modules in ./default-engine.ts so tests and the wiring can swap them.
 */
export interface PdfPrepareRequest {
  /** An existing empty signature field to sign. */
  readonly fieldName?: string;
  /** Name for a NEW signature field (visible with page/rect, else invisible). */
  readonly newFieldName?: string;
  readonly page?: number;
  readonly rect?: readonly [number, number, number, number];
  /** Bytes reserved for the CMS (the hex placeholder is twice this). */
  readonly placeholderSize: number;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  readonly name?: string;
  readonly signingTime: Date;
  readonly certifyLevel?: DocMdpPermission;
  readonly lock?: FieldLock;
  readonly subFilter: SubFilter;
  /** Second trailer /ID element (ISO 32000-1 §14.4); random when absent. Fixed for a re-signable job item. */
  readonly revisionId?: Buffer;
  readonly appearance?: Appearance;
}

export interface PreparedPdf {
  readonly byteRange: readonly [number, number, number, number];
  /** Hash over the byte ranges, in place. */
  digest(hash: HashName): Buffer;
  /** Final file; throws AppError PLACEHOLDER_OVERFLOW when the CMS does not fit. */
  embed(cms: Buffer): Buffer;
  /**
   * Like `embed`, without joining: [input bytes, appended revision], or the whole file as one
   * chunk when it was prepared in one buffer. Lets a caller stream the result (HTTP response,
   * file) without a second copy of a large file in memory.
   */
  embedChunks(cms: Buffer): Buffer[];
  /** The prepared file (zero-filled placeholder) — persisted for two-phase signing. */
  readonly bytes: Buffer;
  /** The same bytes as consecutive parts, without joining them (a two-phase session keeps only some). */
  readonly parts: readonly Buffer[];
}

export interface AppearanceRequest {
  readonly kind: AppearanceKind;
  readonly width: number;
  readonly height: number;
  readonly image?: Buffer;
  readonly signerName?: string;
  readonly organization?: string;
  readonly title?: string;
  readonly copyForm?: string;
  readonly lines?: readonly string[];
  /** Organization: the seal image without texts (see AppearanceOptions.sealOnly). */
  readonly sealOnly?: boolean;
  /** Organization: the seal's real diameter in millimetres (default 36). */
  readonly sealDiameterMm?: number;
  readonly textSide?: 'left' | 'right';
  /** Signing-authority lines above the title (Decree 30/2020 Art. 13). */
  readonly authorityLines?: readonly string[];
  readonly signingTime: Date;
  /** The page's /Rotate: the stamp is drawn to read upright; its box in user space is then height × width. */
  readonly rotate?: 0 | 90 | 180 | 270;
}

export interface PdfSignatureEngine {
  prepare(pdf: Buffer, request: PdfPrepareRequest): PreparedPdf;
  appendDss(pdf: Buffer, material: RevocationMaterial): Buffer;
  /** DER CMS of every signature and document timestamp already in the file (for their B-LT material). */
  signatureContents?(pdf: Buffer): Buffer[];
  /** Width and height of an existing field's first widget (to size its stamp), if any. */
  fieldSize?(pdf: Buffer, fieldName: string): readonly [number, number] | undefined;
  /** The /Rotate of a 1-based page (ISO 32000-1 §7.7.3.3, inheritable), normalised to 0, 90, 180 or 270. */
  pageRotation?(pdf: Buffer, page: number): 0 | 90 | 180 | 270;
  /** Builds a visible stamp (src/pdf/appearance builders). */
  appearance(request: AppearanceRequest): Appearance | Promise<Appearance>;
}

export interface RevocationMaterial {
  readonly certs: readonly Buffer[];
  readonly ocsps: readonly Buffer[];
  readonly crls: readonly Buffer[];
}

/** RFC 3161 client: returns the TimeStampToken (ContentInfo DER) for a message imprint. */
export interface TimestampPort {
  timestamp(imprint: Buffer, hash: HashName): Promise<Buffer>;
}

/**
 * Collects validation material (ETSI EN 319 142-1 §5.4, B-LT) for the given certificate chains
 * (signer chain, TSA chain): OCSP responses and/or CRLs for every non-root certificate.
 * Throws (any error) when some status cannot be obtained; the service maps it to REVOCATION_UNAVAILABLE.
 */
export interface RevocationMaterialPort {
  collect(chains: readonly (readonly Buffer[])[], at: Date): Promise<RevocationMaterial>;
}
