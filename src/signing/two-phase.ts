import { createHash, type KeyObject } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { verifyWithKey, type SignatureAlgorithm } from '../core/signature-algorithms.js';
import { assembleSignedData, signatureTimestampAttribute } from '../cms/signed-data.js';
import { parseCms } from '../cms/parse.js';
import { essBindingDetail, findSignerCertificate, verifySignerInfoSignature } from '../cms/verify.js';
import type { SignSession, SignSessionRepository } from './ports.js';
import type { CompleteInput } from './types.js';
import type { PdfSignatureEngine, RevocationMaterialPort, TimestampPort } from './signing-ports.js';
import { embedIntoPlaceholder, signedRanges } from './prepared-file.js';
import { completionCms } from './two-phase-cms.js';
import { internCertificate } from '../cms/certificate-intern.js';
import { certificatePublicKey } from '../cms/certificate-public-key.js';
import { extendToLevel, timestampData, tokenCertificates } from './pades-levels.js';
import { LEVEL_RANK } from '../core/pades-level.js';
import { checkSignerCertificate, type CertificateStatusPort } from './certificate-checks.js';

export interface CompleteDeps {
  readonly sessions: SignSessionRepository;
  readonly clock: Clock;
  readonly engine: PdfSignatureEngine;
  readonly timestamp?: TimestampPort | undefined;
  readonly revocation?: RevocationMaterialPort | undefined;
  /** Asked again at completion: a certificate suspended or revoked since the prepare signs nothing more. */
  readonly certificateStatus?: CertificateStatusPort | undefined;
}

/**
 * Two-phase completion (docs/signatures-and-validation.md "Two phases"): the token's signature is
 * checked against the prepared signed attributes and the session's certificate BEFORE anything
 * is written; a mismatch changes nothing (the session stays usable for a correct retry). On
 * success the session is consumed (single use) and only the placeholder of the prepared file is
 * filled.
 */
export async function completeSession(
  sessionId: string,
  input: CompleteInput,
  actorId: string | undefined,
  deps: CompleteDeps,
): Promise<Buffer> {
  const [outcome] = await completeSessions([{ sessionId, input }], actorId, deps);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.pdf;
}

/** One completion's outcome: the signed PDF, or what refused it (nothing was written for it). */
export type CompletionOutcome = { readonly ok: true; readonly pdf: Buffer } | { readonly ok: false; readonly error: unknown };

/**
 * Completes several sessions (a batch) with the same checks as one at a time, each item on its
 * own: an unknown, foreign, spent or expired session or a signature that does not verify refuses
 * that item only. The sessions are read with one statement and the verified ones consumed with
 * one compare-and-set statement (a session used by another request meanwhile, or named twice
 * here, is refused as already completed); the outcomes are in the order of `items`.
 */
