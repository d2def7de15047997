import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { explicit, generalizedTime, implicitPrim, int, namedBits, octets, oid, seq, setOf, utf8, x509Time, type Der } from '../core/der.js';
import { AppError } from '../core/errors.js';
import {
  digestAlgorithmIdentifier,
  hashOf,
  HASH_LENGTHS,
  verifyWithKey,
  type HashName,
  type Signer,
} from '../core/signature-algorithms.js';
import { certificateInfo, extendedKeyUsage } from './certificate-info.js';
import { OID } from '../core/oids.js';
import { attribute, encodeSignedData, encodeSignerInfo, essSigningCertificateV2Attribute } from './signed-data.js';
import { FAIL_INFO, parseTimestampRequest, type FailInfo } from './timestamp-request.js';

/**
 * RFC 3161 timestamp authority core (no transport): TimeStampReq in, TimeStampResp out, with
 * RFC 5816 ESSCertIDv2 in the token. The token is a CMS SignedData (eContentType id-ct-TSTInfo,
 * RFC 3161 §2.4.2) signed through the `Signer` port so the key stays in the key store.
 *
 * Serial numbers: 127 random bits from node:crypto per token (unique with overwhelming
 * probability and not guessable, RFC 3161 §2.4.2 requires uniqueness only); inject
 * `serialNumber` to use a counter instead.
 */
export interface Accuracy {
  readonly seconds?: number;
  readonly millis?: number;
  readonly micros?: number;
}

export interface TimestampAuthorityOptions {
  readonly signer: Signer;
  /** TSA certificate DER (EKU id-kp-timeStamping, critical, RFC 3161 §2.3). */
  readonly certificate: Buffer;
  /** Further certificates added to the token when certReq is true (issuing CAs). */
  readonly chain?: readonly Buffer[];
  readonly policyOid: string;
  /** The TSA's own time source (RFC 3161 §2.4.2 genTime), separate from the signer's clock. */
  readonly clock: Clock;
  /** Default one second. */
  readonly accuracy?: Accuracy;
  /** Put the TSA certificate's subject in TSTInfo.tsa (RFC 3161 §2.4.2, optional). */
  readonly includeTsaName?: boolean;
  /** Add the CMS signing-time attribute (allowed in tokens; default true). */
  readonly signingTime?: boolean;
  /**
   * Checked before every token: a reason text while the TSA's own certificate is not good
   * (revoked, on hold, expired), undefined when it may answer. A TSA must not issue tokens its
   * relying parties have to reject (RFC 3161 §2.3, §4: the TSA key must be valid at genTime).
   */
  readonly unfitReason?: () => Promise<string | undefined>;
  /** Serial source; default random 127-bit. */
  readonly serialNumber?: () => bigint;
}

export interface IssueRequest {
  readonly hash: HashName;
  readonly digest: Buffer;
  /** A bigint, or the nonce INTEGER DER from a request (echoed verbatim). */
  readonly nonce?: bigint | Buffer;
  readonly certReq?: boolean;
}

export interface IssuedToken {
  readonly token: Buffer;
  readonly serialNumber: bigint;
  readonly genTime: Date;
}

export interface TimestampAuthority {
  readonly policyOid: string;
  /** Answer a DER TimeStampReq with a DER TimeStampResp; bad requests get a rejection status, never an exception. */
  respond(requestDer: Buffer): Promise<Buffer>;
  /**
   * Issue a token directly (in-process clients). Its signature has been checked with the TSA
   * certificate's public key before it is handed out (a key store fault or a key that does not
   * match the certificate is TSA_UNAVAILABLE, never a token), and its imprint and nonce are the
   * request's, so an in-process client need not parse the token again to rely on it.
   */
  issue(request: IssueRequest): Promise<IssuedToken>;
}

/** PKIStatusInfo (RFC 3161 §2.4.2 / RFC 4210 §5.2.3). */
function statusInfo(status: number, text?: string, failInfo?: FailInfo): Der {
  const parts: Uint8Array[] = [int(status)];
  if (text) parts.push(seq(utf8(text)));
  if (failInfo) parts.push(namedBits([FAIL_INFO[failInfo]]));
  return seq(...parts);
}

