import { bool, int, octets, oid, seq, type Der } from '../core/der.js';
import { HASH_LENGTHS, HASH_OIDS, digestAlgorithmIdentifier, type HashName } from '../core/signature-algorithms.js';
import { children, decodeInteger, decodeOid, readDer } from '../core/der-reader.js';
import { HASH_BY_OID } from '../core/oids.js';

/**
 * RFC 3161 §2.4.1 TimeStampReq:
 *   SEQUENCE { version INTEGER (1), messageImprint MessageImprint, reqPolicy OID OPTIONAL,
 *              nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, extensions [0] OPTIONAL }
 */
export interface TimestampRequest {
  readonly hashAlgorithm: HashName;
  readonly hashedMessage: Buffer;
  readonly reqPolicy: string | undefined;
  /** The nonce INTEGER element exactly as received (echoed verbatim, RFC 3161 §2.4.2). */
  readonly nonceDer: Buffer | undefined;
  readonly nonce: bigint | undefined;
  readonly certReq: boolean;
  readonly hasExtensions: boolean;
}

/** PKIFailureInfo bits (RFC 3161 §2.4.2). */
export const FAIL_INFO = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type FailInfo = keyof typeof FAIL_INFO;

export type RequestParse =
  { readonly ok: true; readonly request: TimestampRequest } | { readonly ok: false; readonly failInfo: FailInfo; readonly text: string };

const SUPPORTED: Record<string, HashName> = {
  [HASH_OIDS.sha256]: 'sha256',
  [HASH_OIDS.sha384]: 'sha384',
  [HASH_OIDS.sha512]: 'sha512',
};

/** Parse a TimeStampReq; never throws for bad input, it says which PKIFailureInfo applies. */
export function parseTimestampRequest(der: Buffer): RequestParse {
  let fields;
  try {
    const top = readDer(der, 0, 'BAD_REQUEST');
    if (top.tag !== 0x30 || top.raw.length !== der.length) return { ok: false, failInfo: 'badDataFormat', text: 'not a DER TimeStampReq' };
    fields = children(top, 'BAD_REQUEST');
    const version = fields[0]?.tag === 0x02 ? decodeInteger(fields[0], 'BAD_REQUEST') : undefined;
    const mi = fields[1]?.tag === 0x30 ? children(fields[1], 'BAD_REQUEST') : undefined;
    if (version === undefined || !mi || mi[0]?.tag !== 0x30 || mi[1]?.tag !== 0x04) {
      return { ok: false, failInfo: 'badDataFormat', text: 'malformed TimeStampReq' };
    }
    const algParts = children(mi[0], 'BAD_REQUEST');
    const algOid = algParts[0] ? decodeOid(algParts[0], 'BAD_REQUEST') : '';
    let i = 2;
    let reqPolicy: string | undefined;
    let nonceDer: Buffer | undefined;
    let nonce: bigint | undefined;
    let certReq = false;
    let hasExtensions = false;
    if (fields[i]?.tag === 0x06) reqPolicy = decodeOid(fields[i++]!, 'BAD_REQUEST');
    if (fields[i]?.tag === 0x02) {
      nonceDer = fields[i]!.raw;
      nonce = decodeInteger(fields[i++]!, 'BAD_REQUEST');
    }
    if (fields[i]?.tag === 0x01) certReq = fields[i++]!.content[0] !== 0;
    if (fields[i]?.tag === 0xa0) {
      hasExtensions = true;
      i++;
    }
    if (i !== fields.length) return { ok: false, failInfo: 'badDataFormat', text: 'unexpected fields in TimeStampReq' };
    if (version !== 1n) return { ok: false, failInfo: 'badRequest', text: 'TimeStampReq version must be 1' };
    const hashAlgorithm = SUPPORTED[algOid];
    if (!hashAlgorithm) {
      const known = HASH_BY_OID[algOid];
      return { ok: false, failInfo: 'badAlg', text: `hash algorithm ${known ?? algOid} is not accepted (use SHA-256, SHA-384 or SHA-512)` };
    }
    const hashedMessage = mi[1].content;
    if (hashedMessage.length !== HASH_LENGTHS[hashAlgorithm]) {
      return { ok: false, failInfo: 'badDataFormat', text: `hashedMessage length does not fit ${hashAlgorithm}` };
    }
    return { ok: true, request: { hashAlgorithm, hashedMessage, reqPolicy, nonceDer, nonce, certReq, hasExtensions } };
  } catch {
    return { ok: false, failInfo: 'badDataFormat', text: 'malformed TimeStampReq' };
  }
}

/** Encode a TimeStampReq (clients). */
export function encodeTimestampRequest(o: {
  hash: HashName;
  digest: Buffer;
  nonce?: bigint | Buffer;
  certReq?: boolean;
  policyOid?: string;
}): Der {
  const fields: Uint8Array[] = [int(1), seq(digestAlgorithmIdentifier(o.hash), octets(o.digest))];
  if (o.policyOid) fields.push(oid(o.policyOid));
  if (o.nonce !== undefined) fields.push(int(o.nonce));
  if (o.certReq) fields.push(bool(true));
  return seq(...fields);
}
