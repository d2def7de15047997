import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { ErrorCode } from '../core/error-codes.js';
import { certificateInfo, extendedKeyUsage } from './certificate-info.js';
import { internCertificate } from './certificate-intern.js';
import { children, decodeInteger, decodeOid, decodeSmallInt, decodeTime, expectTag, readDer } from '../core/der-reader.js';
import { HASH_BY_OID, OID, type AnyHashName } from '../core/oids.js';
import { algorithmIdentifier, parseCms, type ParsedCms } from './parse.js';
import { essBinding, findSignerCertificate, verifySignerInfoSignature } from './verify.js';

/** TSTInfo (RFC 3161 §2.4.2). */
export interface TstInfo {
  readonly version: number;
  readonly policy: string;
  readonly hashAlgorithm: AnyHashName | string;
  readonly hashedMessage: Buffer;
  readonly serialNumber: bigint;
  readonly genTime: Date;
  readonly accuracy: { seconds: number; millis: number; micros: number } | undefined;
  readonly ordering: boolean;
  readonly nonce: bigint | undefined;
  /** GeneralName DER inside [0], when present. */
  readonly tsaName: Buffer | undefined;
  readonly raw: Buffer;
}

export interface ParsedTimestampToken {
  readonly cms: ParsedCms;
  readonly tstInfo: TstInfo;
}

/** TimeStampResp (RFC 3161 §2.4.2): status, optional failure bits, optional token. */
export interface ParsedTimestampResponse {
  readonly status: number;
  readonly statusText: string[];
  /** Bit numbers set in PKIFailureInfo. */
  readonly failInfo: number[];
  readonly token: Buffer | undefined;
}

/** TSTInfo DER → fields; throws an AppError when unreadable (parseTimestampToken maps it to CMS_MALFORMED). */
export function parseTstInfo(der: Buffer): TstInfo {
  const top = expectTag(readDer(der), 0x30, 'TSTInfo');
  const f = children(top);
  const version = decodeSmallInt(f[0] ?? expectTag(undefined, 0x02, 'version'));
  const policy = decodeOid(f[1] ?? expectTag(undefined, 0x06, 'policy'));
  const mi = children(expectTag(f[2], 0x30, 'messageImprint'));
  const hashOid = algorithmIdentifier(mi[0], 'hashAlgorithm').oid;
  const hashedMessage = expectTag(mi[1], 0x04, 'hashedMessage').content;
  const serialNumber = decodeInteger(expectTag(f[3], 0x02, 'serialNumber'));
  const genTime = decodeTime(expectTag(f[4], 0x18, 'genTime'));
  let i = 5;
  let accuracy: TstInfo['accuracy'];
  if (f[i]?.tag === 0x30) {
    accuracy = { seconds: 0, millis: 0, micros: 0 };
    for (const a of children(f[i++]!)) {
      const v = a.content.length ? Number(BigInt('0x' + a.content.toString('hex'))) : 0;
      if (a.tag === 0x02) accuracy.seconds = v;
      else if (a.tag === 0x80) accuracy.millis = v;
      else if (a.tag === 0x81) accuracy.micros = v;
    }
  }
  let ordering = false;
  if (f[i]?.tag === 0x01) ordering = f[i++]!.content[0] !== 0;
  let nonce: bigint | undefined;
  if (f[i]?.tag === 0x02) nonce = decodeInteger(f[i++]!);
  let tsaName: Buffer | undefined;
  if (f[i]?.tag === 0xa0) tsaName = children(f[i++]!)[0]?.raw;
  return {
    version,
    policy,
    hashAlgorithm: HASH_BY_OID[hashOid] ?? hashOid,
    hashedMessage,
    serialNumber,
    genTime,
    accuracy,
    ordering,
    nonce,
    tsaName,
    raw: top.raw,
  };
}

/** Parse a timestamp token (a CMS ContentInfo whose eContent is TSTInfo); CMS_MALFORMED otherwise. */
export function parseTimestampToken(token: Buffer): ParsedTimestampToken {
  const cms = parseCms(token);
  if (cms.encapContentType !== OID.tstInfo || !cms.encapsulatedContent) {
    throw new AppError('CMS_MALFORMED', 'not a timestamp token (eContentType is not id-ct-TSTInfo)');
  }
  try {
    return { cms, tstInfo: parseTstInfo(cms.encapsulatedContent) };
  } catch (e) {
    if (e instanceof AppError && e.code === 'CMS_MALFORMED') throw e;
    throw new AppError('CMS_MALFORMED', 'TSTInfo could not be read', { cause: e });
  }
}

