import { inflateSync, constants as zc } from 'node:zlib';
import { malformed } from './parser.js';
import { checkDeadline, limitExceeded, type PdfLimits } from './limits.js';
import { PdfDict, PdfName, type PdfObject, type PdfStream } from './objects.js';

/**
 * Stream filters (ISO 32000-1 §7.4): FlateDecode with PNG/TIFF predictors (§7.4.4.4), ASCIIHex,
 * ASCII85. Enough for xref streams, object streams and the material a verifier inspects (CMS,
 * certificates, OCSP/CRL in the DSS). Image codecs (DCT, JBIG2, JPX, CCITT) are passed through
 * untouched by callers that do not need pixels; here they are refused.
 */

function asArray(o: PdfObject | undefined): PdfObject[] {
  if (o === undefined || o === null) return [];
  return Array.isArray(o) ? o : [o];
}

function inflateLimited(data: Buffer, limits: PdfLimits): Buffer {
  const max = Math.min(limits.maxStreamBytes, Math.max(limits.minInflateBytes, data.length * limits.maxInflateRatio));
  checkDeadline(limits);
  try {
    return inflateSync(data, { maxOutputLength: max, finishFlush: zc.Z_SYNC_FLUSH });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(String((e as Error).message)))
      throw limitExceeded('inflate', `stream inflates beyond ${max} bytes`, e);
    throw malformed('FlateDecode stream is corrupt', { cause: String((e as Error).message) });
  }
}

/** §7.4.4.4 predictors: 2 = TIFF, ≥ 10 = PNG (per-row filter byte). */
function unpredict(data: Buffer, parms: PdfDict | undefined): Buffer {
  if (!parms) return data;
  const predictor = parms.getNumber('Predictor') ?? 1;
  if (predictor <= 1) return data;
  const colors = parms.getNumber('Colors') ?? 1;
  const bpc = parms.getNumber('BitsPerComponent') ?? 8;
  const columns = parms.getNumber('Columns') ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw malformed('TIFF predictor supported for 8-bit components only');
    const out = Buffer.from(data);
    for (let r = 0; r + rowLen <= out.length; r += rowLen)
      for (let i = bpp; i < rowLen; i++) out[r + i] = (out[r + i]! + out[r + i - bpp]!) & 0xff;
    return out;
  }
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = Buffer.alloc(rows * rowLen);
  let prev = Buffer.alloc(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const cur = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const x = src[i]!;
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const up = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + up;
          break;
        case 3:
          v = x + ((a + up) >> 1);
          break;
        case 4: {
          const p = a + up - c;
          const pa = Math.abs(p - a),
            pb = Math.abs(p - up),
            pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? up : c);
          break;
        }
        default:
          throw malformed(`unknown PNG predictor row type ${type}`);
      }
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}

function asciiHex(data: Buffer): Buffer {
  let s = data.toString('latin1', 0, data.length);
  const gt = s.indexOf('>');
  if (gt >= 0) s = s.slice(0, gt);
  s = s.replace(/[\0\t\n\f\r ]/g, '');
  if (/[^0-9a-fA-F]/.test(s)) throw malformed('invalid ASCIIHexDecode data');
  if (s.length % 2) s += '0';
  return Buffer.from(s, 'hex');
}

function ascii85(data: Buffer): Buffer {
  let s = data.toString('latin1', 0, data.length).replace(/[\0\t\n\f\r ]/g, '');
  if (s.startsWith('<~')) s = s.slice(2);
  const end = s.indexOf('~>');
  if (end >= 0) s = s.slice(0, end);
  const out: number[] = [];
  let group: number[] = [];
  for (const ch of s) {
    if (ch === 'z' && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const v = ch.charCodeAt(0) - 33;
    if (v < 0 || v > 84) throw malformed('invalid ASCII85Decode data');
    group.push(v);
    if (group.length === 5) {
      let n = 0;
      for (const g of group) n = n * 85 + g;
      out.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
      group = [];
    }
  }
  if (group.length > 1) {
    const k = group.length;
    while (group.length < 5) group.push(84);
    let n = 0;
    for (const g of group) n = n * 85 + g;
    const bytes = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    out.push(...bytes.slice(0, k - 1));
  }
  return Buffer.from(out);
}

/**
 * Decodes a stream's data through its /Filter chain. `resolve` dereferences indirect filter
 * parameters. Throws PDF_MALFORMED for unsupported or corrupt filters, PDF_LIMIT_EXCEEDED for bombs.
 */
export function decodeStreamData(
  stream: PdfStream,
  limits: PdfLimits,
  resolve: (o: PdfObject | undefined) => PdfObject | undefined = (o) => o,
): Buffer {
  const filters = asArray(resolve(stream.dict.get('Filter')));
  const parms = asArray(resolve(stream.dict.get('DecodeParms')));
  let data = stream.raw;
  for (let i = 0; i < filters.length; i++) {
    const f = resolve(filters[i]);
    if (!(f instanceof PdfName)) throw malformed('stream /Filter is not a name');
    const p = resolve(parms[i]);
    const pd = p instanceof PdfDict ? p : undefined;
    switch (f.name) {
      case 'FlateDecode':
      case 'Fl':
        data = unpredict(inflateLimited(data, limits), pd);
        break;
      case 'ASCIIHexDecode':
      case 'AHx':
        data = asciiHex(data);
        break;
      case 'ASCII85Decode':
      case 'A85':
        data = ascii85(data);
        break;
      case 'Crypt':
        break; // §7.4.10: the security handler has already decrypted (or the filter is /Identity)
      default:
        throw malformed(`unsupported stream filter /${f.name}`, { filter: f.name });
    }
    if (data.length > limits.maxStreamBytes) throw limitExceeded('inflate', 'decoded stream too large');
  }
  return data;
}
