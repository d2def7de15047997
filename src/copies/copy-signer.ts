import type { PadesLevel } from '../core/pades-level.js';
import type { AppearanceKind, DocMdpPermission } from '../core/sign-options.js';

/**
 * What the certified-copy service needs from the signing service (src/signing), as a port so
 * that copies never depend on how keys are held. The app wiring adapts the signing service.
 */

export interface CopySignatureRequest {
  readonly pdf: Buffer;
  /** Signature field to sign: an existing empty one (created by ./copy-document.ts), or a new invisible field of this name. */
  readonly field: string;
  /** Server-held credential of the certifier or of the authority's seal. */
  readonly credentialId: string;
  /** The PIN, or a batch authorization id from the signing service, never both. */
  readonly pin?: string;
  readonly authorizationId?: string;
  /** The person acting (must own the credential). */
  readonly actorId: string;
  readonly appearance: Exclude<AppearanceKind, 'copy'>;
  /** PNG of the signature (individual) or of the seal (organization); text-only when absent. */
  readonly image?: Buffer;
  /** Organization: the seal's real diameter (mm) and which side of the seal its text goes. */
  readonly sealDiameterMm?: number;
  readonly textSide?: 'left' | 'right';
  /** Organization: the seal alone, without the "Ký bởi / Thời gian ký" lines. */
  readonly sealOnly?: boolean;
  /** Text shown in the appearance: the signer's name or the organization's name. */
  readonly displayName: string;
  /** DocMDP certification level for the first signature (P=2 lets the seal still sign). */
  readonly certify?: DocMdpPermission;
  readonly reason: string;
  readonly location: string;
  readonly level: PadesLevel;
}

export interface CopyPreflight {
  readonly signerName: string;
  /** When a PIN was given: a one-document signing authorization to sign with instead of the PIN. */
  readonly authorizationId?: string;
  /**
   * When a PIN was given, instead of an authorization: signs one document with the credential
   * the PIN unlocked here (its `credentialId`, `pin` and `authorizationId` are not looked at
   * again); a second call is refused. The copy's two PINs are then each checked once.
   */
  readonly signOnce?: (request: CopySignatureRequest) => Promise<Buffer>;
}

export interface CopySigner {
  /**
   * Checks, without signing, that the actor may use the credential now: it exists, belongs to
   * the actor, is not locked, its certificate is valid for signing (not expired, not revoked,
   * key usage) and — when `pin` is given — the PIN is right (a wrong one is counted). Runs
   * before a register number is taken, so none of these refusals costs a number. Throws the
   * signing service's AppError otherwise.
   */
  preflight(credentialId: string, actorId: string, pin?: string): Promise<CopyPreflight>;
  /**
   * Throws when signatures at `level` cannot be made now (TSA_UNAVAILABLE, REVOCATION_UNAVAILABLE):
   * asked before a register number is taken, so a level is refused, never silently lowered.
   */
  assertLevelAvailable(level: PadesLevel): void;
  sign(request: CopySignatureRequest): Promise<Buffer>;
}