/** Parse a TimeStampResp; TSA_RESPONSE_INVALID when it is not one. */
export function parseTimestampResponse(der: Buffer): ParsedTimestampResponse {
  try {
    const top = expectTag(readDer(der, 0, 'TSA_RESPONSE_INVALID'), 0x30, 'TimeStampResp', 'TSA_RESPONSE_INVALID');
    const [statusNode, tokenNode] = children(top, 'TSA_RESPONSE_INVALID');
    const st = children(expectTag(statusNode, 0x30, 'PKIStatusInfo', 'TSA_RESPONSE_INVALID'), 'TSA_RESPONSE_INVALID');
    const status = decodeSmallInt(expectTag(st[0], 0x02, 'status', 'TSA_RESPONSE_INVALID'), 'TSA_RESPONSE_INVALID');
    const statusText: string[] = [];
    const failInfo: number[] = [];
    for (const n of st.slice(1)) {
      if (n.tag === 0x30) for (const t of children(n, 'TSA_RESPONSE_INVALID')) statusText.push(t.content.toString('utf8'));
      else if (n.tag === 0x03) {
        const bytes = n.content.subarray(1);
        for (let b = 0; b < bytes.length * 8; b++) if ((bytes[b >> 3]! >> (7 - (b & 7))) & 1) failInfo.push(b);
      }
    }
    return { status, statusText, failInfo, token: tokenNode?.raw };
  } catch (e) {
    if (e instanceof AppError && e.code === 'TSA_RESPONSE_INVALID') throw e;
    throw new AppError('TSA_RESPONSE_INVALID', 'timestamp response could not be read', { cause: e });
  }
}

export interface TokenCheck {
  readonly tstInfo: TstInfo;
  readonly tsaCertificate: Buffer;
  readonly cms: ParsedCms;
}

/**
 * Check a token for what a client (or a verifier) must know before relying on it (RFC 3161
 * §2.4.2 and §4): the imprint equals our digest, the nonce matches, the CMS signature verifies
 * with the TSA certificate (from the token or `certificates`), message-digest covers TSTInfo,
 * ESS signing-certificate(-v2) binds that certificate, and its EKU is timeStamping only,
 * critical. Trust in the TSA's chain is the verifier's business. Errors use `code`.
 */
export function checkTimestampToken(
  token: Buffer,
  expect: { digest: Buffer; hash: string; nonce?: bigint; certificates?: readonly Buffer[] },
  code: ErrorCode = 'TSA_RESPONSE_INVALID',
): TokenCheck {
  const bad = (msg: string, cause?: unknown): never => {
    throw new AppError(code, msg, cause === undefined ? {} : { cause });
  };
  let parsed: ParsedTimestampToken;
  try {
    parsed = parseTimestampToken(token);
  } catch (e) {
    return bad('timestamp token could not be read', e);
  }
  const { cms, tstInfo } = parsed;
  if (tstInfo.hashAlgorithm !== expect.hash || !tstInfo.hashedMessage.equals(expect.digest))
    bad('timestamp imprint does not match the data');
  if (expect.nonce !== undefined && tstInfo.nonce !== expect.nonce) bad('timestamp nonce does not match the request');
  if (cms.signerInfoCount !== 1) bad('timestamp token must have exactly one SignerInfo');
  const si = cms.signerInfos[0]!;
  // interned: the TSA's certificate is then parsed once per process, not once per token
  const cert = findSignerCertificate(si, [...cms.certificates, ...(expect.certificates ?? [])].map(internCertificate));
  if (!cert) return bad('TSA certificate not found in the token or the configured certificates');
  if (si.contentType !== OID.tstInfo) bad('timestamp content-type attribute is not id-ct-TSTInfo');
  const h = si.digestAlgorithm;
  if (
    !si.messageDigest ||
    !Object.values(HASH_BY_OID).includes(h as AnyHashName) ||
    !createHash(h).update(cms.encapsulatedContent!).digest().equals(si.messageDigest)
  ) {
    bad('timestamp message-digest does not cover TSTInfo');
  }
  let ok = false;
  try {
    ok = verifySignerInfoSignature(si, certificateInfo(cert).spki);
  } catch (e) {
    bad('timestamp signature could not be checked', e);
  }
  if (!ok) bad('timestamp signature does not verify');
  if (essBinding(si, cert) !== 'match') bad('timestamp signing-certificate attribute does not bind the TSA certificate');
  const eku = extendedKeyUsage(certificateInfo(cert));
  if (!eku || !eku.critical || !eku.oids.includes(OID.kpTimeStamping)) bad('TSA certificate lacks critical EKU timeStamping');
  return { tstInfo, tsaCertificate: cert, cms };
}
