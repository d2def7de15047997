import { createHash } from 'node:crypto';

/**
 * What a certified copy's stamps are made of, registered once instead of with every copy
 * (Decree 30/2020/NĐ-CP Appendix I): the authority's seal image and its real diameter, the
 * signing-authority lines and title (Art. 13), whether the authority may issue copies with
 * text-only stamps; and each certifier's signature image, keyed by the signing credential.
 */
export interface AuthorityStampSettings {
  readonly authorityId: string;
  readonly sealImage: Buffer | null;
  /** The seal's diameter in millimetres; null means the default (36 mm). */
  readonly sealDiameterMm: number | null;
  /** Title of the certifying official, used when a request gives none. */
  readonly title: string | null;
  readonly authorityLines: readonly string[];
  /** Copies may be issued without seal and signature images (text-only stamps). */
  readonly textOnlyStamps: boolean;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}

export interface StampSettingsRepository {
  getAuthority(authorityId: string): Promise<AuthorityStampSettings | undefined>;
  /** Inserts or replaces the authority's settings. */
  putAuthority(settings: AuthorityStampSettings): Promise<AuthorityStampSettings>;
  getSignatureImage(credentialId: string): Promise<Buffer | undefined>;
  putSignatureImage(credentialId: string, image: Buffer, at: Date, by: string): Promise<void>;
}

/** What the API and the CLI show of the settings: the seal image only as its SHA-256. */
export function settingsView(s: AuthorityStampSettings | undefined, authorityId: string): Record<string, unknown> {
  return {
    authorityId,
    hasSealImage: Boolean(s?.sealImage),
    sealImageSha256: s?.sealImage ? createHash('sha256').update(s.sealImage).digest('hex') : null,
    sealDiameterMm: s?.sealDiameterMm ?? null,
    title: s?.title ?? null,
    authorityLines: s?.authorityLines ?? [],
    textOnlyStamps: s?.textOnlyStamps ?? false,
    updatedAt: s?.updatedAt.toISOString() ?? null,
  };
}
