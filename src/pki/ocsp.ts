import { createHash } from 'node:crypto';
import { bits, enumerated, explicit, generalizedTime, octets, oid, seq, tlv, type Der } from '../core/der.js';
import { signatureAlgorithmIdentifier, type Signer } from '../core/signature-algorithms.js';
import { AppError } from '../core/errors.js';
import type { ErrorCode } from '../core/error-codes.js';
import { children, decodeOidContent, readDer, type DerNode } from '../core/der-reader.js';
import { OID } from '../core/oids.js';
import { serialToHex } from './serial.js';

/**
 * OCSP request parsing and response building (RFC 6960, profiled by RFC 5019).
 * Parsing keeps the raw CertID bytes so the response echoes them exactly (clients match on them).
 */

export type OcspResponseStatus = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';
const STATUS_CODES: Record<OcspResponseStatus, number> = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
};

const HASH_NAMES: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

export interface OcspCertId {
  /** Exact DER of the CertID, echoed in the response. */
  readonly raw: Buffer;
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  readonly serial: string;
}

export interface OcspRequest {
  readonly certIds: readonly OcspCertId[];
  /** The whole nonce Extension element, echoed as is (RFC 8954), when present. */
  readonly nonceExtension: Buffer | undefined;
}

/** Limits for untrusted input. */
export const OCSP_MAX_REQUEST_BYTES = 8 * 1024;
export const OCSP_MAX_CERT_IDS = 10;

/** Requests are read as DER (RFC 6960 §4.1 is DER-encoded); BER-only encodings are malformed. */
const C: ErrorCode = 'OCSP_MALFORMED_REQUEST';
const DER = { der: true } as const;
const MALFORMED = 'malformed OCSP request: ';

function malformed(why: string, cause?: unknown): never {
  throw new AppError(C, `${MALFORMED}${why}`, cause === undefined ? {} : { cause });
}

/** Decodes the base64 path segment of a GET request (RFC 6960 Appendix A.1), URL-encoded or not. */
export function decodeOcspGetPath(segment: string): Buffer {
  let s: string;
  try {
    s = decodeURIComponent(segment);
  } catch {
    malformed('bad URL encoding');
  }
  // A '+' turned into a space by a form-style decoder is put back; base64url is accepted too.
  s = s
    .replace(/ /g, '+')
    .replace(/[\r\n\t]/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length === 0) malformed('not base64');
  return Buffer.from(s, 'base64');
}

export function parseOcspRequest(der: Buffer): OcspRequest {
  if (der.length > OCSP_MAX_REQUEST_BYTES) malformed('request too large');
  try {
    const top = readDer(der, 0, C, DER);
    if (top.tag !== 0x30 || top.end !== der.length) malformed('not a single SEQUENCE');
    const [tbs] = children(top, C, DER);
    if (!tbs || tbs.tag !== 0x30) malformed('no TBSRequest');
    let list: DerNode | undefined;
    let exts: DerNode | undefined;
    for (const f of children(tbs, C, DER)) {
      if (f.tag === 0xa0) {
        const [v] = children(f, C, DER);
        if (!v || v.tag !== 0x02 || v.content.length !== 1 || v.content[0] !== 0) malformed('unsupported version');
      } else if (f.tag === 0x30) list = f;
      else if (f.tag === 0xa2) exts = f;
    }
    if (!list) malformed('no requestList');
    const requests = children(list, C, DER);
    if (requests.length === 0) malformed('empty requestList');
    if (requests.length > OCSP_MAX_CERT_IDS) malformed('too many certificates in one request');
    const certIds: OcspCertId[] = requests.map((r) => {
      if (r.tag !== 0x30) malformed('bad Request');
      const [cid] = children(r, C, DER);
      if (!cid || cid.tag !== 0x30) malformed('no CertID');
      const [alg, nameHash, keyHash, serial] = children(cid, C, DER);
      if (
        !alg ||
        !nameHash ||
        !keyHash ||
        !serial ||
        alg.tag !== 0x30 ||
        nameHash.tag !== 0x04 ||
        keyHash.tag !== 0x04 ||
        serial.tag !== 0x02
      )
        malformed('bad CertID');
      const [algOid] = children(alg, C, DER);
      if (!algOid || algOid.tag !== 0x06) malformed('bad hash algorithm');
      const serialBytes = serial.content;
      if (serialBytes.length === 0 || serialBytes.length > 21 || (serialBytes[0] ?? 0) & 0x80) malformed('bad serial number');
      const hashOid = decodeOidContent(algOid.content);
      return {
        raw: Buffer.from(cid.raw),
        hashAlgorithm: HASH_NAMES[hashOid] ?? hashOid,
        issuerNameHash: Buffer.from(nameHash.content),
        issuerKeyHash: Buffer.from(keyHash.content),
        serial: serialToHex(serialBytes),
      };
    });
    let nonceExtension: Buffer | undefined;
    if (exts) {
      const [list2] = children(exts, C, DER);
      for (const e of list2 ? children(list2, C, DER) : []) {
        if (e.tag !== 0x30) malformed('bad Extension');
        const [o, ...rest] = children(e, C, DER);
        if (o && o.tag === 0x06 && decodeOidContent(o.content) === OID.ocspNonce) {
          const value = rest[rest.length - 1];
          if (!value || value.tag !== 0x04 || value.end - value.contentStart > 34) malformed('bad nonce');
          nonceExtension = Buffer.from(e.raw);
        }
      }
    }
    return { certIds, nonceExtension };
  } catch (e) {
    if (e instanceof AppError && e.message.startsWith(MALFORMED)) throw e;
    malformed(`not valid DER (${e instanceof Error ? e.message : 'unreadable'})`, e);
  }
}

