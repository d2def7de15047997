import { AppError } from '../core/errors.js';
import type { ErrorCode } from '../core/error-codes.js';

/**
 * A tiny zero-copy DER/BER reader (ITU-T X.690 §8) used to slice CMS, certificates, timestamp
 * requests and tokens into raw byte ranges. Raw slices matter: CMS signatures cover the signed
 * attributes exactly as transmitted (RFC 5652 §5.4), and the ESS/issuerAndSerial identifiers must
 * reproduce the certificate's own bytes, so we never decode-and-re-encode what we did not build.
 *
 * Accepts BER indefinite lengths (X.690 §8.1.3.6) because signatures made by other tools (older
 * Adobe/Windows CMS encoders) use them; our own output is always DER.
 */
export interface DerNode {
  /** First identifier octet (class | constructed | tag number < 31). */
  readonly tag: number;
  /** The complete element: identifier, length and contents (incl. end-of-contents for BER). */
  readonly raw: Buffer;
  /** The contents octets (without end-of-contents). */
  readonly content: Buffer;
  readonly constructed: boolean;
  readonly indefinite: boolean;
}

const MAX_DEPTH = 64;

export function derError(code: ErrorCode, message: string): AppError {
  return new AppError(code, message);
}

/** Reads one element at `pos`; throws `code` (default CMS_MALFORMED) on truncation or bad lengths. */
export function readDer(buf: Buffer, pos = 0, code: ErrorCode = 'CMS_MALFORMED', depth = 0): DerNode {
  if (depth > MAX_DEPTH) throw derError(code, 'ASN.1 nesting too deep');
  if (pos + 2 > buf.length) throw derError(code, 'truncated ASN.1 element');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw derError(code, 'high tag numbers are not used in these structures');
  const constructed = (tag & 0x20) !== 0;
  let lenByte = buf[pos + 1]!;
  let hdr = 2;
  if (lenByte === 0x80) {
    if (!constructed) throw derError(code, 'indefinite length on a primitive element');
    // BER indefinite: walk children until end-of-contents (00 00).
    let p = pos + 2;
    for (;;) {
      if (p + 2 > buf.length) throw derError(code, 'unterminated indefinite-length element');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      const child = readDer(buf, p, code, depth + 1);
      p += child.raw.length;
    }
    return {
      tag,
      raw: buf.subarray(pos, p + 2),
      content: buf.subarray(pos + 2, p),
      constructed,
      indefinite: true,
    };
  }
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n > 4 || pos + 2 + n > buf.length) throw derError(code, 'bad ASN.1 length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    hdr += n;
  }
  const end = pos + hdr + len;
  if (end > buf.length) throw derError(code, 'ASN.1 element runs past the end of its container');
  return {
    tag,
    raw: buf.subarray(pos, end),
    content: buf.subarray(pos + hdr, end),
    constructed,
    indefinite: false,
  };
}

/** Children of a constructed element. */
export function children(node: DerNode, code: ErrorCode = 'CMS_MALFORMED'): DerNode[] {
  if (!node.constructed) throw derError(code, 'expected a constructed ASN.1 element');
  const out: DerNode[] = [];
  const base = node.content;
  let p = 0;
  while (p < base.length) {
    const c = readDer(base, p, code);
    out.push(c);
    p += c.raw.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string, code: ErrorCode = 'CMS_MALFORMED'): DerNode {
  if (!node || node.tag !== tag) throw derError(code, `${what}: unexpected ASN.1 structure`);
  return node;
}

/** OBJECT IDENTIFIER content → dotted string (X.690 §8.19). */
export function decodeOid(node: DerNode, code: ErrorCode = 'CMS_MALFORMED'): string {
  if (node.tag !== 0x06 || node.content.length === 0) throw derError(code, 'expected an OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of node.content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const a0 = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [a0, first - a0 * 40n, ...arcs].join('.');
}

/** INTEGER → bigint (two's complement). */
export function decodeInteger(node: DerNode, code: ErrorCode = 'CMS_MALFORMED'): bigint {
  if (node.tag !== 0x02 || node.content.length === 0) throw derError(code, 'expected an INTEGER');
  let v = BigInt('0x' + node.content.toString('hex'));
  if (node.content[0]! & 0x80) v -= 1n << BigInt(node.content.length * 8);
  return v;
}

/** Small INTEGER → number. */
export function decodeSmallInt(node: DerNode, code: ErrorCode = 'CMS_MALFORMED'): number {
  const v = decodeInteger(node, code);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw derError(code, 'INTEGER out of range');
  return Number(v);
}

/** UTCTime / GeneralizedTime → Date (RFC 5280 §4.1.2.5 interpretation of two-digit years). */
export function decodeTime(node: DerNode, code: ErrorCode = 'CMS_MALFORMED'): Date {
  const s = node.content.toString('latin1');
  let m: RegExpMatchArray | null;
  if (node.tag === 0x17) {
    m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/);
    if (m) {
      const yy = Number(m[1]);
      return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
    }
  } else if (node.tag === 0x18) {
    m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/);
    if (m) {
      const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
      return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
    }
  }
  throw derError(code, 'bad time value');
}

/** The DER of a constructed element re-tagged (e.g. [0] IMPLICIT signed attributes → SET 0x31). */
export function retag(node: DerNode, tag: number): Buffer {
  if (node.indefinite) throw derError('CMS_MALFORMED', 'cannot re-tag an indefinite-length element');
  const out = Buffer.from(node.raw);
  out[0] = tag;
  return out;
}
