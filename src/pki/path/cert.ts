/**
 * Certificate facts the path validation needs (RFC 5280 §4.1, §4.2): the parts src/cms reads
 * (exact DER slices of issuer, subject, SPKI; extensions; SKI; AIA OCSP and CRL DP URLs) plus
 * basicConstraints, keyUsage, EKU and caIssuers, and node:crypto's X509Certificate for checks.
 */
import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { children, decodeOid, decodeSmallInt, readDer } from '../../core/der-reader.js';
import { KU, OID } from '../../core/oids.js';
import { certificateInfo, crlUrls, extendedKeyUsage, ocspUrls } from '../../cms/certificate-info.js';

const C = 'CMS_MALFORMED';

export interface CertInfo {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  readonly serial: bigint;
  readonly serialHex: string;
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  readonly spki: Buffer;
  /** BIT STRING content of subjectPublicKey (without the unused-bits byte), for OCSP key hashes. */
  readonly publicKeyBits: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Buffer }>;
  readonly isCa: boolean;
  readonly pathLen: number | undefined;
  /** keyUsage bits (RFC 5280 §4.2.1.3) when the extension is present. */
  readonly keyUsage: ReadonlySet<string> | undefined;
  readonly eku: readonly string[] | undefined;
  readonly ski: Buffer | undefined;
  readonly sha256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly ocspUrls: string[];
  readonly caIssuersUrls: string[];
  readonly crlUrls: string[];
  key(): KeyObject;
}

const cache = new Map<string, CertInfo>();

/** Parses (and caches by SHA-256) a certificate; throws AppError CMS_MALFORMED or node's error. */
export function certInfo(der: Buffer): CertInfo {
  const sha256 = createHash('sha256').update(der).digest('hex');
  const hit = cache.get(sha256);
  if (hit) return hit;
  const base = certificateInfo(der, C);
  if (readDer(der, 0, C).end !== der.length) throw new AppError(C, 'trailing bytes after certificate');
  const extensions = base.extensions;
  let isCa = false;
  let pathLen: number | undefined;
  const bc = extensions.get(OID.basicConstraints);
  if (bc) {
    for (const c of children(readDer(bc.value, 0, C), C)) {
      if (c.tag === 0x01) isCa = c.content[0] !== 0;
      if (c.tag === 0x02) pathLen = decodeSmallInt(c, C);
    }
  }
  let keyUsage: Set<string> | undefined;
  const ku = extensions.get(OID.keyUsage);
  if (ku) {
    const bits = readDer(ku.value, 0, C).content;
    keyUsage = new Set();
    for (const [name, b] of Object.entries(KU)) if ((bits[1 + (b >> 3)] ?? 0) & (0x80 >> (b & 7))) keyUsage.add(name);
  }
  const caIssuersUrls: string[] = [];
  const aia = extensions.get(OID.authorityInfoAccess);
  if (aia) {
    for (const ad of children(readDer(aia.value, 0, C), C)) {
      const [m, loc] = children(ad, C);
      if (m && loc && loc.tag === 0x86 && decodeOid(m, C) === OID.caIssuers) caIssuersUrls.push(loc.content.toString('latin1'));
    }
  }
  const x509 = new X509Certificate(der);
  const spki = base.spki;
  let keyObject: KeyObject | undefined;
  const info: CertInfo = {
    der,
    x509,
    serial: base.serialNumber,
    serialHex: readDer(base.serialDer, 0, C).content.toString('hex'),
    issuerDer: base.issuer,
    subjectDer: base.subject,
    spki,
    publicKeyBits: base.publicKeyBits,
    notBefore: base.notBefore,
    notAfter: base.notAfter,
    extensions,
    isCa,
    pathLen,
    keyUsage,
    eku: extendedKeyUsage(base)?.oids,
    ski: base.subjectKeyIdentifier,
    sha256,
    subject: x509.subject.split('\n').join(', '),
    issuer: x509.issuer.split('\n').join(', '),
    ocspUrls: ocspUrls(base),
    caIssuersUrls,
    crlUrls: crlUrls(base),
    key: () => (keyObject ??= createPublicKey({ key: spki, format: 'der', type: 'spki' })),
  };
  if (cache.size > 5000) cache.clear();
  cache.set(sha256, info);
  return info;
}

export function tryCertInfo(der: Buffer): CertInfo | undefined {
  try {
    return certInfo(der);
  } catch {
    return undefined;
  }
}

/**
 * Does `issuer` sign `cert`? Name match then signature check (RFC 5280 §6.1.3 (a)(1)-(a)(4)).
 * Deliberately not cms ltv-material's `issuedBy`: past a byte-equal name this gate is OpenSSL's
 * X509_check_issued (also AKI/SKI and keyCertSign), that one RFC 5280 §7.1-style folding
 * (NFKC, case) with no key-id or usage test, so one helper would change which issuer each picks.
 */
const issuedCache = new Map<string, boolean>();
export function issuedBy(cert: CertInfo, issuer: CertInfo): boolean {
  if (!cert.issuerDer.equals(issuer.subjectDer) && !cert.x509.checkIssued(issuer.x509)) return false;
  const k = `${cert.sha256}:${issuer.sha256}`;
  const hit = issuedCache.get(k);
  if (hit !== undefined) return hit;
  let ok = false;
  try {
    ok = cert.x509.verify(issuer.key());
  } catch {
    ok = false;
  }
  if (issuedCache.size > 10_000) issuedCache.clear();
  issuedCache.set(k, ok);
  return ok;
}
