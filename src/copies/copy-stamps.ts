import { AppError } from '../core/errors.js';
import { DEFAULT_SEAL_DIAMETER_MM } from '../pdf/appearance/stamp-layout.js';
import { decodeImageCached } from '../pdf/appearance/images.js';
import type { StampSettingsRepository } from './stamp-settings.js';

/**
 * What the stamps of one copy are made of: the request's images override the ones registered
 * for the authority (seal) and the certifier's credential (signature). A certified copy is an
 * official's signature under the authority's seal (Decree 23/2015/NĐ-CP Art. 20, Decree
 * 30/2020 Appendix I), so a copy lacking either image is refused — before a register number is
 * taken — unless the authority is registered for text-only stamps.
 */
export interface CopyStamps {
  readonly sealImage?: Buffer;
  readonly signatureImage?: Buffer;
  readonly signatureImageSize?: { readonly width: number; readonly height: number };
  readonly sealDiameterMm: number;
  readonly authorityLines: readonly string[];
  readonly title: string;
}

/** The parts of a certification request that concern the stamps. */
export interface StampRequest {
  readonly certifier: { readonly credentialId: string; readonly title?: string; readonly signatureImage?: Buffer };
  readonly seal: { readonly image?: Buffer };
}

/** Seal and signature scans are small; a bigger file is a mistake or an attack on memory. */
export const MAX_STAMP_IMAGE_BYTES = 2 * 1024 * 1024;
const MAX_STAMP_IMAGE_PIXELS = 4_000_000;

/** PNG or JPEG, at most 2 MiB and 4 million pixels (IMAGE_INVALID / VALIDATION_FAILED otherwise). */
export function checkStampImage(image: Buffer, field: string): void {
  if (image.length === 0 || image.length > MAX_STAMP_IMAGE_BYTES)
    throw new AppError('VALIDATION_FAILED', `${field}: a PNG or JPEG of at most 2 MiB`, { details: { field } });
  decodeImageCached(image, { maxPixels: MAX_STAMP_IMAGE_PIXELS });
}

export async function resolveCopyStamps(
  req: StampRequest,
  authorityId: string,
  settings: StampSettingsRepository | undefined,
): Promise<CopyStamps> {
  if (req.seal.image) checkStampImage(req.seal.image, 'sealImage');
  if (req.certifier.signatureImage) checkStampImage(req.certifier.signatureImage, 'signatureImage');
  const stored = await settings?.getAuthority(authorityId);
  const sealImage = req.seal.image ?? stored?.sealImage ?? undefined;
  const signatureImage = req.certifier.signatureImage ?? (await settings?.getSignatureImage(req.certifier.credentialId));
  const missing = [...(sealImage ? [] : ['sealImage']), ...(signatureImage ? [] : ['signatureImage'])];
  if (missing.length > 0 && !stored?.textOnlyStamps) {
    throw new AppError(
      'COPY_STAMP_IMAGES_MISSING',
      `a certified copy needs the seal image and the certifier's signature image; missing: ${missing.join(', ')}`,
      { details: { missing } },
    );
  }
  const title = (req.certifier.title ?? '').trim() || stored?.title || '';
  if (!title || title.length > 500)
    throw new AppError('VALIDATION_FAILED', "certifier.title is required (or register the authority's title)", {
      details: { field: 'certifier.title' },
    });
  const decoded = signatureImage ? decodeImageCached(signatureImage) : undefined;
  return {
    ...(sealImage ? { sealImage } : {}),
    ...(signatureImage ? { signatureImage } : {}),
    ...(decoded ? { signatureImageSize: { width: decoded.width, height: decoded.height } } : {}),
    sealDiameterMm: stored?.sealDiameterMm ?? DEFAULT_SEAL_DIAMETER_MM,
    authorityLines: stored?.authorityLines ?? [],
    title,
  };
}
