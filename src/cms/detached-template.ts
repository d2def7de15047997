import { HASH_LENGTHS, type HashName, type Signer } from '../core/signature-algorithms.js';
import { assembleSignedData, buildSignedAttributes } from './signed-data.js';

/**
 * The B-B CMS of one signer, key and chain as a byte template (RFC 5652 §5): at B-B everything
 * but the message digest and the signature value is the same for every document of a batch, and
 * DER puts both at fixed offsets when their lengths are fixed (a digest always; an RSA signature
 * has the modulus length). A document then costs two copies into a template instead of building
 * the signed attributes, the SignerInfo and the SignedData again. The bytes are those of
 * buildSignedAttributes + assembleSignedData (the offsets are found by building twice with
 * different fillers and comparing; any other difference means no template).
 */
export interface DetachedCmsTemplate {
  /** The DER SET of signed attributes over `digest`: what the key signs. */
  signedAttributes(digest: Buffer): Buffer;
  /** The ContentInfo with `digest` and `signature`; undefined when the signature has another length. */
  assemble(digest: Buffer, signature: Buffer): Buffer | undefined;
}

export function detachedCmsTemplate(o: {
  /** Only its algorithm is used: nothing is signed here. */
  signer: Pick<Signer, 'algorithm'>;
  signerCertificate: Buffer;
  certificates: Buffer[];
  digestAlgorithm: HashName;
  /** The signature length every signature of this key has (RSA: the modulus length). */
  signatureBytes: number;
}): DetachedCmsTemplate | undefined {
  const digestLength = HASH_LENGTHS[o.digestAlgorithm];
  const build = (fill: number) => {
    const digest = Buffer.alloc(digestLength, fill);
    const attributes = buildSignedAttributes({
      contentDigest: digest,
      digestAlgorithm: o.digestAlgorithm,
      signerCertificate: o.signerCertificate,
    });
    const cms = assembleSignedData({
      signedAttributes: attributes,
      signature: Buffer.alloc(o.signatureBytes, fill),
      algorithm: o.signer.algorithm,
      digestAlgorithm: o.digestAlgorithm,
      signerCertificate: o.signerCertificate,
      certificates: o.certificates,
    });
    return { attributes, cms };
  };
  const a = build(0x00);
  const b = build(0xff);
  const attrAt = differing(a.attributes, b.attributes, [digestLength]);
  const cmsAt = differing(a.cms, b.cms, [digestLength, o.signatureBytes]);
  if (!attrAt || !cmsAt) return undefined;
  const [digestInAttributes] = attrAt as [number];
  const [digestInCms, signatureInCms] = cmsAt as [number, number];
  return {
    signedAttributes(digest) {
      if (digest.length !== digestLength)
        throw new TypeError(`content digest is ${digest.length} bytes, ${o.digestAlgorithm} needs ${digestLength}`);
      const out = Buffer.from(a.attributes);
      digest.copy(out, digestInAttributes);
      return out;
    },
    assemble(digest, signature) {
      if (signature.length !== o.signatureBytes || digest.length !== digestLength) return undefined;
      const out = Buffer.from(a.cms);
      digest.copy(out, digestInCms);
      signature.copy(out, signatureInCms);
      return out;
    },
  };
}

/**
 * `detachedCmsTemplate` kept per signer certificate object: building one assembles the CMS twice
 * and compares the results, which every request of the same signer would otherwise repeat (a
 * batch route's request, a completed two-phase batch). The certificates are interned
 * (./certificate-intern.ts: one object per content), so the cache is keyed by the signer
 * certificate object and, inside, by the algorithm, digest, signature length and the chain's
 * objects. A template holds no secret and no per-document state.
 */
export function signerCmsTemplate(o: Parameters<typeof detachedCmsTemplate>[0]): DetachedCmsTemplate | undefined {
  const key = `${o.signer.algorithm}|${o.digestAlgorithm}|${o.signatureBytes}|${o.certificates.map(objectNumber).join(',')}`;
  let known = templates.get(o.signerCertificate);
  if (known?.has(key)) return known.get(key);
  const template = detachedCmsTemplate(o);
  if (!known) templates.set(o.signerCertificate, (known = new Map()));
  if (known.size >= 16) known.clear();
  known.set(key, template);
  return template;
}

/** Per signer certificate object, per algorithm, hash, signature length and chain (its objects). */
const templates = new WeakMap<Buffer, Map<string, DetachedCmsTemplate | undefined>>();

/** A number per certificate object (interned: one per content), for the template key. */
function objectNumber(b: Buffer): number {
  let n = numbers.get(b);
  if (n === undefined) numbers.set(b, (n = nextNumber++));
  return n;
}
const numbers = new WeakMap<Buffer, number>();
let nextNumber = 1;

/**
 * The starts of the runs where `x` and `y` differ, when they differ in exactly `lengths.length`
 * runs of exactly those lengths, in that order (and have the same length); otherwise undefined.
 */
function differing(x: Buffer, y: Buffer, lengths: readonly number[]): number[] | undefined {
  if (x.length !== y.length) return undefined;
  const starts: number[] = [];
  let i = 0;
  for (const length of lengths) {
    while (i < x.length && x[i] === y[i]) i++;
    if (i + length > x.length) return undefined;
    for (let k = i; k < i + length; k++) if (x[k] === y[k]) return undefined;
    starts.push(i);
    i += length;
  }
  if (x.compare(y, i, x.length, i, x.length) !== 0) return undefined;
  return starts;
}
