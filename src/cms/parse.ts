import { AppError } from '../core/errors.js';
import {
  children,
  decodeInteger,
  decodeOid,
  decodeTime,
  derError,
  expectTag,
  isDerSorted,
  octetString,
  readDer,
  type DerNode,
} from '../core/der-reader.js';
import { HASH_BY_OID, OID, type AnyHashName } from '../core/oids.js';

/**
 * CMS ContentInfo/SignedData reader (RFC 5652 §5) for the verifier and for B-T extension.
 * Everything the validator must judge is kept as transmitted: the signed attributes' raw bytes
 * (the signature covers them, RFC 5652 §5.4) and whether they are DER-sorted (X.690 §11.6;
 * EU DSS fails unsorted ones, OpenSSL accepts them), certificates, CRLs, unsigned attributes.
 * Any structural problem throws AppError CMS_MALFORMED.
 */

export interface ParsedAttribute {
  readonly type: string;
  /** Raw DER of each value in attrValues. */
  readonly values: Buffer[];
  readonly raw: Buffer;
}

export type SignerIdentifier =
  | { readonly kind: 'issuerAndSerialNumber'; readonly issuer: Buffer; readonly serialNumber: bigint; readonly serialDer: Buffer }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyIdentifier: Buffer };

/** ESSCertID (RFC 2634 §5.4.1, SHA-1) or ESSCertIDv2 (RFC 5035 §4). */
export interface EssCertId {
  readonly version: 1 | 2;
  /** Hash name when known, else the dotted OID. */
  readonly hashAlgorithm: AnyHashName | string;
  readonly certHash: Buffer;
  /** IssuerSerial: issuer directory names (Name DER) and serial. */
  readonly issuerSerial?: { readonly issuerNames: Buffer[]; readonly serialNumber: bigint };
}

export interface AlgorithmIdentifierValue {
  readonly oid: string;
  /** Parameters DER, undefined when absent. */
  readonly params: Buffer | undefined;
  readonly raw: Buffer;
}

export interface ParsedSignerInfo {
  readonly version: number;
  readonly sid: SignerIdentifier;
  /** Hash name when known, else the dotted OID. */
  readonly digestAlgorithm: AnyHashName | string;
  readonly digestAlgorithmOid: string;
  /** The [0] IMPLICIT signed attributes exactly as transmitted (tag 0xA0), undefined when absent. */
  readonly signedAttributesRaw: Buffer | undefined;
  /** What the signature covers: the same bytes with the SET tag 0x31 (RFC 5652 §5.4). */
  readonly signedAttributesDer: Buffer | undefined;
  /** True when the attributes are in DER SET OF order and definite-length; undefined when absent. */
  readonly signedAttributesDerSorted: boolean | undefined;
  readonly signedAttributes: ParsedAttribute[];
  readonly contentType: string | undefined;
  readonly messageDigest: Buffer | undefined;
  readonly signingTime: Date | undefined;
  readonly essCertIds: EssCertId[];
  readonly signatureAlgorithm: AlgorithmIdentifierValue;
  readonly signature: Buffer;
  readonly unsignedAttributes: ParsedAttribute[];
  /** signature-time-stamp tokens (ContentInfo DER each). */
  readonly timestampTokens: Buffer[];
  readonly raw: Buffer;
}

export interface ParsedCms {
  readonly version: number;
  readonly digestAlgorithms: Array<AnyHashName | string>;
  readonly encapContentType: string;
  /** eContent octets when the content is encapsulated (PAdES wants it absent). */
  readonly encapsulatedContent: Buffer | undefined;
  readonly certificates: Buffer[];
  /** CertificateList DER from the crls field. */
  readonly crls: Buffer[];
  /** [1] OtherRevocationInfoFormat entries (e.g. id-ri-ocsp-response, RFC 5940). */
  readonly otherRevocationInfo: Array<{ readonly format: string; readonly info: Buffer }>;
  readonly signerInfos: ParsedSignerInfo[];
  readonly signerInfoCount: number;
  readonly raw: Buffer;
}

export function algorithmIdentifier(node: DerNode | undefined, what: string): AlgorithmIdentifierValue {
  const parts = children(expectTag(node, 0x30, what));
  const id = decodeOid(parts[0] ?? failNode(what));
  const params = parts[1] && parts[1].tag !== 0x05 ? parts[1].raw : undefined;
  return { oid: id, params, raw: node!.raw };
}

