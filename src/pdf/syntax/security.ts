import { PdfDict, PdfName, PdfStream, PdfString, type PdfObject } from './objects.js';

/**
 * The port through which the reader and writer apply a security handler (ISO 32000-1 §7.6).
 * The syntax layer does no cryptography itself: an implementation is injected by the caller
 * (src/pdf/sign provides the standard password handler).
 */
export interface SecurityHandler {
  /** True when opened with the owner password (all permissions, §7.6.3.2). */
  readonly owner: boolean;
  /** The /P permission bits (§7.6.3.2 Table 22). */
  readonly permissions: number;
  decryptString(data: Buffer, num: number, gen: number): Buffer;
  decryptStream(data: Buffer, num: number, gen: number): Buffer;
  encryptString(data: Buffer, num: number, gen: number): Buffer;
  encryptStream(data: Buffer, num: number, gen: number): Buffer;
}

/** Builds a handler for the /Encrypt dictionary, or throws PDF_ENCRYPTED (wrong password, unsupported handler). */
export type SecurityHandlerFactory = (encrypt: PdfDict, firstId: Buffer) => SecurityHandler;

/** Signature dictionaries keep /Contents in clear (ISO 32000-2 §7.6.2). */
function isSignatureDict(d: PdfDict): boolean {
  const t = d.get('Type');
  return d.has('ByteRange') && (t === undefined || (t instanceof PdfName && (t.name === 'Sig' || t.name === 'DocTimeStamp')));
}

/**
 * Applies `f` to every string of an indirect object (§7.6.2: strings and streams are encrypted
 * with the object's number and generation; the stream *data* is handled separately).
 */
export function mapStrings(o: PdfObject, f: (b: Buffer) => Buffer, depth = 0): PdfObject {
  if (depth > 256) return o;
  if (o instanceof PdfString) return new PdfString(f(o.bytes), o.hex);
  if (Array.isArray(o)) return o.map((x) => mapStrings(x, f, depth + 1));
  if (o instanceof PdfDict) {
    const sig = isSignatureDict(o);
    const out = new PdfDict();
    for (const [k, v] of o.map) out.set(k, sig && k === 'Contents' ? v : mapStrings(v, f, depth + 1));
    return out;
  }
  if (o instanceof PdfStream) return new PdfStream(mapStrings(o.dict, f, depth + 1) as PdfDict, o.raw, o.dataOffset);
  return o;
}

/** Whether a stream's data is encrypted: not for xref streams (§7.5.8.2), nor /Identity crypt filters. */
export function streamIsEncrypted(s: PdfStream): boolean {
  if (s.dict.getName('Type') === 'XRef') return false;
  const f = s.dict.get('Filter');
  const first = Array.isArray(f) ? f[0] : f;
  if (first instanceof PdfName && first.name === 'Crypt') {
    const p = s.dict.get('DecodeParms');
    const pd = Array.isArray(p) ? p[0] : p;
    const n = pd instanceof PdfDict ? pd.getName('Name') : undefined;
    return n !== undefined && n !== 'Identity';
  }
  return true;
}
