import { createHash } from 'node:crypto';
import { explicit, implicitCons, int, octets, oid, seq, set, setOf, tlv, type Der } from '../core/der.js';
import {
  HASH_LENGTHS,
  digestAlgorithmIdentifier,
  hashOf,
  signatureAlgorithmIdentifier,
  type HashName,
  type SignatureAlgorithm,
  type Signer,
} from '../core/signature-algorithms.js';
import { certificateInfo } from './certificate-info.js';
import { OID } from '../core/oids.js';

/**
 * CMS SignedData builder (RFC 5652 §5) on the fast DER writer. PAdES baseline B-B
 * (ETSI EN 319 142-1 §6.3) fixes the shape: detached content, one SignerInfo identified by
 * issuerAndSerialNumber, signed attributes content-type, message-digest and ESS
 * signing-certificate-v2 (RFC 5035), and no signing-time (the time goes in the PDF's /M).
 *
 * Per-certificate constant parts (sid, ESS attribute) are cached so that a signature costs
 * little more than the private-key operation.
 */

/** CMS Attribute ::= SEQUENCE { attrType, attrValues SET OF } (RFC 5652 §5.3). */
export function attribute(type: string, ...values: Uint8Array[]): Der {
  return seq(oid(type), setOf(values));
}

interface SignerParts {
  sid: Der;
  essV2: Der;
}
const partsCache = new WeakMap<Buffer, SignerParts>();

function signerParts(cert: Buffer): SignerParts {
  const hit = partsCache.get(cert);
  if (hit) return hit;
  const info = certificateInfo(cert);
  const sid = seq(info.issuer, info.serialDer);
  const parts = { sid, essV2: essSigningCertificateV2Attribute(cert) };
  partsCache.set(cert, parts);
  return parts;
}

/**
 * ESS signing-certificate-v2 attribute (RFC 5035 §3/§4): ESSCertIDv2 with the SHA-256 hash of the
 * certificate (hashAlgorithm omitted: it is the DEFAULT, and DER omits defaults, X.690 §11.5) and
 * IssuerSerial (issuer as a directoryName [4] GeneralName, serial) so the binding is unambiguous.
 */
export function essSigningCertificateV2Attribute(cert: Buffer, hash: HashName = 'sha256'): Der {
  const info = certificateInfo(cert);
  const certHash = createHash(hash).update(cert).digest();
  const issuerSerial = seq(seq(explicit(4, info.issuer)), info.serialDer);
  const essCertId =
    hash === 'sha256' ? seq(octets(certHash), issuerSerial) : seq(digestAlgorithmIdentifier(hash), octets(certHash), issuerSerial);
  return attribute(OID.signingCertificateV2, seq(seq(essCertId)));
}

function checkDigest(digest: Buffer, h: HashName): void {
  if (digest.length !== HASH_LENGTHS[h]) {
    throw new TypeError(`content digest is ${digest.length} bytes, ${h} needs ${HASH_LENGTHS[h]}`);
  }
}

/** Signed attributes as the DER SET OF (tag 0x31, sorted) that the signature is computed over (RFC 5652 §5.4). */
export function buildSignedAttributes(o: { contentDigest: Buffer; digestAlgorithm: HashName; signerCertificate: Buffer }): Buffer {
  checkDigest(o.contentDigest, o.digestAlgorithm);
  const parts = signerParts(o.signerCertificate);
  return setOf([attribute(OID.contentType, oid(OID.data)), attribute(OID.messageDigest, octets(o.contentDigest)), parts.essV2]);
}

/** SignerInfo (RFC 5652 §5.3), version 1 with issuerAndSerialNumber. `signedAttributes` is the DER SET (0x31). */
export function encodeSignerInfo(o: {
  signerCertificate: Buffer;
  digestAlgorithm: HashName;
  signedAttributes: Buffer;
  algorithm: SignatureAlgorithm;
  signature: Buffer;
  unsignedAttributes?: readonly Buffer[] | undefined;
}): Der {
  const { sid } = signerParts(o.signerCertificate);
  if (o.signedAttributes[0] !== 0x31) throw new TypeError('signedAttributes must be the DER SET OF (tag 0x31)');
  const signed = Buffer.from(o.signedAttributes);
  signed[0] = 0xa0; // [0] IMPLICIT SET OF Attribute
  const fields: Uint8Array[] = [
    int(1),
    sid,
    digestAlgorithmIdentifier(o.digestAlgorithm),
    signed,
    signatureAlgorithmIdentifier(o.algorithm),
    octets(o.signature),
  ];
  if (o.unsignedAttributes && o.unsignedAttributes.length > 0) {
    fields.push(
      tlv(
        0xa1,
        [...o.unsignedAttributes].sort((a, b) => Buffer.compare(a, b)),
      ),
    );
  }
  return seq(...fields);
}

