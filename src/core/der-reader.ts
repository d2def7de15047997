import { AppError } from './errors.js';
import type { ErrorCode } from './error-codes.js';

/**
 * The one zero-copy ASN.1 BER/DER reader (ITU-T X.690 §8) of the service. It slices structures
 * into exact byte ranges instead of decoding and re-encoding them, because signatures cover bytes
 * as transmitted: CMS signed attributes (RFC 5652 §5.4), a certificate's tbsCertificate, CRL and
 * OCSP tbs parts, and names compared byte for byte (RFC 5280 §7.1).
 *
 * BER tolerance (indefinite lengths X.690 §8.1.3.6, constructed OCTET STRINGs §8.7.3, high tag
 * numbers §8.1.2.4) is on by default because signatures made by other tools use it; `{ der: true }`
 * refuses what DER forbids (indefinite and non-minimal lengths, X.690 §10.1) for input we must
 * judge as DER (CSRs, our own certificates).
 *
 * Every failure is an AppError with a code the caller chooses (default BAD_REQUEST), so a parser
 * maps "unreadable ASN.1" to its own stable code; a caller that must never throw wraps the call.
 */
export interface DerNode {
  /** First identifier octet (class | constructed | tag number, or 0x1f-form for high tags). */
  readonly tag: number;
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  readonly tagClass: number;
  /** Tag number, including the high-tag-number form. */
  readonly tagNumber: number;
  readonly constructed: boolean;
  readonly indefinite: boolean;
  /** The buffer the offsets refer to. */
  readonly buf: Buffer;
  /** Offset of the identifier octet. */
  readonly start: number;
  readonly contentStart: number;
  /** End of the contents (before end-of-contents for BER indefinite lengths). */
  readonly contentEnd: number;
  /** Offset just after the element. */
  readonly end: number;
  /** The complete element: identifier, length and contents (incl. end-of-contents for BER). */
  readonly raw: Buffer;
  /** The contents octets (without end-of-contents). */
  readonly content: Buffer;
}

export interface DerReadOptions {
  /** Refuse BER-only encodings (indefinite or non-minimal lengths). */
  readonly der?: boolean;
  /** Do not read past this offset (default: the buffer's end). */
  readonly limit?: number;
}

const MAX_DEPTH = 64;
const DEFAULT_CODE: ErrorCode = 'BAD_REQUEST';

export function derError(code: ErrorCode, message: string): AppError {
  return new AppError(code, message);
}

/** Reads one element at `pos`; throws AppError(`code`) on truncation or bad lengths. */
export function readDer(buf: Buffer, pos = 0, code: ErrorCode = DEFAULT_CODE, options: DerReadOptions = {}): DerNode {
  return readAt(buf, pos, options.limit ?? buf.length, code, options.der === true, 0);
}

function readAt(buf: Buffer, pos: number, limit: number, code: ErrorCode, der: boolean, depth: number): DerNode {
  if (depth > MAX_DEPTH) throw derError(code, 'ASN.1 nesting too deep');
  if (pos < 0 || pos + 2 > limit) throw derError(code, 'truncated ASN.1 element');
  const tag = buf[pos]!;
  const constructed = (tag & 0x20) !== 0;
  let p = pos + 1;
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 3) throw derError(code, 'bad ASN.1 tag');
      const c = buf[p++]!;
      tagNumber = tagNumber * 128 + (c & 0x7f);
      if (!(c & 0x80)) break;
    }
  }
  if (p >= limit) throw derError(code, 'truncated ASN.1 length');
  const lenByte = buf[p++]!;
  if (lenByte === 0x80) {
    if (der) throw derError(code, 'indefinite length is not DER');
    if (!constructed) throw derError(code, 'indefinite length on a primitive element');
    // BER indefinite: walk children until end-of-contents (00 00).
    const contentStart = p;
    let q = p;
    for (;;) {
      if (q + 2 > limit) throw derError(code, 'unterminated indefinite-length element');
      if (buf[q] === 0 && buf[q + 1] === 0) break;
      q = readAt(buf, q, limit, code, der, depth + 1).end;
    }
    return node(buf, tag, tagNumber, constructed, true, pos, contentStart, q, q + 2);
  }
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n > 4 || p + n > limit) throw derError(code, 'bad ASN.1 length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (der && (len < 0x80 || buf[p] === 0)) throw derError(code, 'non-minimal DER length');
    p += n;
  }
  const end = p + len;
  if (end > limit) throw derError(code, 'ASN.1 element runs past the end of its container');
  return node(buf, tag, tagNumber, constructed, false, pos, p, end, end);
}

/**
 * Nodes are class instances whose `raw`/`content` slices are made on access: parsers on hot paths
 * (OCSP requests, CSRs, certificates) walk many elements and use few slices, and a Buffer view per
 * element costs more than the read itself.
 */
