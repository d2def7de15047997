/**
 * Certificate facts the path validation needs (RFC 5280 §4.1, §4.2), read from DER with exact
 * byte spans (issuer/subject compared as encoded, RFC 5280 §7.1 simplified to binary equality
 * after a case-insensitive string fallback from node:crypto), plus node:crypto X509Certificate.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { children, content, intValue, isContext, isUniversal, oid, raw, readTlv, timeValue } from './asn1.js';
import { keyFromSpki } from './algorithms.js';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  crlDp: '2.5.29.31',
  aia: '1.3.6.1.5.5.7.1.1',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  ekuOcspSigning: '1.3.6.1.5.5.7.3.9',
  ekuAny: '2.5.29.37.0',
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
} as const;

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

const KU = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

const cache = new Map<string, CertInfo>();

export function certInfo(der: Buffer): CertInfo {
  const sha256 = createHash('sha256').update(der).digest('hex');
  const hit = cache.get(sha256);
  if (hit) return hit;
  const top = readTlv(der);
  if (top.end !== der.length) throw new Error('trailing bytes after certificate');
  const tbs = children(children(top)[0]!);
  let i = 0;
  if (isContext(tbs[0]!, 0)) i++;
  const serialT = tbs[i]!;
  const issuerT = tbs[i + 2]!;
  const validity = children(tbs[i + 3]!);
  const subjectT = tbs[i + 4]!;
  const spkiT = tbs[i + 5]!;
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (const t of tbs.slice(i + 6)) {
    if (!isContext(t, 3)) continue;
    for (const ext of children(children(t)[0]!)) {
      const e = children(ext);
      const critical = e.length === 3 && isUniversal(e[1]!, 1) && content(e[1]!)[0] !== 0;
      extensions.set(oid(e[0]!), { critical, value: content(e[e.length - 1]!) });
    }
  }
  let isCa = false;
  let pathLen: number | undefined;
  const bc = extensions.get(OID.basicConstraints);
  if (bc) {
    for (const c of children(readTlv(bc.value))) {
      if (isUniversal(c, 1)) isCa = content(c)[0] !== 0;
      if (isUniversal(c, 2)) pathLen = Number(intValue(c));
    }
  }
  let keyUsage: Set<string> | undefined;
  const ku = extensions.get(OID.keyUsage);
  if (ku) {
    const bits = content(readTlv(ku.value));
    keyUsage = new Set();
    for (let b = 0; b < KU.length; b++) if ((bits[1 + (b >> 3)] ?? 0) & (0x80 >> (b & 7))) keyUsage.add(KU[b]!);
  }
  const ekuExt = extensions.get(OID.extKeyUsage);
  const eku = ekuExt ? children(readTlv(ekuExt.value)).map(oid) : undefined;
  const skiExt = extensions.get(OID.ski);
  const ocspUrls: string[] = [];
  const caIssuersUrls: string[] = [];
  const aia = extensions.get(OID.aia);
  if (aia) {
    for (const ad of children(readTlv(aia.value))) {
      const [m, loc] = children(ad);
      if (loc && isContext(loc, 6)) (oid(m!) === OID.adOcsp ? ocspUrls : caIssuersUrls).push(content(loc).toString('latin1'));
    }
  }
  const crlUrls: string[] = [];
  const cdp = extensions.get(OID.crlDp);
  if (cdp) collectUris(readTlv(cdp.value), crlUrls, 0);
  const x509 = new X509Certificate(der);
  const spki = raw(spkiT);
  let keyObject: KeyObject | undefined;
  const info: CertInfo = {
    der,
    x509,
    serial: intValue(serialT),
    serialHex: content(serialT).toString('hex'),
    issuerDer: raw(issuerT),
    subjectDer: raw(subjectT),
    spki,
    publicKeyBits: content(children(spkiT)[1]!).subarray(1),
    notBefore: timeValue(validity[0]!),
    notAfter: timeValue(validity[1]!),
    extensions,
    isCa,
    pathLen,
    keyUsage,
    eku,
    ski: skiExt ? content(readTlv(skiExt.value)) : undefined,
    sha256,
    subject: x509.subject.split('\n').join(', '),
    issuer: x509.issuer.split('\n').join(', '),
    ocspUrls,
    caIssuersUrls,
    crlUrls,
    key: () => (keyObject ??= keyFromSpki(spki)),
  };
  if (cache.size > 5000) cache.clear();
  cache.set(sha256, info);
  return info;
}

function collectUris(t: ReturnType<typeof readTlv>, out: string[], depth: number): void {
  if (depth > 8) return;
  if (isContext(t, 6) && !t.cons) {
    out.push(content(t).toString('latin1'));
    return;
  }
  if (t.cons) for (const c of children(t)) collectUris(c, out, depth + 1);
}

export function tryCertInfo(der: Buffer): CertInfo | undefined {
  try {
    return certInfo(der);
  } catch {
    return undefined;
  }
}

/** Does `issuer` sign `cert`? Name match then signature check (RFC 5280 §6.1.3 (a)(1)-(a)(4)). */
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
