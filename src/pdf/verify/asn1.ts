/**
 * A small BER/DER TLV reader (ITU-T X.690 §8.1) that keeps exact byte spans. The validator needs
 * the signed attributes *as transmitted* (RFC 5652 §5.4: the signature covers their DER
 * encoding, re-tagged as SET OF) and the TBS parts of certificates, CRLs and OCSP responses,
 * so it reads structures itself instead of re-encoding them through a library.
 */
export interface Tlv {
  readonly tag: number;
  readonly cls: number;
  readonly cons: boolean;
  readonly start: number;
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly end: number;
  readonly buf: Buffer;
}

export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Asn1Error';
  }
}

export function readTlv(buf: Buffer, pos = 0, limit = buf.length, depth = 0): Tlv {
  if (depth > 64) throw new Asn1Error('ASN.1 nesting too deep');
  if (pos + 2 > limit) throw new Asn1Error('truncated TLV');
  const b0 = buf[pos]!;
  let p = pos + 1;
  let tag = b0 & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 4) throw new Asn1Error('bad tag');
      const c = buf[p++]!;
      tag = tag * 128 + (c & 0x7f);
      if (!(c & 0x80)) break;
    }
  }
  const cons = (b0 & 0x20) !== 0;
  const l0 = buf[p++];
  if (l0 === undefined) throw new Asn1Error('truncated length');
  if (l0 === 0x80) {
    if (!cons) throw new Asn1Error('indefinite length on a primitive');
    const contentStart = p;
    let q = p;
    for (;;) {
      if (q + 2 > limit) throw new Asn1Error('unterminated indefinite length');
      if (buf[q] === 0 && buf[q + 1] === 0) break;
      q = readTlv(buf, q, limit, depth + 1).end;
    }
    return { tag, cls: b0 >> 6, cons, start: pos, contentStart, contentEnd: q, end: q + 2, buf };
  }
  let len = l0;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n > 4) throw new Asn1Error('length too long');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] ?? 0);
  }
  const end = p + len;
  if (end > limit) throw new Asn1Error('TLV runs past its container');
  return { tag, cls: b0 >> 6, cons, start: pos, contentStart: p, contentEnd: end, end, buf };
}

export function children(t: Tlv, depth = 0): Tlv[] {
  if (!t.cons) throw new Asn1Error('not constructed');
  const out: Tlv[] = [];
  let p = t.contentStart;
  while (p < t.contentEnd) {
    const c = readTlv(t.buf, p, t.contentEnd, depth + 1);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const raw = (t: Tlv): Buffer => t.buf.subarray(t.start, t.end);
export const content = (t: Tlv): Buffer => t.buf.subarray(t.contentStart, t.contentEnd);
export const isUniversal = (t: Tlv, tag: number): boolean => t.cls === 0 && t.tag === tag;
export const isContext = (t: Tlv, tag: number): boolean => t.cls === 2 && t.tag === tag;

/** OCTET STRING content, also for BER constructed (chunked) encodings. */
export function octets(t: Tlv): Buffer {
  if (!t.cons) return content(t);
  return Buffer.concat(children(t).map(octets));
}

export function oid(t: Tlv): string {
  if (t.tag !== 6) throw new Asn1Error('not an OID');
  const b = content(t);
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export function intValue(t: Tlv): bigint {
  const b = content(t);
  if (b.length === 0) return 0n;
  let v = BigInt.asIntN(8, BigInt(b[0]!));
  for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** UTCTime / GeneralizedTime to Date (RFC 5280 §4.1.2.5). */
export function timeValue(t: Tlv): Date {
  const s = content(t).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === 23 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  }
  if (t.tag === 24 && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/))) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    let d = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
    const z = m[8];
    if (z && z !== 'Z') d -= (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
    return new Date(d);
  }
  throw new Asn1Error(`bad time ${s}`);
}

/** Is a SET OF encoded in DER order (X.690 §11.6: ascending by encoding)? */
export function isDerSorted(elements: Buffer[]): boolean {
  for (let i = 1; i < elements.length; i++) if (Buffer.compare(elements[i - 1]!, elements[i]!) > 0) return false;
  return true;
}
