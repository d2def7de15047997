import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { HashName } from '../core/signature-algorithms.js';
import type { TimestampAuthority } from './timestamp-authority.js';

/**
 * Timestamp client port (RFC 3161 §3.4): our own TSA in-process by default, any RFC 3161 URL
 * by configuration (src/cms/tsa-http-client.ts). Returns the token (ContentInfo DER) after
 * checking imprint, nonce and signature, so a caller never embeds a token for other data.
 */
export type TimestampInput = { readonly data: Uint8Array } | { readonly digest: Buffer };

export interface TimestampClient {
  timestamp(input: TimestampInput, hash?: HashName): Promise<Buffer>;
}

export function digestOf(input: TimestampInput, hash: HashName): Buffer {
  if ('digest' in input) return input.digest;
  return createHash(hash).update(input.data).digest();
}

/** A positive 64-bit random nonce (RFC 3161 §2.4.1: large random number). */
export function randomNonce(): bigint {
  const b = randomBytes(8);
  b[0] = b[0]! & 0x7f;
  return BigInt('0x' + b.toString('hex'));
}

/**
 * In-process client: calls the TSA core directly. The core has checked the token's signature with
 * the TSA certificate before handing it over, and built its imprint and nonce from this request
 * (TimestampAuthority.issue), so the token is not parsed and verified a second time here; a
 * token from anywhere else (tsa-http-client.ts) is checked in full with checkTimestampToken.
 */
export function createInProcessTimestampClient(tsa: TimestampAuthority): TimestampClient {
  return {
    async timestamp(input, hash = 'sha256') {
      const digest = digestOf(input, hash);
      try {
        return (await tsa.issue({ hash, digest, nonce: randomNonce(), certReq: true })).token;
      } catch (e) {
        if (e instanceof TypeError) throw e;
        throw new AppError('TSA_UNAVAILABLE', 'the timestamp authority could not issue a token', { cause: e });
      }
    },
  };
}