class Node implements DerNode {
  constructor(
    readonly buf: Buffer,
    readonly tag: number,
    readonly tagNumber: number,
    readonly constructed: boolean,
    readonly indefinite: boolean,
    readonly start: number,
    readonly contentStart: number,
    readonly contentEnd: number,
    readonly end: number,
  ) {}

  get tagClass(): number {
    return this.tag >> 6;
  }

  get raw(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  get content(): Buffer {
    return this.buf.subarray(this.contentStart, this.contentEnd);
  }
}

function node(
  buf: Buffer,
  tag: number,
  tagNumber: number,
  constructed: boolean,
  indefinite: boolean,
  start: number,
  contentStart: number,
  contentEnd: number,
  end: number,
): DerNode {
  return new Node(buf, tag, tagNumber, constructed, indefinite, start, contentStart, contentEnd, end);
}

/** Children of a constructed element (offsets stay relative to the same buffer). */
export function children(parent: DerNode, code: ErrorCode = DEFAULT_CODE, options: Pick<DerReadOptions, 'der'> = {}): DerNode[] {
  if (!parent.constructed) throw derError(code, 'expected a constructed ASN.1 element');
  const out: DerNode[] = [];
  let p = parent.contentStart;
  while (p < parent.contentEnd) {
    const c = readAt(parent.buf, p, parent.contentEnd, code, options.der === true, 0);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The node when its first identifier octet is `tag`, else AppError(`code`) naming `what`. */
export function expectTag(node: DerNode | undefined, tag: number, what: string, code: ErrorCode = DEFAULT_CODE): DerNode {
  if (!node || node.tag !== tag) throw derError(code, `${what}: unexpected ASN.1 structure`);
  return node;
}

/** Context-specific tag [n] (either form)? */
export function isContext(node: DerNode | undefined, n: number): boolean {
  return node !== undefined && node.tagClass === 2 && node.tagNumber === n;
}

/** OBJECT IDENTIFIER contents → dotted string (X.690 §8.19); arcs of any size. */
export function decodeOidContent(bytes: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of bytes) {
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

export function decodeOid(node: DerNode, code: ErrorCode = DEFAULT_CODE): string {
  if (node.tag !== 0x06 || node.content.length === 0) throw derError(code, 'expected an OBJECT IDENTIFIER');
  return decodeOidContent(node.content);
}

/** INTEGER → bigint (two's complement, X.690 §8.3). */
export function decodeInteger(node: DerNode, code: ErrorCode = DEFAULT_CODE): bigint {
  if (node.tag !== 0x02 || node.content.length === 0) throw derError(code, 'expected an INTEGER');
  let v = BigInt('0x' + node.content.toString('hex'));
  if (node.content[0]! & 0x80) v -= 1n << BigInt(node.content.length * 8);
  return v;
}

/** Small INTEGER → number. */
export function decodeSmallInt(node: DerNode, code: ErrorCode = DEFAULT_CODE): number {
  const v = decodeInteger(node, code);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw derError(code, 'INTEGER out of range');
  return Number(v);
}

/**
 * UTCTime / GeneralizedTime → Date. UTCTime two-digit years per RFC 5280 §4.1.2.5.1; the
 * GeneralizedTime reading is BER-tolerant (optional minutes/seconds, fractions, local offsets),
 * as timestamp tokens and OCSP responses from other producers use them.
 */
export function decodeTime(node: DerNode, code: ErrorCode = DEFAULT_CODE): Date {
  const s = node.content.toString('latin1');
  let m: RegExpMatchArray | null;
  if (node.tag === 0x17 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/))) {
    const yy = Number(m[1]);
    return new Date(
      Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)),
    );
  }
  if (node.tag === 0x18 && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/))) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
    const z = m[8];
    if (z && z !== 'Z') t -= (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
    return new Date(t);
  }
  throw derError(code, 'bad time value');
}

/** OCTET STRING contents, also for BER constructed (chunked) encodings (X.690 §8.7.3). */
export function octetString(node: DerNode, code: ErrorCode = DEFAULT_CODE): Buffer {
  if (node.tag === 0x04) return node.content;
  if (node.tag === 0x24) return Buffer.concat(children(node, code).map((c) => octetString(c, code)));
  throw derError(code, 'expected an OCTET STRING');
}

/** Is a SET OF encoded in DER order (X.690 §11.6: ascending by encoding)? */
export function isDerSorted(elements: readonly Buffer[]): boolean {
  for (let i = 1; i < elements.length; i++) if (Buffer.compare(elements[i - 1]!, elements[i]!) > 0) return false;
  return true;
}
