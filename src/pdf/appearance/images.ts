import { createHash } from 'node:crypto';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { AppError } from '../../core/errors.js';
import { pdfDict, pdfName, pdfRef, type PdfObjectSpec, type PdfValue } from './model.js';

/**
 * Raster images as PDF image XObjects (ISO 32000-1 §8.9.5). PNG is decoded (any colour type,
 * bit depth, palette, tRNS) and re-encoded as 8-bit DeviceRGB/DeviceGray with FlateDecode; its
 * alpha channel becomes a soft mask (/SMask, §11.6.5.3) so a seal's transparent background shows
 * the page. JPEG is passed through as DCTDecode after reading its SOF header.
 *
 * Decode once and reuse the `DecodedImage` for many appearances (a seal is stamped often).
 */
export interface DecodedImage {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  readonly colorSpace: 'DeviceRGB' | 'DeviceGray' | 'DeviceCMYK';
  /** Encoded sample data (the stream bytes). */
  readonly data: Buffer;
  readonly filter: 'FlateDecode' | 'DCTDecode';
  /** For Adobe CMYK JPEGs, whose samples are stored inverted. */
  readonly decode?: readonly number[];
  /** PNG predictor parameters when the PNG's own zlib data is passed through (§7.4.4.4 Table 8). */
  readonly decodeParms?: { readonly predictor: 15; readonly colors: 1 | 3; readonly columns: number };
  /** Flate-compressed 8-bit alpha plane, present only when some pixel is not opaque. */
  readonly smask?: Buffer;
}

export interface DecodeOptions {
  /** Refuse images above this many pixels before decompressing (default 40 million). */
  maxPixels?: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DEFAULT_MAX_PIXELS = 40_000_000;

function invalid(message: string, cause?: unknown): AppError {
  return new AppError('IMAGE_INVALID', message, cause === undefined ? {} : { cause });
}

/** Sniffs PNG or JPEG by signature; anything else is IMAGE_INVALID. */
export function decodeImage(bytes: Buffer, opts: DecodeOptions = {}): DecodedImage {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return decodePng(bytes, opts);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, opts);
  throw invalid('not a PNG or JPEG image');
}

export function decodePng(bytes: Buffer, opts: DecodeOptions = {}): DecodedImage {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw invalid('not a PNG image');
  }
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  checkSize(width, height, opts);
  const colorType = bytes[25]!;
  const direct = pngPassThrough(bytes, width, height);
  if (direct) return direct;
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw invalid('corrupt PNG image', e);
  }
  // pngjs always hands back 8-bit RGBA (16-bit is scaled down, palettes and tRNS expanded).
  const px = png.width * png.height;
  const rgba = png.data;
  if (rgba.length < px * 4) throw invalid('corrupt PNG image (short data)');
  const grey = colorType === 0 || colorType === 4;
  const channels = grey ? 1 : 3;
  const color = Buffer.alloc(px * channels);
  const alpha = Buffer.alloc(px);
  let translucent = false;
  for (let i = 0, j = 0; i < px; i++, j += 4) {
    if (grey) color[i] = rgba[j]!;
    else {
      color[i * 3] = rgba[j]!;
      color[i * 3 + 1] = rgba[j + 1]!;
      color[i * 3 + 2] = rgba[j + 2]!;
    }
    const a = rgba[j + 3]!;
    alpha[i] = a;
    if (a !== 255) translucent = true;
  }
  return {
    format: 'png',
    width: png.width,
    height: png.height,
    colorSpace: grey ? 'DeviceGray' : 'DeviceRGB',
    data: deflateSync(color),
    filter: 'FlateDecode',
    ...(translucent ? { smask: deflateSync(alpha) } : {}),
  };
}

/**
 * Opaque 8-bit grey/RGB, non-interlaced PNGs (typical scans) keep their zlib data: PDF's
 * FlateDecode with /Predictor 15 reads PNG-filtered rows as they are (§7.4.4.4), which avoids
 * decoding and re-compressing megapixels. The file is still fully checked: chunk CRCs, the
 * inflated size and every row's filter type. Returns undefined when the PNG needs decoding.
 */
function pngPassThrough(bytes: Buffer, width: number, height: number): DecodedImage | undefined {
  const depth = bytes[24];
  const colorType = bytes[25];
  const interlace = bytes[28];
  if (depth !== 8 || (colorType !== 0 && colorType !== 2) || interlace !== 0) return undefined;
  const idat: Buffer[] = [];
  let pos = 8;
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > bytes.length) throw invalid('corrupt PNG image (truncated chunk)');
    const crc = bytes.readUInt32BE(pos + 8 + len);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + len)) >>> 0 !== crc)
      throw invalid(`corrupt PNG image (CRC of ${type.replace(/[^ -~]/g, '?')})`);
    if (type === 'IDAT') idat.push(bytes.subarray(pos + 8, pos + 8 + len));
    else if (type === 'tRNS')
      return undefined; // colour-key transparency needs a mask
    else if (type === 'IEND') {
      ended = true;
      break;
    } else if (type !== 'IHDR' && type !== 'PLTE' && /^[A-Z]/.test(type)) return undefined;
    pos += 12 + len;
  }
  if (!ended || idat.length === 0) throw invalid('corrupt PNG image (no image data or no end)');
  const channels = colorType === 2 ? 3 : 1;
  const rowBytes = width * channels + 1;
  const expected = rowBytes * height;
  const data = Buffer.concat(idat);
  let raw: Buffer;
  try {
    raw = inflateSync(data, { maxOutputLength: expected + 1 });
  } catch (e) {
    throw invalid('corrupt PNG image (image data)', e);
  }
  if (raw.length !== expected) throw invalid('corrupt PNG image (image data size)');
  for (let r = 0; r < expected; r += rowBytes) if (raw[r]! > 4) throw invalid('corrupt PNG image (row filter)');
  return {
    format: 'png',
    width,
    height,
    colorSpace: channels === 3 ? 'DeviceRGB' : 'DeviceGray',
    data,
    filter: 'FlateDecode',
    decodeParms: { predictor: 15, colors: channels, columns: width },
  };
}

