import { AppError } from '../core/errors.js';

/**
 * Just enough of JPEG (ITU-T T.81 SOF markers, JFIF APP0 density) and PNG (IHDR, pHYs) to know
 * an image's pixel size and resolution before accepting it as a scanned original. The scanning
 * standard for digitised originals asks for ≥ 200 dpi (docs/domain.md).
 */
export interface ImageInfo {
  readonly format: 'jpeg' | 'png';
  readonly width: number;
  readonly height: number;
  /** Declared resolution in dots per inch, when the file says so. */
  readonly dpiX: number | undefined;
  readonly dpiY: number | undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function imageInfo(bytes: Buffer): ImageInfo {
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return pngInfo(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegInfo(bytes);
  throw new AppError('IMAGE_INVALID', 'not a JPEG or PNG image');
}

function pngInfo(b: Buffer): ImageInfo {
  if (b.toString('latin1', 12, 16) !== 'IHDR') throw new AppError('IMAGE_INVALID', 'PNG without IHDR');
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  let dpiX: number | undefined;
  let dpiY: number | undefined;
  let p = 8;
  while (p + 12 <= b.length) {
    const len = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    if (p + 12 + len > b.length) break;
    if (type === 'pHYs' && len === 9 && b[p + 16] === 1) {
      // unit 1 = metre (PNG spec §11.3.5.3)
      dpiX = Math.round(b.readUInt32BE(p + 8) * 0.0254);
      dpiY = Math.round(b.readUInt32BE(p + 12) * 0.0254);
    }
    if (type === 'IDAT' || type === 'IEND') break;
    p += 12 + len;
  }
  if (!width || !height) throw new AppError('IMAGE_INVALID', 'PNG with zero size');
  return { format: 'png', width, height, dpiX, dpiY };
}

function jpegInfo(b: Buffer): ImageInfo {
  let p = 2;
  let dpiX: number | undefined;
  let dpiY: number | undefined;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw new AppError('IMAGE_INVALID', 'corrupt JPEG marker stream');
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = b.readUInt16BE(p + 2);
    if (len < 2 || p + 2 + len > b.length) throw new AppError('IMAGE_INVALID', 'truncated JPEG');
    if (marker === 0xe0 && b.toString('latin1', p + 4, p + 9) === 'JFIF\0' && len >= 14) {
      const unit = b[p + 11];
      const x = b.readUInt16BE(p + 12);
      const y = b.readUInt16BE(p + 14);
      if (unit === 1) [dpiX, dpiY] = [x, y];
      else if (unit === 2) [dpiX, dpiY] = [Math.round(x * 2.54), Math.round(y * 2.54)];
    }
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = b.readUInt16BE(p + 5);
      const width = b.readUInt16BE(p + 7);
      if (!width || !height) throw new AppError('IMAGE_INVALID', 'JPEG with zero size');
      return { format: 'jpeg', width, height, dpiX, dpiY };
    }
    p += 2 + len;
  }
  throw new AppError('IMAGE_INVALID', 'JPEG without a frame header');
}
