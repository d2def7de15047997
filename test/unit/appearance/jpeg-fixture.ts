/**
 * A tiny baseline JPEG encoder for solid-colour test images (ITU-T T.81, sequential Huffman):
 * quantisation 1, each block carries only its DC coefficient, the AC table has a single EOB code.
 * Enough to make real JPEG files (grey, YCbCr with JFIF, Adobe CMYK) without an image library.
 */

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALS = [0x00];

function canonicalCodes(bits: number[], vals: number[]): Map<number, { code: number; len: number }> {
  const out = new Map<number, { code: number; len: number }>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) out.set(vals[k++]!, { code: code++, len });
    code <<= 1;
  }
  return out;
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00);
    this.acc = 0;
    this.n = 0;
  }
  finish(): Buffer {
    while (this.n !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }
}

function segment(marker: number, body: number[] | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([0xff, marker, (b.length + 2) >> 8, (b.length + 2) & 0xff]), b]);
}

/** Samples: one value 0..255 per component (grey: [Y]; 'ycc': [Y, Cb, Cr]; 'cmyk': stored values). */
export function solidJpeg(width: number, height: number, samples: number[], kind: 'grey' | 'ycc' | 'cmyk'): Buffer {
  const nc = samples.length;
  const dc = canonicalCodes(DC_BITS, DC_VALS);
  const ac = canonicalCodes(AC_BITS, AC_VALS);
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (kind === 'ycc') parts.push(segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  // Adobe APP14, transform 0 (no colour transform) — marks the CMYK samples as Adobe-inverted.
  if (kind === 'cmyk') parts.push(segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 0]));
  parts.push(segment(0xdb, [0, ...new Array(64).fill(1)]));
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, nc];
  for (let c = 0; c < nc; c++) sof.push(c + 1, 0x11, 0);
  parts.push(segment(0xc0, sof));
  parts.push(segment(0xc4, [0x00, ...DC_BITS, ...DC_VALS]));
  parts.push(segment(0xc4, [0x10, ...AC_BITS, ...AC_VALS]));
  const sos = [nc];
  for (let c = 0; c < nc; c++) sos.push(c + 1, 0x00);
  sos.push(0, 63, 0);
  parts.push(segment(0xda, sos));
  const w = new BitWriter();
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const prev = new Array(nc).fill(0);
  for (let b = 0; b < blocks; b++) {
    for (let c = 0; c < nc; c++) {
      const value = 8 * (samples[c]! - 128); // DC of a uniform block with quantiser 1
      const diff = value - prev[c];
      prev[c] = value;
      const mag = Math.abs(diff);
      const cat = mag === 0 ? 0 : Math.floor(Math.log2(mag)) + 1;
      const h = dc.get(cat)!;
      w.write(h.code, h.len);
      if (cat > 0) w.write(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
      const eob = ac.get(0)!;
      w.write(eob.code, eob.len);
    }
  }
  parts.push(w.finish(), Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** JFIF RGB → YCbCr (ITU-T T.871). */
export function rgbToYcc(r: number, g: number, b: number): number[] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return [y, cb, cr].map((v) => Math.max(0, Math.min(255, Math.round(v))));
}
