import { createHash, createPublicKey } from 'node:crypto';
import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { AppError } from '../core/errors.js';
import type { Signer } from '../core/signature-algorithms.js';
import { ecdsaDerToRaw } from '../cms/ecdsa-signature.js';
import { checkTimestampToken } from '../cms/timestamp-token.js';
import { canonicalJson } from './canonical-json.js';

/** JOSE `typ` of a checkpoint (RFC 7515 §4.1.9), so a checkpoint cannot pass for another JWS of ours. */
export const CHECKPOINT_TYP = 'kyso-audit-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What a checkpoint asserts: this log had `treeSize` events with this RFC 9162 root at `time`. */
export interface CheckpointPayload {
  readonly v: number;
  /** The log's public URL: a checkpoint of one installation is not taken for another's. */
  readonly log: string;
  readonly treeSize: number;
  /** Lowercase hex SHA-256 root (RFC 9162 §2.1.1). */
  readonly rootHash: string;
  /** ISO-8601 UTC. */
  readonly time: string;
}

/** The public JWK (RFC 7517) of a key in SubjectPublicKeyInfo DER, and its RFC 7638 thumbprint as kid. */
export async function publicJwkOf(spki: Buffer): Promise<{ kid: string; jwk: Record<string, unknown> }> {
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  return { kid, jwk: { ...jwk, kid, use: 'sig', alg: jwsAlgorithmOf(jwk) } };
}

function jwsAlgorithmOf(jwk: Record<string, unknown>): 'ES256' | 'ES384' {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'audit checkpoint keys are ECDSA P-256 or P-384');
}

/**
 * Compact JWS (RFC 7515 §7.1) of a checkpoint. The private key stays in the key store, so the
 * signing input is signed through its Signer and the DER ECDSA value converted to the r||s form
 * JWS requires (RFC 7518 §3.4); the payload is canonical JSON (RFC 8785 rules) so it re-encodes
 * to the same bytes.
 */
export async function signCheckpoint(p: CheckpointPayload, signer: Signer, kid: string): Promise<string> {
  const { jwk } = await publicJwkOf(signer.publicKeySpki);
  const alg = jwsAlgorithmOf(jwk);
  const header = base64url.encode(canonicalJson({ alg, kid, typ: CHECKPOINT_TYP }));
  const payload = base64url.encode(canonicalJson({ ...p }));
  const input = `${header}.${payload}`;
  const der = await signer.sign(Buffer.from(input, 'ascii'));
  return `${input}.${base64url.encode(ecdsaDerToRaw(der, alg === 'ES256' ? 32 : 48))}`;
}

/**
 * Checks a checkpoint JWS with `jose` against the published keys (by kid) and returns what it
 * asserts. Any failure is AUDIT_CHECKPOINT_INVALID with the reason.
 */
export async function verifyCheckpointJws(jws: string, keys: readonly Record<string, unknown>[]): Promise<CheckpointPayload> {
  const bad = (m: string, cause?: unknown): never => {
    throw new AppError('AUDIT_CHECKPOINT_INVALID', m, cause === undefined ? {} : { cause });
  };
  let header;
  try {
    header = decodeProtectedHeader(jws);
  } catch (e) {
    return bad('checkpoint is not a compact JWS', e);
  }
  if (header.typ !== CHECKPOINT_TYP) bad(`checkpoint JWS typ is ${String(header.typ)}, not ${CHECKPOINT_TYP}`);
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) return bad(`checkpoint signed by unknown key ${String(header.kid)}`);
  let payload: Uint8Array;
  try {
    const key = await importJWK(jwk as JWK, jwsAlgorithmOf(jwk));
    ({ payload } = await compactVerify(jws, key, { algorithms: ['ES256', 'ES384'] }));
  } catch (e) {
    return bad('checkpoint signature does not verify', e);
  }
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (e) {
    return bad('checkpoint payload is not JSON', e);
  }
  const o = p as Record<string, unknown>;
  if (
    o.v !== CHECKPOINT_VERSION ||
    typeof o.log !== 'string' ||
    !Number.isSafeInteger(o.treeSize) ||
    (o.treeSize as number) < 0 ||
    typeof o.rootHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(o.rootHash) ||
    typeof o.time !== 'string'
  )
    bad('checkpoint payload is malformed');
  return o as unknown as CheckpointPayload;
}

/**
 * The RFC 3161 token of a checkpoint covers SHA-256 of the JWS text: checked for imprint, CMS
 * signature and TSA EKU (src/cms/timestamp-token.ts); returns the genTime.
 */
export function checkCheckpointTimestamp(jws: string, token: Buffer): Date {
  const digest = createHash('sha256').update(jws, 'ascii').digest();
  return checkTimestampToken(token, { digest, hash: 'sha256' }, 'AUDIT_CHECKPOINT_INVALID').tstInfo.genTime;
}
