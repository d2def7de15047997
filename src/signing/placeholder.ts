import { createPublicKey } from 'node:crypto';
import { isAppError } from '../core/errors.js';
import { HASH_LENGTHS, type HashName, type Signer } from '../core/signature-algorithms.js';
import { assembleSignedData, buildSignedAttributes } from '../cms/signed-data.js';

/**
 * `/Contents` placeholder sizing (docs/signatures-and-validation.md: "Size the placeholder from the chain, timestamp
 * and revocation data; on overflow, retry with a larger one"). The CMS holds the certificates,
 * the SignerInfo (issuer name + serial, signed attributes with the ESS certificate hash, the
 * signature value) and, for B-T, the timestamp token with the TSA's own chain.
 */
export interface PlaceholderBudget {
  /** Extra bytes reserved for a signature timestamp token (B-T and above). Default 12 KiB. */
  readonly timestampHeadroom?: number;
  /** Extra bytes for revocation values some verifiers like inside the CMS. Default 2 KiB. */
  readonly revocationHeadroom?: number;
}

export function estimatePlaceholder(certificates: readonly Buffer[], withTimestamp: boolean, budget: PlaceholderBudget = {}): number {
  const certs = certificates.reduce((n, c) => n + c.length, 0);
  const leaf = certificates[0]?.length ?? 2048;
  // SignerInfo ≈ issuer name (< leaf) + attributes (~250) + signature (≤ 512 for RSA-4096) + framing.
  const signerInfo = Math.min(leaf, 1500) + 1200;
  const base = certs + signerInfo + 512;
  const ts = withTimestamp ? (budget.timestampHeadroom ?? 12 * 1024) : 0;
  const rev = budget.revocationHeadroom ?? 2 * 1024;
  return roundUp(base + ts + rev, 1024);
}

/** Room kept above the largest timestamp token seen: its serial number, time and signature vary by a few bytes. */
export const TIMESTAMP_TOKEN_MARGIN = 1024;

/**
 * The budget with the timestamp headroom sized from the tokens this TSA has actually returned
 * (`largestToken` bytes; 0 before the first): the default 12 KiB assumes a TSA with a long chain,
 * while a token of a TSA with one short chain is about 3 KiB, so every signature would write, hash
 * and send some 18 KB of unused hex zeros. A configured headroom is kept as it is. A TSA whose
 * tokens grow (a new certificate) costs one PLACEHOLDER_OVERFLOW retry (withPlaceholderRetry).
 */
export function learnedBudget(budget: PlaceholderBudget = {}, largestToken: number): PlaceholderBudget {
  if (budget.timestampHeadroom !== undefined || largestToken <= 0) return budget;
  return { ...budget, timestampHeadroom: largestToken + TIMESTAMP_TOKEN_MARGIN };
}

/**
 * The `/Contents` size of a B-T CMS once the TSA's token size is known: the exact B-B CMS
 * (exactBbPlaceholder), the unsigned attribute holding the token (RFC 5652 §5.3 [1] IMPLICIT SET
 * OF Attribute: the signature-time-stamp OID and a SET, under 64 bytes of DER headers) and the
 * largest token seen plus TIMESTAMP_TOKEN_MARGIN. `undefined` when the key gives no bound.
 */
export function exactBtPlaceholder(o: Parameters<typeof exactBbPlaceholder>[0] & { largestToken: number }): number | undefined {
  const bb = exactBbPlaceholder(o);
  return bb === undefined ? undefined : bb + 64 + o.largestToken + TIMESTAMP_TOKEN_MARGIN;
}

/**
 * The `/Contents` size a B-B CMS needs exactly, as signDetachedCms builds it (signed attributes,
 * the signer's certificate and chain, no timestamp, no revocation values): one is assembled with
 * a zero digest and a signature of the key's largest length, so every real one fits (an RSA
 * signature has the modulus length; an ECDSA one varies by a few bytes below its bound). A batch
 * at B-B then writes, hashes, answers in base64 and sends no unused zeros (the estimate above
 * reserves headroom for a timestamp or revocation values this CMS never holds). `undefined` when
 * the key gives no bound; the caller keeps the estimate.
 */