/** A rejection TimeStampResp (status 2) with the given failure bit. */
export function rejectionResponse(failInfo: FailInfo, text: string): Buffer {
  return seq(statusInfo(2, text, failInfo));
}

// Random bytes are drawn from a pooled buffer: one randomBytes call per 256 serials instead of
// one per token (the per-call overhead showed up in the TSA benchmark).
let pool = Buffer.alloc(0);
let poolPos = 0;
function randomSerial(): bigint {
  if (poolPos + 16 > pool.length) {
    pool = randomBytes(4096);
    poolPos = 0;
  }
  const b = pool.subarray(poolPos, poolPos + 16);
  poolPos += 16;
  const hex = (b[0]! & 0x7f).toString(16).padStart(2, '0') + b.subarray(1).toString('hex');
  return BigInt('0x' + hex) || 1n;
}

function accuracyDer(a: Accuracy): Der | undefined {
  const parts: Uint8Array[] = [];
  if (a.seconds) parts.push(int(a.seconds));
  if (a.millis) parts.push(implicitPrim(0, int(a.millis).subarray(2)));
  if (a.micros) parts.push(implicitPrim(1, int(a.micros).subarray(2)));
  return parts.length ? seq(...parts) : undefined;
}

/**
 * Start-up check (RFC 5280 §4.1.2.5, RFC 3161 §2.3): refuse a TSA clock outside the certificate's validity
 * (CLOCK_INVALID) and a certificate that is not a TSA certificate or does not match the key
 * (CONFIG_INVALID).
 */
export function checkTimestampAuthority(o: { clock: Clock; certificate: Buffer; signer?: Signer }): void {
  let info;
  try {
    info = certificateInfo(o.certificate, 'CONFIG_INVALID');
  } catch (e) {
    throw new AppError('CONFIG_INVALID', 'TSA certificate cannot be read', { cause: e });
  }
  const now = o.clock.now();
  if (now < info.notBefore) {
    throw new AppError('CLOCK_INVALID', 'TSA clock is before the TSA certificate notBefore', {
      details: { now: now.toISOString(), notBefore: info.notBefore.toISOString() },
    });
  }
  if (now > info.notAfter) {
    throw new AppError('CLOCK_INVALID', 'TSA clock is after the TSA certificate notAfter (or the certificate expired)', {
      details: { now: now.toISOString(), notAfter: info.notAfter.toISOString() },
    });
  }
  const eku = extendedKeyUsage(info);
  if (!eku || !eku.critical || eku.oids.length !== 1 || eku.oids[0] !== OID.kpTimeStamping) {
    throw new AppError('CONFIG_INVALID', 'TSA certificate must carry exactly EKU id-kp-timeStamping, marked critical (RFC 3161 §2.3)');
  }
  if (o.signer && !o.signer.publicKeySpki.equals(info.spki)) {
    throw new AppError('CONFIG_INVALID', 'TSA key does not match the TSA certificate');
  }
}

