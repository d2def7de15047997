import { inflateSync } from 'node:zlib';
import type { DecodedImage } from './images.js';

/**
 * The part of an image that is actually painted, in image pixels (top-left origin): the bounding
 * box of the pixels whose alpha is at least `minAlpha`. A seal PNG usually has a transparent
 * margin; a seal "drawn at 36 mm" means its visible ink is 36 mm across, so stamps scale the
 * image by this box, not by the file's canvas. Images without an alpha plane are visible whole.
 */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const cache = new WeakMap<DecodedImage, PixelBox>();

export function visibleBounds(img: DecodedImage, minAlpha = 64): PixelBox {
  const hit = cache.get(img);
  if (hit) return hit;
  const whole: PixelBox = { left: 0, top: 0, width: img.width, height: img.height };
  let box = whole;
  if (img.smask) {
    const alpha = inflateSync(img.smask);
    let x0 = img.width;
    let y0 = img.height;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < img.height; y++) {
      const row = y * img.width;
      for (let x = 0; x < img.width; x++) {
        if (alpha[row + x]! < minAlpha) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    // A fully transparent image has nothing to measure; treat it as whole so layout stays defined.
    if (x1 >= 0) box = { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }
  cache.set(img, box);
  return box;
}