function failNode(what: string): never {
  throw derError('CMS_MALFORMED', `${what}: missing element`);
}

const hashName = (oid: string): AnyHashName | string => HASH_BY_OID[oid] ?? oid;

function parseAttributes(node: DerNode): ParsedAttribute[] {
  return children(node).map((a) => {
    const [t, vals] = children(expectTag(a, 0x30, 'Attribute'));
    return {
      type: decodeOid(t ?? failNode('attrType')),
      values: children(expectTag(vals, 0x31, 'attrValues')).map((v) => v.raw),
      raw: a.raw,
    };
  });
}

function parseIssuerSerial(node: DerNode | undefined): EssCertId['issuerSerial'] {
  if (!node || node.tag !== 0x30) return undefined;
  const [names, serial] = children(node);
  const issuerNames = children(expectTag(names, 0x30, 'GeneralNames'))
    .filter((g) => g.tag === 0xa4)
    .map((g) => children(g)[0]?.raw ?? failNode('directoryName'));
  return { issuerNames, serialNumber: decodeInteger(serial ?? failNode('serial')) };
}

function parseEssCertIds(attr: ParsedAttribute, version: 1 | 2): EssCertId[] {
  const out: EssCertId[] = [];
  for (const v of attr.values) {
    const [certs] = children(expectTag(readDer(v), 0x30, 'SigningCertificate'));
    for (const id of children(expectTag(certs, 0x30, 'certs'))) {
      const parts = children(expectTag(id, 0x30, 'ESSCertID'));
      let i = 0;
      let alg: string = version === 1 ? 'sha1' : 'sha256';
      if (version === 2 && parts[0]?.tag === 0x30) alg = hashName(algorithmIdentifier(parts[i++], 'hashAlgorithm').oid);
      const certHash = expectTag(parts[i++], 0x04, 'certHash').content;
      const issuerSerial = parseIssuerSerial(parts[i]);
      out.push(issuerSerial ? { version, hashAlgorithm: alg, certHash, issuerSerial } : { version, hashAlgorithm: alg, certHash });
    }
  }
  return out;
}

/** DER SET OF order (X.690 §11.6) and definite length: what EU DSS requires of signed attributes. */
function signedAttributesInDerOrder(attrsNode: DerNode): boolean {
  return !attrsNode.indefinite && isDerSorted(children(attrsNode).map((a) => a.raw));
}

function parseSignerInfo(node: DerNode): ParsedSignerInfo {
  const f = children(expectTag(node, 0x30, 'SignerInfo'));
  const version = Number(decodeInteger(f[0] ?? failNode('version')));
  const sidNode = f[1] ?? failNode('sid');
  let sid: SignerIdentifier;
  if (sidNode.tag === 0x30) {
    const [issuer, serial] = children(sidNode);
    sid = {
      kind: 'issuerAndSerialNumber',
      issuer: expectTag(issuer, 0x30, 'issuer').raw,
      serialNumber: decodeInteger(serial ?? failNode('serialNumber')),
      serialDer: serial!.raw,
    };
  } else if (sidNode.tag === 0x80) {
    sid = { kind: 'subjectKeyIdentifier', keyIdentifier: sidNode.content };
  } else throw derError('CMS_MALFORMED', 'SignerIdentifier: unexpected choice');
  const digestAlg = algorithmIdentifier(f[2], 'digestAlgorithm');
  let i = 3;
  let signedRaw: Buffer | undefined;
  let signedDer: Buffer | undefined;
  let sorted: boolean | undefined;
  let signedAttributes: ParsedAttribute[] = [];
  if (f[i]?.tag === 0xa0) {
    const n = f[i++]!;
    signedRaw = n.raw;
    signedDer = Buffer.from(n.raw);
    signedDer[0] = 0x31;
    sorted = signedAttributesInDerOrder(n);
    signedAttributes = parseAttributes(n);
  }
  const signatureAlgorithm = algorithmIdentifier(f[i++], 'signatureAlgorithm');
  const signature = expectTag(f[i++], 0x04, 'signature').content;
  const unsignedAttributes = f[i]?.tag === 0xa1 ? parseAttributes(f[i]!) : [];

  const first = (type: string): Buffer | undefined => signedAttributes.find((a) => a.type === type)?.values[0];
  const ct = first(OID.contentType);
  const md = first(OID.messageDigest);
  const st = first(OID.signingTime);
  const essCertIds: EssCertId[] = [];
  for (const a of signedAttributes) {
    if (a.type === OID.signingCertificateV2) essCertIds.push(...parseEssCertIds(a, 2));
    else if (a.type === OID.signingCertificate) essCertIds.push(...parseEssCertIds(a, 1));
  }
  return {
    version,
    sid,
    digestAlgorithm: hashName(digestAlg.oid),
    digestAlgorithmOid: digestAlg.oid,
    signedAttributesRaw: signedRaw,
    signedAttributesDer: signedDer,
    signedAttributesDerSorted: sorted,
    signedAttributes,
    contentType: ct ? decodeOid(readDer(ct)) : undefined,
    messageDigest: md ? expectTag(readDer(md), 0x04, 'messageDigest').content : undefined,
    signingTime: st ? decodeTime(readDer(st)) : undefined,
    essCertIds,
    signatureAlgorithm,
    signature,
    unsignedAttributes,
    timestampTokens: unsignedAttributes.filter((a) => a.type === OID.signatureTimeStamp).flatMap((a) => a.values),
    raw: node.raw,
  };
}

