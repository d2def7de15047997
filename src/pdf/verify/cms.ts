/**
 * CMS SignedData reading and SignerInfo verification for PDF signatures and timestamp tokens
 * (RFC 5652 §5, ETSI EN 319 142-1 §5.1 / STANDARDS.md rule 11). Local to the validator because
 * it needs the signed attributes exactly as transmitted to report DER-ordering problems.
 */
import { createHash } from 'node:crypto';
import { Asn1Error, children, content, intValue, isContext, isDerSorted, isUniversal, octets, oid, raw, readTlv, type Tlv } from './asn1.js';
import { DIGEST_OIDS, digestAlgorithm, signatureAlgorithm, verifySignature, type SigAlg } from './algorithms.js';
import { certInfo, tryCertInfo, type CertInfo } from './cert.js';

export const CMS_OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStamp: '1.2.840.113549.1.9.16.2.14',
  adobeRevocation: '1.2.840.113583.1.1.8',
} as const;

export interface SignerInfoData {
  readonly issuerDer: Buffer | undefined;
  readonly serial: bigint | undefined;
  readonly ski: Buffer | undefined;
  readonly digest: string | undefined;
  readonly digestOid: string;
  readonly sigAlg: SigAlg | undefined;
  readonly sigAlgTlv: Tlv;
  /** Signed attributes re-tagged as SET OF (0x31), exactly as transmitted otherwise. */
  readonly signedAttrsSet: Buffer | undefined;
  readonly signedAttrsDerSorted: boolean;
  readonly signedAttrs: ReadonlyMap<string, Tlv[]>;
  readonly signature: Buffer;
  readonly unsignedAttrs: ReadonlyMap<string, Tlv[]>;
}

export interface SignedDataInfo {
  readonly der: Buffer;
  readonly eContentType: string;
  readonly eContent: Buffer | undefined;
  readonly certificates: Buffer[];
  readonly crls: Buffer[];
  readonly signerCount: number;
  readonly signer: SignerInfoData | undefined;
}

function attrMap(set: Tlv): Map<string, Tlv[]> {
  const m = new Map<string, Tlv[]>();
  for (const a of children(set)) {
    const [t, vals] = children(a);
    const k = oid(t!);
    m.set(k, [...(m.get(k) ?? []), ...children(vals!)]);
  }
  return m;
}

/** Parses a ContentInfo(SignedData); throws Asn1Error on structural problems. */
export function parseSignedData(input: Buffer): SignedDataInfo {
  const top = readTlv(input);
  const der = input.subarray(0, top.end);
  const ci = children(top);
  if (!ci[0] || oid(ci[0]) !== CMS_OID.signedData || !ci[1] || !isContext(ci[1], 0)) throw new Asn1Error('not a SignedData ContentInfo');
  const sd = children(children(ci[1])[0]!);
  let i = 1; // version
  i++; // digestAlgorithms
  const encap = children(sd[i++]!);
  const eContentType = oid(encap[0]!);
  const eContent = encap[1] && isContext(encap[1], 0) ? octets(children(encap[1])[0]!) : undefined;
  const certificates: Buffer[] = [];
  const crls: Buffer[] = [];
  while (sd[i] && sd[i]!.cls === 2) {
    const t = sd[i++]!;
    for (const c of children(t)) if (isUniversal(c, 16)) (t.tag === 0 ? certificates : crls).push(Buffer.from(raw(c)));
  }
  const sis = sd[i] ? children(sd[i]!) : [];
  const si = sis[0];
  let signer: SignerInfoData | undefined;
  if (si) {
    const f = children(si);
    let j = 1;
    const sid = f[j++]!;
    let issuerDer: Buffer | undefined;
    let serial: bigint | undefined;
    let ski: Buffer | undefined;
    if (isContext(sid, 0)) ski = content(sid);
    else {
      const s = children(sid);
      issuerDer = raw(s[0]!);
      serial = intValue(s[1]!);
    }
    const digAlg = f[j++]!;
    let signedAttrsSet: Buffer | undefined;
    let signedAttrs = new Map<string, Tlv[]>();
    let sorted = true;
    if (isContext(f[j]!, 0)) {
      const sa = f[j++]!;
      signedAttrsSet = Buffer.from(raw(sa));
      signedAttrsSet[0] = 0x31;
      signedAttrs = attrMap(sa);
      sorted = isDerSorted(children(sa).map(raw));
    }
    const sigAlgTlv = f[j++]!;
    const signature = content(f[j++]!);
    const unsignedAttrs = f[j] && isContext(f[j]!, 1) ? attrMap(f[j]!) : new Map<string, Tlv[]>();
    const digestOid = oid(children(digAlg)[0]!);
    signer = {
      issuerDer, serial, ski, digest: digestAlgorithm(digAlg), digestOid, sigAlg: signatureAlgorithm(sigAlgTlv), sigAlgTlv,
      signedAttrsSet, signedAttrsDerSorted: sorted, signedAttrs, signature, unsignedAttrs,
    };
  }
  return { der, eContentType, eContent, certificates, crls, signerCount: sis.length, signer };
}