/** Certificates [0] IMPLICIT CertificateSet: the signer first, then the rest, without duplicates. */
function certificateSet(first: Buffer | undefined, rest: readonly Buffer[]): Der | undefined {
  const list: Buffer[] = [];
  for (const c of first ? [first, ...rest] : rest) if (!list.some((x) => x.equals(c))) list.push(c);
  return list.length ? implicitCons(0, ...list) : undefined;
}

/**
 * ContentInfo { id-signedData, [0] SignedData } around one SignerInfo. Version 1 for id-data
 * content, 3 otherwise (RFC 5652 §5.1). `eContent` absent means detached.
 */
export function encodeSignedData(o: {
  digestAlgorithm: HashName;
  eContentType?: string;
  eContent?: Buffer | undefined;
  signerCertificate?: Buffer | undefined;
  certificates: readonly Buffer[];
  signerInfo: Buffer;
}): Der {
  const type = o.eContentType ?? OID.data;
  const encap = o.eContent ? seq(oid(type), explicit(0, octets(o.eContent))) : seq(oid(type));
  const certs = certificateSet(o.signerCertificate, o.certificates);
  const body: Uint8Array[] = [int(type === OID.data ? 1 : 3), set(digestAlgorithmIdentifier(o.digestAlgorithm)), encap];
  if (certs) body.push(certs);
  body.push(set(o.signerInfo));
  return seq(oid(OID.signedData), explicit(0, seq(...body)));
}

/** Detached CMS ContentInfo DER from already-produced parts (two-phase signing completes here). */
export function assembleSignedData(o: {
  signedAttributes: Buffer;
  signature: Buffer;
  algorithm: SignatureAlgorithm;
  digestAlgorithm: HashName;
  signerCertificate: Buffer;
  certificates: Buffer[];
  unsignedAttributes?: Buffer[];
}): Buffer {
  const signerInfo = encodeSignerInfo(o);
  return encodeSignedData({
    digestAlgorithm: o.digestAlgorithm,
    signerCertificate: o.signerCertificate,
    certificates: o.certificates,
    signerInfo,
  });
}

/** signature-time-stamp unsigned attribute (RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3) holding a token. */
export function signatureTimestampAttribute(token: Buffer): Der {
  return attribute(OID.signatureTimeStamp, token);
}

/**
 * Sign a content digest: build the signed attributes, have the Signer sign their DER, optionally
 * timestamp the signature value (B-T), and assemble the ContentInfo. The digest algorithm
 * defaults to the signature algorithm's hash; `contentDigest` must be of that algorithm.
 */
export async function signDetachedCms(o: {
  contentDigest: Buffer;
  signer: Signer;
  signerCertificate: Buffer;
  certificates: Buffer[];
  digestAlgorithm?: HashName;
  timestamp?: (signatureValue: Buffer) => Promise<Buffer>;
}): Promise<Buffer> {
  const digestAlgorithm = o.digestAlgorithm ?? hashOf(o.signer.algorithm);
  const signedAttributes = buildSignedAttributes({
    contentDigest: o.contentDigest,
    digestAlgorithm,
    signerCertificate: o.signerCertificate,
  });
  const signature = await o.signer.sign(signedAttributes);
  const unsignedAttributes = o.timestamp ? [signatureTimestampAttribute(await o.timestamp(signature))] : undefined;
  return assembleSignedData({
    signedAttributes,
    signature,
    algorithm: o.signer.algorithm,
    digestAlgorithm,
    signerCertificate: o.signerCertificate,
    certificates: o.certificates,
    ...(unsignedAttributes ? { unsignedAttributes } : {}),
  });
}
