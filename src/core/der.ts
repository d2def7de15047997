/**
 * A small DER (ITU-T X.690 §10) writer. Certificates, CRLs, OCSP responses and CMS structures
 * are assembled from these TLV builders because object-model ASN.1 libraries (asn1js/pkijs,
 * @peculiar/asn1-schema) spend far more time encoding than the private-key operation itself
 * (~80-200 objects/s against ~1,000 RSA signatures/s); see the issuance benchmark.
 * Parsing stays with asn1js/pkijs, which are fine for reading.
 */

export type Der = Buffer;

/** Number of bytes the definite-form length octets take (X.690 §8.1.3). */
function lengthSize(len: number): number {
  if (len < 0x80) return 1;
  let n = 0;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  return 1 + n;
}

/** Writes identifier and length octets at `out[0..]`; returns the header size. */
function writeHeader(out: Buffer, tag: number, len: number): number {
  out[0] = tag;
  if (len < 0x80) {
    out[1] = len;
    return 2;
  }
  const n = lengthSize(len) - 1;
  out[1] = 0x80 | n;
  for (let i = n, v = len; i >= 1; i--, v = Math.floor(v / 256)) out[1 + i] = v & 0xff;
  return 2 + n;
}

/**
 * Tag-length-value with a one-byte tag (all tags we emit are low-tag-number form).
 * One allocation per element: encoding cost is dominated by allocations on the hot paths
 * (certificates, OCSP, CMS), so the header and contents are written into a single buffer.
 */
export function tlv(tag: number, content: Uint8Array | readonly Uint8Array[]): Der {
  if (content instanceof Uint8Array) {
    const len = content.length;
    const out = Buffer.allocUnsafe(1 + lengthSize(len) + len);
    out.set(content, writeHeader(out, tag, len));
    return out;
  }
  let len = 0;
  for (const p of content) len += p.length;
  const out = Buffer.allocUnsafe(1 + lengthSize(len) + len);
  let off = writeHeader(out, tag, len);
  for (const p of content) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const seq = (...items: Uint8Array[]): Der => tlv(0x30, items);
/** SET with items in the given order; use `setOf` for DER SET OF, which must be sorted. */
export const set = (...items: Uint8Array[]): Der => tlv(0x31, items);

/** DER SET OF: elements sorted as octet strings (X.690 §11.6), e.g. CMS signed attributes. */
export function setOf(items: readonly Uint8Array[]): Der {
  const sorted = [...items].sort((a, b) => Buffer.compare(a, b));
  return tlv(0x31, sorted);
}

/** INTEGER from a bigint, a safe integer, or an unsigned big-endian magnitude. */
export function int(value: bigint | number | Uint8Array): Der {
  let mag: Buffer;
  if (value instanceof Uint8Array) {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    mag = Buffer.from(value.subarray(i));
    if (mag.length === 0) mag = Buffer.from([0]);
    if ((mag[0] ?? 0) & 0x80) mag = Buffer.concat([Buffer.from([0]), mag]);
    return tlv(0x02, mag);
  }
  const v = BigInt(value);
  if (v < 0n) throw new TypeError('der.int: negative integers are not used here');
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  mag = Buffer.from(hex, 'hex');
  if ((mag[0] ?? 0) & 0x80) mag = Buffer.concat([Buffer.from([0]), mag]);
  return tlv(0x02, mag);
}

const oidCache = new Map<string, Der>();
/** OBJECT IDENTIFIER from dotted form; encodings are cached (a few dozen OIDs recur). */
export function oid(dotted: string): Der {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new TypeError(`der.oid: bad OID ${dotted}`);
  const first = (arcs[0] ?? 0n) * 40n + (arcs[1] ?? 0n);
  const body: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let a = arc;
    do {
      chunk.unshift(Number(a & 0x7fn));
      a >>= 7n;
    } while (a > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] ?? 0) | 0x80;
    body.push(...chunk);
  }
  const der = tlv(0x06, Buffer.from(body));
  oidCache.set(dotted, der);
  return der;
}

export const NULL: Der = Buffer.from([0x05, 0x00]);
export const bool = (v: boolean): Der => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const octets = (b: Uint8Array): Der => tlv(0x04, b);
export const utf8 = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string): Der => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5 = (s: string): Der => tlv(0x16, Buffer.from(s, 'ascii'));
export const enumerated = (n: number): Der => tlv(0x0a, int(n).subarray(2));

/** BIT STRING holding whole bytes (keys, signatures). */
export const bits = (b: Uint8Array, unusedBits = 0): Der => tlv(0x03, [Buffer.from([unusedBits]), b]);

/**
 * Named-bit BIT STRING (X.690 §11.2.2: trailing zero bits removed), e.g. keyUsage.
 * `bitsSet` are bit numbers as in the ASN.1 definition (0 = most significant bit of first byte).
 */
export function namedBits(bitsSet: readonly number[]): Der {
  if (bitsSet.length === 0) return Buffer.from([0x03, 0x01, 0x00]);
  const max = Math.max(...bitsSet);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of bitsSet) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  const unused = 7 - (max & 7);
  return tlv(0x03, [Buffer.from([unused]), bytes]);
}

/** [n] EXPLICIT — constructed context tag wrapping a complete element. */
export const explicit = (n: number, inner: Uint8Array): Der => tlv(0xa0 | n, inner);
/** [n] IMPLICIT with primitive content bytes. */
export const implicitPrim = (n: number, content: Uint8Array): Der => tlv(0x80 | n, content);
/** [n] IMPLICIT replacing the tag of a constructed element (SEQUENCE/SET) with its content. */
export const implicitCons = (n: number, ...content: Uint8Array[]): Der => tlv(0xa0 | n, content);

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function utcTime(d: Date): Der {
  const s = `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

/** GeneralizedTime, with fractional seconds only when `millis` is set and non-zero (X.690 §11.7). */
export function generalizedTime(d: Date, millis = false): Der {
  let s = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  if (millis && ms) s += `.${pad(ms, 3).replace(/0+$/, '')}`;
  return tlv(0x18, Buffer.from(s + 'Z', 'ascii'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(d: Date): Der {
  return d.getUTCFullYear() < 2050 ? utcTime(d) : generalizedTime(d);
}

/** AlgorithmIdentifier; parameters omitted when `params` is undefined, NULL when 'null'. */
export function algId(algOid: string, params?: Uint8Array | 'null'): Der {
  if (params === undefined) return seq(oid(algOid));
  return seq(oid(algOid), params === 'null' ? NULL : params);
}
