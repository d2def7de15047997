import { createHash } from 'node:crypto';
import type { ErrorCode } from '../core/error-codes.js';
import { children, decodeInteger, decodeOid, decodeTime, derError, expectTag, readDer, type DerNode } from '../core/der-reader.js';
import { OID } from '../core/oids.js';

/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that CMS and timestamping need, as raw DER
 * slices of the certificate itself: issuer Name and serial for issuerAndSerialNumber (RFC 5652
 * §10.2.4) and ESS IssuerSerial (RFC 5035 §4), the SKI for subjectKeyIdentifier sids, the SPKI
 * for verification, and the extensions the TSA and LTV collection look at. The CA (src/pki) reads
 * its own certificates with it too: tbsCertificate, subject and key bits for issuing and OCSP.
 */
export interface CertificateInfo {
  readonly der: Buffer;
  /** The TBSCertificate element exactly as signed (RFC 5280 §4.1.1.1). */
  readonly tbs: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  /** INTEGER element (tag, length, content) exactly as in the certificate. */
  readonly serialDer: Buffer;
  readonly serialNumber: bigint;
  readonly spki: Buffer;
  /** subjectPublicKey BIT STRING payload: what SKI and OCSP key hashes cover (RFC 5280 §4.2.1.2, RFC 6960 §4.1.1). */
  readonly publicKeyBits: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: ReadonlyMap<string, { readonly critical: boolean; readonly value: Buffer }>;
  readonly subjectKeyIdentifier: Buffer | undefined;
}

const cache = new WeakMap<Buffer, CertificateInfo>();
const C: ErrorCode = 'CMS_MALFORMED';

/** Parses (and caches per Buffer object) a DER certificate; bad input throws `code`. */
export function certificateInfo(der: Buffer, code: ErrorCode = 'CMS_MALFORMED'): CertificateInfo {
  const hit = cache.get(der);
  if (hit) return hit;
  const cert = expectTag(readDer(der, 0, code), 0x30, 'Certificate', code);
  const [tbsNode] = children(cert, code);
  const tbsElement = expectTag(tbsNode, 0x30, 'TBSCertificate', code);
  const tbs = children(tbsElement, code);
  let i = 0;
  if (tbs[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const serial = expectTag(tbs[i], 0x02, 'serialNumber', code);
  const issuer = expectTag(tbs[i + 2], 0x30, 'issuer', code);
  const validity = children(expectTag(tbs[i + 3], 0x30, 'validity', code), code);
  const subject = expectTag(tbs[i + 4], 0x30, 'subject', code);
  const spki = expectTag(tbs[i + 5], 0x30, 'subjectPublicKeyInfo', code);
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const extWrap = tbs.slice(i + 6).find((n) => n.tag === 0xa3);
  if (extWrap) {
    const [extSeq] = children(extWrap, code);
    for (const ext of children(expectTag(extSeq, 0x30, 'extensions', code), code)) {
      const parts = children(ext, code);
      const id = decodeOid(parts[0]!, code);
      const critical = parts[1]?.tag === 0x01 ? parts[1].content[0] !== 0 : false;
      const value = expectTag(parts[parts.length - 1], 0x04, 'extnValue', code).content;
      extensions.set(id, { critical, value });
    }
  }
  let ski: Buffer | undefined;
  const skiExt = extensions.get(OID.subjectKeyIdentifier);
  if (skiExt) ski = expectTag(readDer(skiExt.value, 0, code), 0x04, 'subjectKeyIdentifier', code).content;
  if (!validity[0] || !validity[1]) throw derError(code, 'certificate validity missing');
  const keyBits = expectTag(children(spki, code)[1], 0x03, 'subjectPublicKey', code);
  const info: CertificateInfo = {
    der,
    tbs: tbsElement.raw,
    issuer: issuer.raw,
    subject: subject.raw,
    serialDer: serial.raw,
    serialNumber: decodeInteger(serial, code),
    spki: spki.raw,
    publicKeyBits: keyBits.content.subarray(1),
    notBefore: decodeTime(validity[0], code),
    notAfter: decodeTime(validity[1], code),
    extensions,
    subjectKeyIdentifier: ski,
  };
  cache.set(der, info);
  return info;
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Extended key usage OIDs and whether the extension is critical (RFC 5280 §4.2.1.12). */
export function extendedKeyUsage(info: CertificateInfo): { oids: string[]; critical: boolean } | undefined {
  const ext = info.extensions.get(OID.extKeyUsage);
  if (!ext) return undefined;
  const seqNode = readDer(ext.value, 0, C);
  return { oids: children(seqNode, C).map((n) => decodeOid(n, C)), critical: ext.critical };
}

/** URIs of GeneralNames [6] uniformResourceIdentifier inside a node, depth-first. */
function uris(node: DerNode, out: string[]): void {
  if (node.tag === 0x86) out.push(node.content.toString('latin1'));
  else if (node.constructed) for (const c of children(node, C)) uris(c, out);
}

/** AIA OCSP responder URLs (RFC 5280 §4.2.2.1). */
export function ocspUrls(info: CertificateInfo): string[] {
  const ext = info.extensions.get(OID.authorityInfoAccess);
  if (!ext) return [];
  const out: string[] = [];
  for (const ad of children(readDer(ext.value, 0, C), C)) {
    const [method, location] = children(ad, C);
    if (method && location && decodeOid(method, C) === OID.ocsp) uris(location, out);
  }
  return out;
}

/** CRL distribution point URLs (RFC 5280 §4.2.1.13), full names only. */
export function crlUrls(info: CertificateInfo): string[] {
  const ext = info.extensions.get(OID.crlDistributionPoints);
  if (!ext) return [];
  const out: string[] = [];
  for (const dp of children(readDer(ext.value, 0, C), C)) {
    const name = children(dp, C).find((n) => n.tag === 0xa0);
    if (name) uris(name, out);
  }
  return out;
}

export function isSelfIssued(info: CertificateInfo): boolean {
  return info.issuer.equals(info.subject);
}

function decodeNameValue(n: DerNode): string {
  // BMPString (UCS-2 big-endian) vs. the 8-bit/UTF-8 string types.
  if (n.tag === 0x1e) {
    const swapped = Buffer.from(n.content);
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return n.content.toString('utf8');
}

/** Name → canonical string for comparison in the spirit of RFC 5280 §7.1 (case and space folded). */
export function canonicalName(nameDer: Buffer): string {
  const rdns = children(readDer(nameDer, 0, C), C);
  return rdns
    .map((rdn) =>
      children(rdn, C)
        .map((atv) => {
          const [type, value] = children(atv, C);
          const v = value ? decodeNameValue(value).normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase() : '';
          return `${type ? decodeOid(type, C) : ''}=${v}`;
        })
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Names equal byte for byte, or after canonicalisation (encoders differ in string types). */
export function namesEqual(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return canonicalName(a) === canonicalName(b);
  } catch {
    return false;
  }
}