export function exactBbPlaceholder(o: {
  signer: Pick<Signer, 'algorithm' | 'publicKeySpki'>;
  signerCertificate: Buffer;
  chain: readonly Buffer[];
  hash: HashName;
}): number | undefined {
  const signature = signatureLength(o.signer.publicKeySpki)?.max;
  if (signature === undefined) return undefined;
  // The size depends on the signer certificate's bytes and only on the lengths of the rest (DER
  // lengths; the signed attributes hold no time): one assembly per certificate and shape.
  const key = `${o.signer.algorithm}|${o.hash}|${signature}|${o.chain.map((c) => c.length).join(',')}`;
  let sizes = bbSizes.get(o.signerCertificate);
  const known = sizes?.get(key);
  if (known !== undefined) return known;
  const signedAttributes = buildSignedAttributes({
    contentDigest: Buffer.alloc(HASH_LENGTHS[o.hash]),
    digestAlgorithm: o.hash,
    signerCertificate: o.signerCertificate,
  });
  const size = assembleSignedData({
    signedAttributes,
    signature: Buffer.alloc(signature, 0xff),
    algorithm: o.signer.algorithm,
    digestAlgorithm: o.hash,
    signerCertificate: o.signerCertificate,
    certificates: [...o.chain],
  }).length;
  if (!sizes) bbSizes.set(o.signerCertificate, (sizes = new Map()));
  if (sizes.size >= 16) sizes.clear();
  sizes.set(key, size);
  return size;
}

/** Per signer certificate buffer (interned: one per certificate content, see certificate-intern.ts). */
const bbSizes = new WeakMap<Buffer, Map<string, number>>();

/** ECDSA field sizes in bytes of the curves node:crypto names (FIPS 186-4 D.1.2). */
const CURVE_BYTES: Readonly<Record<string, number>> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };

/** The length of the key's signature values: `fixed` for RSA (the modulus length), a bound for ECDSA. */
export interface SignatureLength {
  readonly max: number;
  readonly fixed: boolean;
}

/** Per SubjectPublicKeyInfo buffer (a key store hands out the same one per opened key): OpenSSL's key decoding costs a fraction of a millisecond. */
const lengthCache = new WeakMap<Buffer, SignatureLength | undefined>();

/** How long the key's signature values are; undefined when the key type gives no bound (Ed25519, an unknown curve). */
export function signatureLength(spki: Buffer): SignatureLength | undefined {
  if (lengthCache.has(spki)) return lengthCache.get(spki);
  const length = measure(spki);
  lengthCache.set(spki, length);
  return length;
}

function measure(spki: Buffer): SignatureLength | undefined {
  let key;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  const d = key.asymmetricKeyDetails;
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && d?.modulusLength)
    return { max: Math.ceil(d.modulusLength / 8), fixed: true };
  const n = key.asymmetricKeyType === 'ec' && d?.namedCurve ? CURVE_BYTES[d.namedCurve] : undefined;
  if (n === undefined) return undefined;
  // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2.3): each INTEGER at most
  // n + 1 content bytes (a leading zero) behind a 2-byte header; the SEQUENCE's own header grows
  // to 3 bytes past 127 content bytes (X.690 §8.1.3).
  const content = 2 * (n + 1 + 2);
  return { max: content + (content < 128 ? 2 : 3), fixed: false };
}

/** Size for the single retry after PLACEHOLDER_OVERFLOW: what was needed plus a wide margin. */
export function retryPlaceholder(previous: number, needed: number): number {
  return roundUp(Math.max(previous * 2, needed + 8 * 1024), 1024);
}

/**
 * Runs `attempt` (prepare, sign, embed) with a placeholder of `size` bytes and, when the CMS did
 * not fit (PLACEHOLDER_OVERFLOW: /Contents is sized before the signature exists, ISO 32000-1
 * §12.8.1), once more with room for what it needed. Nothing is ever truncated.
 */
export async function withPlaceholderRetry<T>(size: number, attempt: (size: number) => Promise<T>): Promise<T> {
  try {
    return await attempt(size);
  } catch (err) {
    if (!isAppError(err, 'PLACEHOLDER_OVERFLOW')) throw err;
    const needed = err.details?.['needed'];
    return attempt(retryPlaceholder(size, typeof needed === 'number' ? needed : 0));
  }
}

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}
