import { createHash } from 'node:crypto';
import { algId, octets, seq, type Der } from '../core/der.js';
import { AppError } from '../core/errors.js';
import { certificateInfo } from './certificate-info.js';
import { children, decodeInteger, decodeOid, decodeTime, expectTag, readDer } from '../core/der-reader.js';
import { HASH_BY_OID, OID, type AnyHashName } from '../core/oids.js';

/**
 * Minimal OCSP client-side encoding (RFC 6960 §4.1) and response reading (§4.2), enough to fetch
 * and sanity-check responses for a DSS. Full response validation is the verifier's job.
 */

/** CertID with SHA-1 (RFC 5019 §2.1.1 requires SHA-1 support from responders). */
export function ocspCertId(cert: Buffer, issuer: Buffer): Der {
  const c = certificateInfo(cert);
  const iss = certificateInfo(issuer);
  return seq(algId(OID.sha1, 'null'), octets(sha1Of(c.issuer)), octets(sha1Of(iss.publicKeyBits)), c.serialDer);
}

// The CA's name and key recur in every request (B-LT asks about the signer, the TSA and the
// responder of each signature), and certificateInfo hands back the same slices for the same
// certificate object: their hashes are remembered per slice.
const sha1s = new WeakMap<Buffer, Buffer>();
function sha1Of(b: Buffer): Buffer {
  let h = sha1s.get(b);
  if (!h) sha1s.set(b, (h = createHash('sha1').update(b).digest()));
  return h;
}

/** OCSPRequest with one Request, unsigned, no nonce (cache-friendly, RFC 5019 §2.1). */
export function encodeOcspRequest(cert: Buffer, issuer: Buffer): Der {
  return seq(seq(seq(seq(ocspCertId(cert, issuer)))));
}

/** CertID (RFC 6960 §4.1.1): which certificate a SingleResponse is about. */
export interface OcspCertId {
  /** Hash name when known, else the dotted OID. */
  readonly hashAlgorithm: AnyHashName | string;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  readonly serialNumber: bigint;
}

export interface OcspSingleResponse {
  readonly certId: OcspCertId;
  readonly serialNumber: bigint;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revokedAt: Date | undefined;
  /** RevokedInfo revocationReason (RFC 6960 §4.2.1: CRLReason, RFC 5280 §5.3.1), when given. */
  readonly revocationReason: number | undefined;
}

export interface ParsedOcspResponse {
  /** OCSPResponseStatus: 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized. */
  readonly status: number;
  /** The BasicOCSPResponse DER (a signed structure: tbsResponseData, signatureAlgorithm, signature, certs). */
  readonly basic: Buffer | undefined;
  /** ResponderID (RFC 6960 §4.2.2.3): the responder's Name DER, or the SHA-1 of its public key. */
  readonly responderId: { readonly byName: Buffer } | { readonly byKey: Buffer } | undefined;
  readonly producedAt: Date | undefined;
  readonly responses: OcspSingleResponse[];
  /** Certificates in the BasicOCSPResponse (delegated responder). */
  readonly certificates: Buffer[];
}

const C = 'REVOCATION_UNAVAILABLE';

/**
 * Reads an OCSPResponse (RFC 6960 §4.2.1), or a bare BasicOCSPResponse as PDF /DSS /OCSPs and
 * adbe-revocationInfoArchival sometimes hold. Checks nothing: signature and CertID matching are
 * the caller's. Unreadable input throws REVOCATION_UNAVAILABLE.
 */
export function parseOcspResponse(der: Buffer): ParsedOcspResponse {
  try {
    let basicNode = expectTag(readDer(der, 0, C), 0x30, 'OCSPResponse', C);
    let top = children(basicNode, C);
    let status = 0;
    if (top[0]?.tag === 0x0a) {
      status = top[0].content[0] ?? 0;
      if (status !== 0 || !top[1])
        return { status, basic: undefined, responderId: undefined, producedAt: undefined, responses: [], certificates: [] };
      const [rb] = children(expectTag(top[1], 0xa0, 'responseBytes', C), C);
      const [type, resp] = children(expectTag(rb, 0x30, 'ResponseBytes', C), C);
      if (!type || decodeOid(type, C) !== OID.ocspBasic) throw new Error('not a basic OCSP response');
      basicNode = readDer(expectTag(resp, 0x04, 'response', C).content, 0, C);
      top = children(basicNode, C);
    }
    const rd = children(expectTag(top[0], 0x30, 'ResponseData', C), C);
    let i = rd[0]?.tag === 0xa0 ? 1 : 0;
    const rid = rd[i++];
    const ridInner = rid?.constructed ? children(rid, C)[0] : undefined;
    const responderId =
      ridInner && rid!.tag === 0xa1 ? { byName: ridInner.raw } : ridInner && rid!.tag === 0xa2 ? { byKey: ridInner.content } : undefined;
    const producedAt = decodeTime(rd[i++]!, C);
    const responses = children(expectTag(rd[i], 0x30, 'responses', C), C).map((sr): OcspSingleResponse => {
      const f = children(sr, C);
      const id = children(expectTag(f[0], 0x30, 'CertID', C), C);
      const hashOid = decodeOid(children(expectTag(id[0], 0x30, 'hashAlgorithm', C), C)[0]!, C);
      const certId: OcspCertId = {
        hashAlgorithm: HASH_BY_OID[hashOid] ?? hashOid,
        issuerNameHash: expectTag(id[1], 0x04, 'issuerNameHash', C).content,
        issuerKeyHash: expectTag(id[2], 0x04, 'issuerKeyHash', C).content,
        serialNumber: decodeInteger(id[3]!, C),
      };
      const st = f[1]?.tag === 0x80 ? 'good' : f[1]?.tag === 0xa1 ? 'revoked' : 'unknown';
      // [0] nextUpdate follows thisUpdate (certStatus good is [0] too, but primitive)
      const next = f.slice(3).find((x) => x.tag === 0xa0);
      return {
        certId,
        serialNumber: certId.serialNumber,
        status: st,
        thisUpdate: decodeTime(f[2]!, C),
        nextUpdate: next ? decodeTime(children(next, C)[0]!, C) : undefined,
        revokedAt: st === 'revoked' ? decodeTime(children(f[1]!, C)[0]!, C) : undefined,
        revocationReason: st === 'revoked' ? revocationReason(children(f[1]!, C)[1]) : undefined,
      };
    });
    const certsNode = top.find((n) => n.tag === 0xa0);
    const certificates = certsNode ? children(children(certsNode, C)[0]!, C).map((c) => c.raw) : [];
    return { status, basic: basicNode.raw, responderId, producedAt, responses, certificates };
  } catch (e) {
    throw new AppError('REVOCATION_UNAVAILABLE', 'OCSP response could not be read', { cause: e });
  }
}

/** revocationReason [0] EXPLICIT CRLReason (an ENUMERATED) of a RevokedInfo, when present. */
function revocationReason(node: ReturnType<typeof readDer> | undefined): number | undefined {
  if (node?.tag !== 0xa0) return undefined;
  const e = children(node, C)[0];
  return e?.tag === 0x0a && e.content.length === 1 ? e.content[0] : undefined;
}
