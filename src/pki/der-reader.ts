/**
 * A minimal DER reader (X.690 §8.1) that returns byte offsets instead of objects. The builders
 * need exact sub-slices of existing structures (an issuer's subject Name, a SubjectPublicKeyInfo,
 * the tbsCertificate of a CSR) and must not re-encode them: copying the original bytes keeps
 * name matching byte-exact (RFC 5280 §7.1) and is far faster than an object model.
 */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just after the element. */
  readonly end: number;
}

export class DerReadError extends Error {}

/** Reads one TLV at `offset`; throws DerReadError on truncation, indefinite length or high-tag form. */
export function readTlv(buf: Uint8Array, offset = 0, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerReadError('truncated DER');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerReadError('high tag numbers are not supported');
  let p = offset + 1;
  const first = buf[p++] as number;
  let len: number;
  if (first < 0x80) len = first;
  else {
    const n = first & 0x7f;
    if (n === 0) throw new DerReadError('indefinite length is not DER');
    if (n > 4) throw new DerReadError('length too large');
    if (p + n > limit) throw new DerReadError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
    if (len < 0x80 || (n > 1 && buf[p - n] === 0)) throw new DerReadError('non-minimal DER length');
  }
  const end = p + len;
  if (end > limit) throw new DerReadError('truncated DER content');
  return { tag, start: offset, contentStart: p, end };
}

/** The children of a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

export function slice(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.start, t.end);
}

export function content(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.contentStart, t.end);
}

/** Decodes an OBJECT IDENTIFIER's content bytes to dotted form. */
export function decodeOid(bytes: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of bytes) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const a = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [a, first - a * 40n, ...arcs].join('.');
}

/** Parts of an X.509 certificate the CA needs, as exact byte slices (RFC 5280 §4.1). */
export interface CertificateParts {
  readonly tbs: Buffer;
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly spki: Buffer;
  /** The BIT STRING payload of subjectPublicKey (what SKI/OCSP key hashes are computed over). */
  readonly publicKeyBits: Buffer;
  readonly notBefore: Buffer;
  readonly notAfter: Buffer;
  /** Raw extensions (each Extension SEQUENCE), empty when absent. */
  readonly extensions: { oid: string; critical: boolean; value: Buffer }[];
}

export function certificateParts(der: Buffer): CertificateParts {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new DerReadError('not a certificate');
  const [tbsT] = children(der, cert);
  if (!tbsT || tbsT.tag !== 0x30) throw new DerReadError('no tbsCertificate');
  const f = children(der, tbsT);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++;
  const serialT = f[i];
  const issuerT = f[i + 2];
  const validityT = f[i + 3];
  const subjectT = f[i + 4];
  const spkiT = f[i + 5];
  if (!serialT || !issuerT || !validityT || !subjectT || !spkiT) throw new DerReadError('incomplete tbsCertificate');
  const [nb, na] = children(der, validityT);
  const [, pkBits] = children(der, spkiT);
  if (!nb || !na || !pkBits || pkBits.tag !== 0x03) throw new DerReadError('bad validity or key');
  const extensions: CertificateParts['extensions'] = [];
  for (const t of f.slice(i + 6)) {
    if (t.tag !== 0xa3) continue;
    const [exts] = children(der, t);
    if (!exts) continue;
    for (const e of children(der, exts)) {
      const parts = children(der, e);
      const oidT = parts[0];
      const last = parts[parts.length - 1];
      if (!oidT || !last) continue;
      const critical = parts.length === 3 && der[parts[1]!.contentStart] === 0xff;
      extensions.push({ oid: decodeOid(content(der, oidT)), critical, value: content(der, last) });
    }
  }
  return {
    tbs: slice(der, tbsT),
    serial: content(der, serialT),
    issuer: slice(der, issuerT),
    subject: slice(der, subjectT),
    spki: slice(der, spkiT),
    publicKeyBits: der.subarray(pkBits.contentStart + 1, pkBits.end),
    notBefore: slice(der, nb),
    notAfter: slice(der, na),
    extensions,
  };
}