/** Finds the signer's certificate among `pool` by issuer+serial or subjectKeyIdentifier. */
export function findSignerCert(s: SignerInfoData, pool: readonly Buffer[]): CertInfo | undefined {
  for (const der of pool) {
    const c = tryCertInfo(der);
    if (!c) continue;
    if (s.ski && c.ski && c.ski.equals(s.ski)) return c;
    if (s.issuerDer && s.serial !== undefined && c.serial === s.serial && (c.issuerDer.equals(s.issuerDer) || sameName(c, s.issuerDer))) return c;
  }
  return undefined;
}

function sameName(c: CertInfo, nameDer: Buffer): boolean {
  // tolerate re-encoded names (PrintableString vs UTF8String) by comparing a normalised string form
  try {
    return normName(c.issuerDer) === normName(nameDer);
  } catch {
    return false;
  }
}
function normName(der: Buffer): string {
  return children(readTlv(der))
    .map((rdn) => children(rdn).map((atv) => { const [t, v] = children(atv); return `${oid(t!)}=${content(v!).toString('utf8').trim().toLowerCase().replace(/\s+/g, ' ')}`; }).sort().join('+'))
    .join(',');
}

export interface SignerCheck {
  /** message-digest attribute equals the content digest (or, without signed attributes, n/a = true). */
  digestMatch: boolean;
  cryptoValid: boolean;
  /** ESS signing-certificate(-v2) present and matching (RFC 5035 §3). */
  signingCertificateV2: 'match' | 'mismatch' | 'absent' | 'v1-match' | 'v1-mismatch';
  /** Digest algorithm of SignerInfo and the hash the signature algorithm binds agree. */
  algorithmsConsistent: boolean;
  contentTypeOk: boolean;
  signingTimePresent: boolean;
  messages: string[];
}

/**
 * Verifies the SignerInfo: content digest vs message-digest, signature over the signed
 * attributes as transmitted (RFC 5652 §5.4), ESS binding (RFC 5035, ETSI EN 319 122-1 §5.2.2).
 * `contentDigest(hash)` hashes the signed content (the PDF byte ranges, in place).
 */
export function checkSigner(sd: SignedDataInfo, cert: CertInfo, contentDigest: (hash: string) => Buffer, contentParts: () => Buffer[]): SignerCheck {
  const s = sd.signer!;
  const messages: string[] = [];
  const out: SignerCheck = { digestMatch: false, cryptoValid: false, signingCertificateV2: 'absent', algorithmsConsistent: true, contentTypeOk: true, signingTimePresent: false, messages };
  if (!s.digest) {
    messages.push('DIGEST_ALGORITHM_UNSUPPORTED');
    return out;
  }
  if (!s.sigAlg) {
    messages.push('SIGNATURE_ALGORITHM_UNSUPPORTED');
  }
  if (s.sigAlg?.hash && s.sigAlg.hash !== s.digest) {
    out.algorithmsConsistent = false;
    messages.push('ALGORITHM_MISMATCH');
  }
  let key;
  try {
    key = cert.key();
  } catch {
    messages.push('SIGNER_KEY_UNSUPPORTED');
    return out;
  }
  if (s.signedAttrsSet) {
    const md = s.signedAttrs.get(CMS_OID.messageDigest);
    const ct = s.signedAttrs.get(CMS_OID.contentType);
    out.signingTimePresent = s.signedAttrs.has(CMS_OID.signingTime);
    if (!ct || ct.length !== 1 || oid(ct[0]!) !== sd.eContentType) out.contentTypeOk = false;
    const digest = contentDigest(s.digest);
    out.digestMatch = !!md && md.length === 1 && content(md[0]!).equals(digest);
    if (s.sigAlg) out.cryptoValid = verifySignature(s.sigAlg, s.digest, key, s.signedAttrsSet, s.signature);
    out.signingCertificateV2 = essCheck(s, cert);
  } else {
    // no signed attributes: the signature is over the content itself (RFC 5652 §5.4)
    out.digestMatch = true;
    if (s.sigAlg) out.cryptoValid = verifySignature(s.sigAlg, s.digest, key, contentParts(), s.signature);
  }
  return out;
}

function essCheck(s: SignerInfoData, cert: CertInfo): SignerCheck['signingCertificateV2'] {
  const v2 = s.signedAttrs.get(CMS_OID.signingCertificateV2);
  const v1 = s.signedAttrs.get(CMS_OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr || !attr[0]) return 'absent';
  try {
    const certsSeq = children(attr[0])[0]!;
    const first = children(certsSeq)[0]!;
    const f = children(first);
    let hash = v2 ? 'sha256' : 'sha1'; // ESSCertIDv2 hashAlgorithm DEFAULT sha256 (RFC 5035 §4)
    let k = 0;
    if (v2 && isUniversal(f[0]!, 16)) {
      hash = DIGEST_OIDS[oid(children(f[0]!)[0]!)] ?? 'unknown';
      k = 1;
    }
    const certHash = content(f[k]!);
    const ok = createHash(hash).update(cert.der).digest().equals(certHash);
    let serialOk = true;
    const issuerSerial = f[k + 1];
    if (issuerSerial) {
      const is = children(issuerSerial);
      serialOk = is[1] !== undefined && intValue(is[1]) === cert.serial;
    }
    const good = ok && serialOk;
    if (v2) return good ? 'match' : 'mismatch';
    return good ? 'v1-match' : 'v1-mismatch';
  } catch {
    return v2 ? 'mismatch' : 'v1-mismatch';
  }
}

export { certInfo };