export function createTimestampAuthority(o: TimestampAuthorityOptions): TimestampAuthority {
  const info = certificateInfo(o.certificate, 'CONFIG_INVALID');
  const digestAlgorithm = hashOf(o.signer.algorithm);
  const essAttr = essSigningCertificateV2Attribute(o.certificate);
  const policy = oid(o.policyOid);
  const accuracy = accuracyDer(o.accuracy ?? { seconds: 1 });
  const tsaName = o.includeTsaName ? explicit(0, explicit(4, info.subject)) : undefined;
  const chain = [...(o.chain ?? [])];
  const nextSerial = o.serialNumber ?? randomSerial;
  const contentTypeAttr = attribute(OID.contentType, oid(OID.tstInfo));

  // the key relying parties check the tokens with: the certificate's, not the signer's own idea of it
  let certificateKey: KeyObject | undefined;

  async function issue(r: IssueRequest): Promise<IssuedToken> {
    const unfit = await o.unfitReason?.();
    if (unfit) throw new AppError('TSA_UNAVAILABLE', unfit);
    const { issued, signedAttributes, signature } = await sign(r);
    certificateKey ??= createPublicKey({ key: info.spki, format: 'der', type: 'spki' });
    // RFC 3161 §2.4.2: the token is a SignedData over exactly these signed attributes; a value
    // that does not verify with the certificate's key must never reach a signature or the audit log
    if (!verifyWithKey(o.signer.algorithm, certificateKey, signedAttributes, signature)) {
      throw new AppError('TSA_UNAVAILABLE', "the timestamp signature does not verify with the TSA certificate's key");
    }
    return issued;
  }

  async function sign(r: IssueRequest): Promise<{ issued: IssuedToken; signedAttributes: Buffer; signature: Buffer }> {
    if (r.digest.length !== HASH_LENGTHS[r.hash]) throw new TypeError('digest length does not fit the hash');
    const genTime = o.clock.now();
    const serialNumber = nextSerial();
    // TSTInfo (RFC 3161 §2.4.2); ordering FALSE is the DEFAULT, so DER omits it.
    const fields: Uint8Array[] = [
      int(1),
      policy,
      seq(digestAlgorithmIdentifier(r.hash), octets(r.digest)),
      int(serialNumber),
      generalizedTime(genTime, true),
    ];
    if (accuracy) fields.push(accuracy);
    if (r.nonce !== undefined) fields.push(Buffer.isBuffer(r.nonce) ? r.nonce : int(r.nonce));
    if (tsaName) fields.push(tsaName);
    const tstInfo = seq(...fields);
    const attrs: Buffer[] = [
      contentTypeAttr,
      attribute(OID.messageDigest, octets(createHash(digestAlgorithm).update(tstInfo).digest())),
      essAttr,
    ];
    if (o.signingTime !== false) attrs.push(attribute(OID.signingTime, x509Time(genTime)));
    const signedAttributes = setOf(attrs);
    const signature = await o.signer.sign(signedAttributes);
    const signerInfo = encodeSignerInfo({
      signerCertificate: o.certificate,
      digestAlgorithm,
      signedAttributes,
      algorithm: o.signer.algorithm,
      signature,
    });
    const token = encodeSignedData({
      digestAlgorithm,
      eContentType: OID.tstInfo,
      eContent: tstInfo,
      signerCertificate: r.certReq ? o.certificate : undefined,
      certificates: r.certReq ? chain : [],
      signerInfo,
    });
    return { issued: { token, serialNumber, genTime }, signedAttributes, signature };
  }

  async function respond(requestDer: Buffer): Promise<Buffer> {
    const parsed = parseTimestampRequest(requestDer);
    if (!parsed.ok) return rejectionResponse(parsed.failInfo, parsed.text);
    const req = parsed.request;
    if (req.reqPolicy && req.reqPolicy !== o.policyOid)
      return rejectionResponse('unacceptedPolicy', `policy ${req.reqPolicy} is not offered`);
    if (req.hasExtensions) return rejectionResponse('unacceptedExtension', 'request extensions are not supported');
    let issued: IssuedToken;
    try {
      // RFC 3161 §2.4.2: PKIStatus rejection with failInfo systemFailure ("the request cannot be
      // handled due to system failure") — the fitting bit when the TSA's own certificate is unusable.
      const unfit = await o.unfitReason?.();
      if (unfit) return rejectionResponse('systemFailure', unfit);
      ({ issued } = await sign({
        hash: req.hashAlgorithm,
        digest: req.hashedMessage,
        certReq: req.certReq,
        ...(req.nonceDer ? { nonce: req.nonceDer } : {}),
      }));
    } catch {
      return rejectionResponse('systemFailure', 'the timestamp could not be signed');
    }
    return seq(statusInfo(0), issued.token);
  }

  return { policyOid: o.policyOid, respond, issue };
}
