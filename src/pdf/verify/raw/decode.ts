/**
 * Stream decoding for the validator's reader: FlateDecode with PNG/TIFF predictors
 * (ISO 32000-1 §7.4.4), bounded by the decoded-size and inflate-ratio limits (rule 14).
 * Only what xref streams and object streams need; content streams are never decoded.
 */
import { inflateSync, constants as zc } from 'node:zlib';
import { VerifyLimitError, type VerifyLimits } from '../limits.js';
import { PdfDict, PdfName, asInt, type PdfValue } from './objects.js';

export function decodeStreamData(raw: Buffer, dict: PdfDict, limits: VerifyLimits, resolve: (v: PdfValue | undefined) => PdfValue | undefined): Buffer {
  const f = resolve(dict.get('Filter'));
  const filters: string[] = f instanceof PdfName ? [f.name] : Array.isArray(f) ? f.map((x) => (x instanceof PdfName ? x.name : '?')) : [];
  const parmsRaw = resolve(dict.get('DecodeParms'));
  const parms: (PdfValue | undefined)[] = Array.isArray(parmsRaw) ? parmsRaw : [parmsRaw];
  let data = raw;
  filters.forEach((name, i) => {
    if (name !== 'FlateDecode' && name !== 'Fl') throw new Error(`unsupported filter ${name}`);
    data = inflateBounded(data, limits);
    const p = resolve(parms[i]);
    if (p instanceof PdfDict) data = unpredict(data, p);
  });
  return data;
}

function inflateBounded(data: Buffer, limits: VerifyLimits): Buffer {
  const max = Math.min(limits.maxDecodedBytes, Math.max(64 * 1024, data.length * limits.maxInflateRatio));
  try {
    return inflateSync(data, { maxOutputLength: max });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VerifyLimitError('inflate', `stream inflates beyond ${max} bytes`);
    }
    // truncated or trailing-garbage streams: keep what decodes (as most readers do)
    try {
      return inflateSync(data, { maxOutputLength: max, finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e2) {
      if (e2 instanceof RangeError) throw new VerifyLimitError('inflate', `stream inflates beyond ${max} bytes`);
      throw e2;
    }
  }
}

/** PNG predictors (ISO 32000-1 Table 8, RFC 2083 §6) as used by xref streams. */
function unpredict(data: Buffer, p: PdfDict): Buffer {
  const predictor = asInt(p.get('Predictor')) ?? 1;
  if (predictor < 10) return data;
  const colors = asInt(p.get('Colors')) ?? 1;
  const bpc = asInt(p.get('BitsPerComponent')) ?? 8;
  const columns = asInt(p.get('Columns')) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (rowLen <= 0) return data;
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = Buffer.alloc(rows * rowLen);
  const prev = Buffer.alloc(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const row = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const cur = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const left = i >= bpp ? cur[i - bpp]! : 0;
      const up = prev[i]!;
      const ul = i >= bpp ? prev[i - bpp]! : 0;
      const x = row[i]!;
      let v: number;
      switch (type) {
        case 1: v = x + left; break;
        case 2: v = x + up; break;
        case 3: v = x + ((left + up) >> 1); break;
        case 4: {
          const pp = left + up - ul;
          const pa = Math.abs(pp - left), pb = Math.abs(pp - up), pc = Math.abs(pp - ul);
          v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : ul);
          break;
        }
        default: v = x;
      }
      cur[i] = v & 0xff;
    }
    cur.copy(prev);
  }
  return out;
}
