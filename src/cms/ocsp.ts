import { createHash } from 'node:crypto';
import { algId, octets, seq, type Der } from '../core/der.js';
import { AppError } from '../core/errors.js';
import { certificateInfo } from './certificate-info.js';
import { children, decodeInteger, decodeOid, decodeTime, expectTag, readDer } from '../core/der-reader.js';
import { OID } from '../core/oids.js';

/**
 * Minimal OCSP client-side encoding (RFC 6960 §4.1) and response reading (§4.2), enough to fetch
 * and sanity-check responses for a DSS. Full response validation is the verifier's job.
 */

/** CertID with SHA-1 (RFC 5019 §2.1.1 requires SHA-1 support from responders). */
export function ocspCertId(cert: Buffer, issuer: Buffer): Der {
  const c = certificateInfo(cert);
  const iss = certificateInfo(issuer);
  return seq(
    algId(OID.sha1, 'null'),
    octets(createHash('sha1').update(c.issuer).digest()),
    octets(createHash('sha1').update(iss.publicKeyBits).digest()),
    c.serialDer,
  );
}

/** OCSPRequest with one Request, unsigned, no nonce (cache-friendly, RFC 5019 §2.1). */
export function encodeOcspRequest(cert: Buffer, issuer: Buffer): Der {
  return seq(seq(seq(seq(ocspCertId(cert, issuer)))));
}

export interface ParsedOcspResponse {
  /** OCSPResponseStatus: 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized. */
  readonly status: number;
  readonly producedAt: Date | undefined;
  readonly responses: Array<{ serialNumber: bigint; status: 'good' | 'revoked' | 'unknown'; thisUpdate: Date; nextUpdate: Date | undefined }>;
  /** Certificates in the BasicOCSPResponse (delegated responder). */
  readonly certificates: Buffer[];
}

export function parseOcspResponse(der: Buffer): ParsedOcspResponse {
  try {
    const top = children(expectTag(readDer(der, 0, 'REVOCATION_UNAVAILABLE'), 0x30, 'OCSPResponse', 'REVOCATION_UNAVAILABLE'));
    const status = top[0]?.tag === 0x0a ? top[0].content[0] ?? 0 : -1;
    if (status !== 0 || !top[1]) return { status, producedAt: undefined, responses: [], certificates: [] };
    const [rb] = children(expectTag(top[1], 0xa0, 'responseBytes'));
    const [type, resp] = children(expectTag(rb, 0x30, 'ResponseBytes'));
    if (!type || decodeOid(type) !== OID.ocspBasic) throw new Error('not a basic OCSP response');
    const basic = children(readDer(expectTag(resp, 0x04, 'response').content));
    const rd = children(expectTag(basic[0], 0x30, 'ResponseData'));
    let i = rd[0]?.tag === 0xa0 ? 1 : 0;
    i++; // responderID
    const producedAt = decodeTime(rd[i++]!);
    const responses = children(expectTag(rd[i], 0x30, 'responses')).map((sr) => {
      const f = children(sr);
      const certId = children(expectTag(f[0], 0x30, 'CertID'));
      const st = f[1]?.tag === 0x80 ? 'good' : f[1]?.tag === 0xa1 ? 'revoked' : 'unknown';
      const next = f.find((x) => x.tag === 0xa0);
      return {
        serialNumber: decodeInteger(certId[3]!),
        status: st as 'good' | 'revoked' | 'unknown',
        thisUpdate: decodeTime(f[2]!),
        nextUpdate: next ? decodeTime(children(next)[0]!) : undefined,
      };
    });
    const certsNode = basic.find((n) => n.tag === 0xa0);
    const certificates = certsNode ? children(children(certsNode)[0]!).map((c) => c.raw) : [];
    return { status, producedAt, responses, certificates };
  } catch (e) {
    throw new AppError('REVOCATION_UNAVAILABLE', 'OCSP response could not be read', { cause: e });
  }
}