/**
 * Parse a CMS ContentInfo holding SignedData. Trailing bytes after the ContentInfo are ignored
 * (PDF /Contents are zero-padded); `readDer` bounds every length by the buffer.
 */
export function parseCms(der: Buffer): ParsedCms {
  try {
    const ci = children(expectTag(readDer(der), 0x30, 'ContentInfo'));
    if (decodeOid(ci[0] ?? failNode('contentType')) !== OID.signedData) throw derError('CMS_MALFORMED', 'not a SignedData ContentInfo');
    const [sdNode] = children(expectTag(ci[1], 0xa0, 'content'));
    const sd = children(expectTag(sdNode, 0x30, 'SignedData'));
    const version = Number(decodeInteger(sd[0] ?? failNode('version')));
    const digestAlgorithms = children(expectTag(sd[1], 0x31, 'digestAlgorithms')).map((a) =>
      hashName(algorithmIdentifier(a, 'digestAlgorithm').oid),
    );
    const encap = children(expectTag(sd[2], 0x30, 'encapContentInfo'));
    const encapContentType = decodeOid(encap[0] ?? failNode('eContentType'));
    let encapsulatedContent: Buffer | undefined;
    if (encap[1]) {
      const [oct] = children(expectTag(encap[1], 0xa0, 'eContent'));
      encapsulatedContent = octetString(oct ?? failNode('eContent'), 'CMS_MALFORMED');
    }
    let i = 3;
    const certificates: Buffer[] = [];
    const crls: Buffer[] = [];
    const otherRevocationInfo: Array<{ format: string; info: Buffer }> = [];
    if (sd[i]?.tag === 0xa0) for (const c of children(sd[i++]!)) if (c.tag === 0x30) certificates.push(c.raw);
    if (sd[i]?.tag === 0xa1) {
      for (const c of children(sd[i++]!)) {
        if (c.tag === 0x30) crls.push(c.raw);
        else if (c.tag === 0xa1) {
          const [fmt, info] = children(c);
          otherRevocationInfo.push({
            format: decodeOid(fmt ?? failNode('otherRevInfoFormat')),
            info: info?.raw ?? failNode('otherRevInfo'),
          });
        }
      }
    }
    const signerInfos = children(expectTag(sd[i], 0x31, 'signerInfos')).map(parseSignerInfo);
    return {
      version,
      digestAlgorithms,
      encapContentType,
      encapsulatedContent,
      certificates,
      crls,
      otherRevocationInfo,
      signerInfos,
      signerInfoCount: signerInfos.length,
      raw: readDer(der).raw,
    };
  } catch (e) {
    if (e instanceof AppError && e.code === 'CMS_MALFORMED') throw e;
    throw new AppError('CMS_MALFORMED', 'CMS structure could not be read', { cause: e });
  }
}