export async function completeSessions(
  items: readonly { readonly sessionId: string; readonly input: CompleteInput }[],
  actorId: string | undefined,
  deps: CompleteDeps,
): Promise<CompletionOutcome[]> {
  const sessions = await deps.sessions.getMany([...new Set(items.map((i) => i.sessionId))]);
  const now = deps.clock.now();
  const checked: (CheckedCompletion | { error: unknown })[] = items.map((item) => {
    try {
      return checkCompletion(sessions.get(item.sessionId), item.input, actorId, now);
    } catch (error) {
      return { error };
    }
  });
  // The certificate is checked again now (the session may be ten minutes old): once per
  // certificate of the request (interned: one object per certificate), before anything is consumed.
  const chains = new Map<Buffer, Buffer[]>();
  for (const c of checked) if (!('error' in c)) chains.set(c.certificates[0]!, c.certificates);
  const refusedBy = new Map<Buffer, unknown>();
  for (const [leaf, chain] of chains) {
    try {
      await checkSignerCertificate({ certificates: chain, at: now, ...(deps.certificateStatus ? { status: deps.certificateStatus } : {}) });
    } catch (error) {
      refusedBy.set(leaf, error);
    }
  }
  for (const [i, c] of checked.entries())
    if (!('error' in c) && refusedBy.has(c.certificates[0]!)) checked[i] = { error: refusedBy.get(c.certificates[0]!) };
  const toConsume = checked.flatMap((c) => ('error' in c ? [] : [c.session.id]));
  const consumed = toConsume.length > 0 ? await deps.sessions.consumeMany([...new Set(toConsume)], now) : new Set<string>();
  const outcomes: CompletionOutcome[] = [];
  for (const c of checked) {
    if ('error' in c) {
      outcomes.push({ ok: false, error: c.error });
      continue;
    }
    // Each consumed session goes to the first item naming it; any other item naming it is refused.
    if (!consumed.delete(c.session.id)) {
      outcomes.push({ ok: false, error: new AppError('CONFLICT', 'this signing session was already completed') });
      continue;
    }
    try {
      outcomes.push({ ok: true, pdf: await finishCompletion(c, now, deps) });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/** A session checked for completion: its chain (interned) and the verified signature or CMS. */
interface CheckedCompletion {
  readonly session: SignSession;
  readonly certificates: Buffer[];
  readonly signatureValue: Buffer | undefined;
  readonly cms: Buffer | undefined;
}

/** Everything decided before a write: ownership, single use, expiry, the signature. Throws the refusal. */
function checkCompletion(
  session: SignSession | undefined,
  input: CompleteInput,
  actorId: string | undefined,
  now: Date,
): CheckedCompletion {
  if (!session) throw new AppError('SESSION_NOT_FOUND', 'no such signing session');
  if (session.ownerId !== null && session.ownerId !== actorId)
    throw new AppError('FORBIDDEN', 'this signing session belongs to another user');
  if (session.usedAt !== null) throw new AppError('CONFLICT', 'this signing session was already completed');
  if (now.getTime() >= session.expiresAt.getTime()) throw new AppError('SESSION_EXPIRED', 'the signing session has expired; prepare again');
  // One object per certificate content: the key, the CMS template and the per-certificate CMS
  // parts are then derived once per signer, not once per document.
  const certificates = session.certificates.map(internCertificate);
  const leaf = certificates[0];
  if (!leaf) throw new TypeError('session without certificate');
  const publicKey = certificatePublicKey(leaf);

  const signatureValue =
    'signature' in input ? normaliseSignature(session.algorithm, publicKey, session.signedAttributes, input.signature) : undefined;
  if ('cms' in input) checkTokenCms(session, input.cms, publicKey);
  if (!('cms' in input) && !signatureValue) {
    throw new AppError('SIGNATURE_MISMATCH', 'the signature does not verify against the prepared data and the signer certificate');
  }
  return { session, certificates, signatureValue, cms: 'cms' in input ? input.cms : undefined };
}

/** After the consume: the CMS into the placeholder (and the level's additions); a refusal releases the session. */
async function finishCompletion(c: CheckedCompletion, now: Date, deps: CompleteDeps): Promise<Buffer> {
  const { session, certificates, signatureValue } = c;
  const leaf = certificates[0]!;
  try {
    let cms: Buffer;
    const tsTokens: Buffer[] = [];
    if (signatureValue) {
      const unsigned: Buffer[] = [];
      if (LEVEL_RANK[session.level] >= 1) {
        const token = await timestampData(deps.timestamp, signatureValue, 'sha256');
        tsTokens.push(token);
        unsigned.push(signatureTimestampAttribute(token));
      }
      const parts = {
        signedAttributes: session.signedAttributes,
        signature: signatureValue,
        algorithm: session.algorithm,
        digestAlgorithm: session.digestAlgorithm,
        signerCertificate: leaf,
        certificates: certificates.slice(1),
      };
      cms = unsigned.length
        ? assembleSignedData({ ...parts, unsignedAttributes: unsigned })
        : completionCms({ ...parts, preparedPdf: session.preparedPdf, byteRange: session.byteRange });
    } else {
      if (LEVEL_RANK[session.level] >= 1) {
        throw new AppError('VALIDATION_FAILED', 'levels B-T and above need the raw signature value, not a full CMS');
      }
      cms = c.cms!;
    }
    let out = embedIntoPlaceholder(session.preparedPdf, session.byteRange, cms);
    if (LEVEL_RANK[session.level] >= 2) {
      const chains = [[...certificates], ...tsTokens.map(tokenCertificates)].filter((x) => x.length > 0);
      out = await extendToLevel(out, session.level, chains, now, deps.engine, deps);
    }
    return out;
  } catch (err) {
    // Nothing was returned: let the owner retry with the same session (e.g. the TSA was down).
    if (isAppError(err)) await deps.sessions.release(session.id);
    throw err;
  }
}

/**
 * Returns the signature value to put in the SignerInfo, or undefined when it does not verify.
 * ECDSA tokens often return r||s (IEEE P1363); CMS needs the X9.62 DER form (RFC 5753 §7.2).
 */
function normaliseSignature(alg: SignatureAlgorithm, key: KeyObject, signedAttributes: Buffer, signature: Buffer): Buffer | undefined {
  if (!Buffer.isBuffer(signature) || signature.length === 0) return undefined;
  if (verifyWithKey(alg, key, signedAttributes, signature)) return signature;
  if (alg.startsWith('ECDSA') && signature[0] !== 0x30) {
    const der = p1363ToDer(signature);
    if (der && verifyWithKey(alg, key, signedAttributes, der)) return der;
  }
  return undefined;
}

function p1363ToDer(sig: Buffer): Buffer | undefined {
  if (sig.length % 2 !== 0) return undefined;
  const half = sig.length / 2;
  const int = (b: Buffer): Buffer => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(sig.subarray(0, half)), int(sig.subarray(half))]);
  if (body.length > 127) return undefined;
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * A full CMS from token software: one SignerInfo whose message-digest equals the prepared content
 * digest, signed by the session's certificate and verifying over its own signed attributes.
 */
function checkTokenCms(session: SignSession, cms: Buffer, key: KeyObject): void {
  let parsed;
  try {
    parsed = parseCms(cms);
  } catch (cause) {
    throw new AppError('SIGNATURE_MISMATCH', 'the CMS cannot be parsed', { cause });
  }
  const si = parsed.signerInfos[0];
  if (parsed.signerInfoCount !== 1 || !si || parsed.encapsulatedContent) {
    throw new AppError('SIGNATURE_MISMATCH', 'the CMS must be detached with exactly one SignerInfo');
  }
  const [head, tail] = signedRanges(session.preparedPdf, session.byteRange);
  const contentDigest = createHash(session.digestAlgorithm).update(head).update(tail).digest();
  let ok = false;
  try {
    ok = !!si.messageDigest && si.messageDigest.equals(contentDigest) && verifySignerInfoSignature(si, key);
  } catch {
    ok = false;
  }
  if (!ok) throw new AppError('SIGNATURE_MISMATCH', 'the CMS does not sign the prepared document with the session certificate');
  // The key alone does not name the certificate: another certificate on the same key (a renewed
  // one's revoked predecessor) would then be the signer a verifier finds. The SignerInfo must
  // designate the session's certificate (RFC 5652 §5.3) and bind it with signing-certificate-v2,
  // as PAdES asks (ETSI EN 319 142-1 §5.2.2.2 / RFC 5035).
  // Every carried certificate the sid designates must be the session's: a verifier may take any
  // of them (a key identifier is shared by all certificates on the key).
  const leaf = session.certificates[0]!;
  const carriedOther = parsed.certificates.some((c) => !c.equals(leaf) && findSignerCertificate(si, [c]));
  if (!findSignerCertificate(si, [leaf]) || carriedOther || essBindingDetail(si, leaf).binding !== 'match') {
    throw new AppError('SIGNATURE_MISMATCH', 'the CMS names another signer certificate than the session’s');
  }
}
