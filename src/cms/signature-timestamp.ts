import { explicit, seq, set, tlv } from '../core/der.js';
import { AppError } from '../core/errors.js';
import type { HashName } from '../core/signature-algorithms.js';
import { children, decodeOid, expectTag, readDer } from '../core/der-reader.js';
import { OID } from '../core/oids.js';
import { signatureTimestampAttribute } from './signed-data.js';
import type { TimestampClient } from './timestamp-client.js';

/**
 * PAdES B-T (ETSI EN 319 142-1 §6.3, ETSI EN 319 122-1 §5.3): a signature-time-stamp over the
 * SignerInfo's signature value, as an unsigned attribute. Only the unsigned attributes are
 * re-encoded; every signed byte (signed attributes, signature, certificates) is copied verbatim,
 * so the signature stays valid. Enclosing lengths are rewritten in DER.
 */

/** For `signDetachedCms({ timestamp })`: timestamps a signature value through a client. */
export function signatureTimestamper(client: TimestampClient, hash: HashName = 'sha256'): (signatureValue: Buffer) => Promise<Buffer> {
  return (signatureValue) => client.timestamp({ data: signatureValue }, hash);
}

/**
 * PAdES document timestamp (ETSI EN 319 142-1 §5.4, SubFilter ETSI.RFC3161): the /Contents is the
 * RFC 3161 token itself, over the digest of the byte ranges.
 */
export function documentTimestamp(client: TimestampClient, byteRangeDigest: Buffer, hash: HashName = 'sha256'): Promise<Buffer> {
  return client.timestamp({ digest: byteRangeDigest }, hash);
}

/** Returns a new ContentInfo with a signature-time-stamp added to the (single) SignerInfo. */
export async function addSignatureTimestamp(cmsDer: Buffer, client: TimestampClient, hash: HashName = 'sha256'): Promise<Buffer> {
  let ci, sdFields, siFields, signature: Buffer;
  try {
    ci = children(expectTag(readDer(cmsDer), 0x30, 'ContentInfo'));
    if (!ci[0] || decodeOid(ci[0]) !== OID.signedData) throw new AppError('CMS_MALFORMED', 'not a SignedData ContentInfo');
    const [sd] = children(expectTag(ci[1], 0xa0, 'content'));
    sdFields = children(expectTag(sd, 0x30, 'SignedData'));
    const infos = children(expectTag(sdFields[sdFields.length - 1], 0x31, 'signerInfos'));
    if (infos.length !== 1) throw new AppError('CMS_MALFORMED', 'B-T needs exactly one SignerInfo');
    siFields = children(expectTag(infos[0], 0x30, 'SignerInfo'));
    const last = siFields[siFields.length - 1];
    const sigNode = last?.tag === 0xa1 ? siFields[siFields.length - 2] : last;
    signature = expectTag(sigNode, 0x04, 'signature').content;
  } catch (e) {
    if (e instanceof AppError && e.code === 'CMS_MALFORMED') throw e;
    throw new AppError('CMS_MALFORMED', 'CMS structure could not be read', { cause: e });
  }
  const token = await client.timestamp({ data: signature }, hash);
  const lastField = siFields[siFields.length - 1]!;
  const existing = lastField.tag === 0xa1 ? children(lastField, 'CMS_MALFORMED').map((a) => a.raw) : [];
  const kept = lastField.tag === 0xa1 ? siFields.slice(0, -1) : siFields;
  const unsigned = [...existing, signatureTimestampAttribute(token)].sort((a, b) => Buffer.compare(a, b));
  const signerInfo = seq(...kept.map((f) => f.raw), tlv(0xa1, unsigned));
  const signedData = seq(...sdFields.slice(0, -1).map((f) => f.raw), set(signerInfo));
  return seq(ci[0]!.raw, explicit(0, signedData));
}