/** Hashes a CA is known by in CertIDs: H(issuer Name DER) and H(issuer key BIT STRING payload). */
export function issuerHashes(issuerNameDer: Buffer, issuerPublicKeyBits: Buffer, hash: string): { nameHash: Buffer; keyHash: Buffer } {
  return {
    nameHash: createHash(hash).update(issuerNameDer).digest(),
    keyHash: createHash(hash).update(issuerPublicKeyBits).digest(),
  };
}

export type OcspCertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'revoked'; readonly revokedAt: Date; readonly reasonCode: number | undefined }
  | { readonly kind: 'unknown' };

export interface OcspSingle {
  readonly certIdRaw: Buffer;
  readonly status: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/** SingleResponse (RFC 6960 §4.2.1). */
function encodeSingle(s: OcspSingle): Der {
  let status: Der;
  if (s.status.kind === 'good') status = Buffer.from([0x80, 0x00]);
  else if (s.status.kind === 'unknown') status = Buffer.from([0x82, 0x00]);
  else {
    const inner: Der[] = [generalizedTime(s.status.revokedAt)];
    if (s.status.reasonCode !== undefined && s.status.reasonCode !== 0) inner.push(explicit(0, enumerated(s.status.reasonCode)));
    status = tlv(0xa1, inner);
  }
  return seq(s.certIdRaw, status, generalizedTime(s.thisUpdate), explicit(0, generalizedTime(s.nextUpdate)));
}

export interface OcspResponder {
  readonly signer: Signer;
  /** Delegated responder certificate DER (EKU OCSPSigning, id-pkix-ocsp-nocheck). */
  readonly certificate: Buffer;
  /** SHA-1 of the responder's public key BIT STRING payload (ResponderID byKey, §4.2.2.3). */
  readonly keyHash: Buffer;
}

/** A successful OCSPResponse with a BasicOCSPResponse signed by the responder (§4.2.1). */
export async function buildOcspResponse(o: {
  responder: OcspResponder;
  producedAt: Date;
  singles: readonly OcspSingle[];
  nonceExtension?: Buffer | undefined;
}): Promise<Buffer> {
  const tbsParts: Der[] = [explicit(2, octets(o.responder.keyHash)), generalizedTime(o.producedAt), seq(...o.singles.map(encodeSingle))];
  if (o.nonceExtension) tbsParts.push(explicit(1, seq(o.nonceExtension)));
  const tbs = seq(...tbsParts);
  const signature = await o.responder.signer.sign(tbs);
  const basic = seq(
    tbs,
    signatureAlgorithmIdentifier(o.responder.signer.algorithm),
    bits(signature),
    explicit(0, seq(o.responder.certificate)),
  );
  return seq(enumerated(0), explicit(0, seq(oid(OID.ocspBasic), octets(basic))));
}

/** An unsuccessful OCSPResponse: status only, no responseBytes (§4.2.1). */
export function ocspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Buffer {
  return seq(enumerated(STATUS_CODES[status]));
}