/** Reads the SOF header (ITU-T T.81 §B.2.2) and keeps the bytes as they are. */
export function decodeJpeg(bytes: Buffer, opts: DecodeOptions = {}): DecodedImage {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw invalid('not a JPEG image');
  let pos = 2;
  let adobe = false;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw invalid('corrupt JPEG image (marker expected)');
    let marker = bytes[pos + 1]!;
    while (marker === 0xff && pos + 2 < bytes.length) marker = bytes[++pos + 1]!;
    pos += 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) break;
    if (pos + 2 > bytes.length) break;
    const len = bytes.readUInt16BE(pos);
    if (len < 2 || pos + len > bytes.length) throw invalid('corrupt JPEG image (segment length)');
    if (marker === 0xee && len >= 7 && bytes.toString('latin1', pos + 2, pos + 7) === 'Adobe') adobe = true;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (len < 8) throw invalid('corrupt JPEG image (SOF)');
      const precision = bytes[pos + 2]!;
      const height = bytes.readUInt16BE(pos + 3);
      const width = bytes.readUInt16BE(pos + 5);
      const components = bytes[pos + 7]!;
      if (precision !== 8) throw invalid(`JPEG with ${precision}-bit samples is not supported`);
      if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) throw invalid('lossless JPEG is not supported');
      checkSize(width, height, opts);
      const cs = components === 1 ? 'DeviceGray' : components === 3 ? 'DeviceRGB' : components === 4 ? 'DeviceCMYK' : null;
      if (!cs) throw invalid(`JPEG with ${components} components is not supported`);
      // Adobe APP14 may appear after SOF too; look ahead for it among the remaining headers.
      if (cs === 'DeviceCMYK' && !adobe) adobe = bytes.indexOf(Buffer.from('Adobe', 'latin1'), pos) > 0;
      return {
        format: 'jpeg',
        width,
        height,
        colorSpace: cs,
        data: bytes,
        filter: 'DCTDecode',
        ...(cs === 'DeviceCMYK' && adobe ? { decode: [1, 0, 1, 0, 1, 0, 1, 0] } : {}),
      };
    }
    pos += len;
  }
  throw invalid('corrupt JPEG image (no frame header)');
}

function checkSize(width: number, height: number, opts: DecodeOptions): void {
  if (width === 0 || height === 0) throw invalid('image has no pixels');
  if (width * height > (opts.maxPixels ?? DEFAULT_MAX_PIXELS)) {
    throw new AppError('IMAGE_INVALID', 'image too large', { details: { width, height } });
  }
}

const IMAGE_CACHE_MAX = 16;
const imageCache = new Map<string, DecodedImage>();

/**
 * decodeImage with a small LRU keyed by the bytes' SHA-256: the same seal or signature PNG is
 * stamped on many documents, and decoding + re-compressing it costs far more than hashing.
 */
export function decodeImageCached(bytes: Buffer, opts: DecodeOptions = {}): DecodedImage {
  const key = `${opts.maxPixels ?? DEFAULT_MAX_PIXELS}:${createHash('sha256').update(bytes).digest('hex')}`;
  const hit = imageCache.get(key);
  if (hit) {
    imageCache.delete(key);
    imageCache.set(key, hit);
    return hit;
  }
  const img = decodeImage(bytes, opts);
  imageCache.set(key, img);
  if (imageCache.size > IMAGE_CACHE_MAX) imageCache.delete(imageCache.keys().next().value!);
  return img;
}

/** The image XObject (id) and, with alpha, its soft mask (id + '.smask'); image last. */
export function imageObjects(img: DecodedImage, id: string): PdfObjectSpec[] {
  const out: PdfObjectSpec[] = [];
  const dict: Record<string, PdfValue> = {
    Type: pdfName('XObject'),
    Subtype: pdfName('Image'),
    Width: img.width,
    Height: img.height,
    ColorSpace: pdfName(img.colorSpace),
    BitsPerComponent: 8,
    Filter: pdfName(img.filter),
  };
  if (img.decode) dict['Decode'] = [...img.decode];
  if (img.decodeParms) {
    dict['DecodeParms'] = pdfDict({
      Predictor: img.decodeParms.predictor,
      Colors: img.decodeParms.colors,
      BitsPerComponent: 8,
      Columns: img.decodeParms.columns,
    });
  }
  if (img.smask) {
    const maskId = `${id}.smask`;
    out.push({
      id: maskId,
      dict: pdfDict({
        Type: pdfName('XObject'),
        Subtype: pdfName('Image'),
        Width: img.width,
        Height: img.height,
        ColorSpace: pdfName('DeviceGray'),
        BitsPerComponent: 8,
        Filter: pdfName('FlateDecode'),
        Length: img.smask.length,
      }),
      stream: img.smask,
    });
    dict['SMask'] = pdfRef(maskId);
  }
  dict['Length'] = img.data.length;
  out.push({ id, dict: pdfDict(dict), stream: img.data });
  return out;
}
