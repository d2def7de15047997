import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { checkStampImage } from './copy-stamps.js';
import { parseAuthorityLines, parseTitle } from '../pdf/appearance/signing-authority.js';
import { credentialOwnerOf, requireAuthorityScope, requireOrganizationScope, type Principal } from '../core/principal.js';
import type { AuthorityRepository } from './ports.js';
import type { AuthorityStampSettings, StampSettingsRepository } from './stamp-settings.js';

/**
 * Registers the images and texts of a certified copy's stamps once (Decree 30/2020/NĐ-CP
 * Appendix I): an admin sets an authority's seal image, seal diameter, signing-authority lines,
 * title and text-only permission; an admin or the credential's owner sets a certifier's
 * signature image. Images are checked (PNG or JPEG, bounded size) before anything is stored;
 * every change is audited with the image's SHA-256, never its bytes.
 */
export interface StampSettingsServiceOptions {
  readonly settings: StampSettingsRepository;
  readonly authorities: AuthorityRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /**
   * A signing credential's owner and the organization of its signer certificate's subscriber
   * (null: none recorded); undefined when there is no such credential.
   */
  readonly credential: (credentialId: string) => Promise<{ ownerId: string; organizationId: string | null } | undefined>;
}

export interface AuthorityStampPatch {
  readonly sealImage?: Buffer;
  readonly sealDiameterMm?: number;
  readonly title?: string | null;
  readonly authorityLines?: readonly string[];
  readonly textOnlyStamps?: boolean;
}

export const SEAL_DIAMETER_RANGE_MM = [10, 80] as const;

export class StampSettingsService {
  readonly #o: StampSettingsServiceOptions;

  constructor(options: StampSettingsServiceOptions) {
    this.#o = options;
  }

  async authority(authorityId: string): Promise<AuthorityStampSettings | undefined> {
    return this.#o.settings.getAuthority(authorityId);
  }

  /** The settings as a reader of that authority sees them: its own certifiers and auditors, and admins. */
  async readAuthority(actor: Principal, authorityId: string): Promise<AuthorityStampSettings | undefined> {
    const authority = await this.#o.authorities.get(authorityId);
    if (!authority) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${authorityId}`);
    requireAuthorityScope(actor, authority, `read the stamps of ${authorityId}`);
    return this.#o.settings.getAuthority(authorityId);
  }

  async setAuthorityStamps(actor: Principal, authorityId: string, patch: AuthorityStampPatch): Promise<AuthorityStampSettings> {
    if (actor.role !== 'admin') throw new AppError('FORBIDDEN', "only an admin sets an authority's seal and stamp texts");
    if (!(await this.#o.authorities.get(authorityId))) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${authorityId}`);
    if (patch.sealImage !== undefined) checkStampImage(patch.sealImage, 'sealImage');
    if (patch.sealDiameterMm !== undefined) checkSealDiameter(patch.sealDiameterMm);
    const title = patch.title === undefined || patch.title === null ? patch.title : parseTitle(patch.title);
    const lines = patch.authorityLines === undefined ? undefined : parseAuthorityLines(patch.authorityLines);
    const old = await this.#o.settings.getAuthority(authorityId);
    const next: AuthorityStampSettings = {
      authorityId,
      sealImage: patch.sealImage ?? old?.sealImage ?? null,
      sealDiameterMm: patch.sealDiameterMm ?? old?.sealDiameterMm ?? null,
      title: title === undefined ? (old?.title ?? null) : title,
      authorityLines: lines ?? old?.authorityLines ?? [],
      textOnlyStamps: patch.textOnlyStamps ?? old?.textOnlyStamps ?? false,
      updatedAt: this.#o.clock.now(),
      updatedBy: actor.id,
    };
    const saved = await this.#o.settings.putAuthority(next);
    await this.#o.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'authority.stamps-updated',
      target: authorityId,
      outcome: 'success',
      details: {
        fields: Object.keys(patch),
        ...(patch.sealImage ? { sealImageSha256: sha256(patch.sealImage) } : {}),
        sealDiameterMm: saved.sealDiameterMm,
        authorityLines: saved.authorityLines,
        title: saved.title,
        textOnlyStamps: saved.textOnlyStamps,
      },
    });
    return saved;
  }

  async setSignatureImage(actor: Principal, credentialId: string, image: Buffer): Promise<void> {
    const c = await this.#o.credential(credentialId);
    // An unknown credential and somebody else's look the same to a non-admin.
    if (c === undefined || (actor.role !== 'admin' && c.ownerId !== credentialOwnerOf(actor)))
      throw new AppError('NOT_FOUND', `no signing credential ${credentialId} of yours`);
    // A token names its official by id only: it works on that official's credential only within its
    // own organization, since the image is stamped on that organization's certified copies
    // (Decree 30/2020 Appendix I).
    try {
      requireOrganizationScope(actor, c.organizationId, `set the signature image of ${credentialId}`);
    } catch (err) {
      if (isAppError(err, 'FORBIDDEN_SCOPE'))
        await this.#o.audit.append({
          actor: actor.id,
          role: actor.role,
          action: 'credential.signature-image-set',
          target: credentialId,
          outcome: 'failure',
          details: { error: 'FORBIDDEN_SCOPE' },
        });
      throw err;
    }
    checkStampImage(image, 'signatureImage');
    await this.#o.settings.putSignatureImage(credentialId, image, this.#o.clock.now(), actor.id);
    await this.#o.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'credential.signature-image-set',
      target: credentialId,
      outcome: 'success',
      details: { imageSha256: sha256(image), bytes: image.length },
    });
  }
}

export function checkSealDiameter(mm: number): void {
  const [lo, hi] = SEAL_DIAMETER_RANGE_MM;
  if (!Number.isFinite(mm) || mm < lo || mm > hi)
    throw new AppError('VALIDATION_FAILED', `the seal diameter must be ${lo} to ${hi} mm`, { details: { field: 'sealDiameterMm' } });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
