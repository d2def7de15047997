import { createHash } from 'node:crypto';
import type { HashName, SignatureAlgorithm } from '../core/signature-algorithms.js';
import { assembleSignedData } from '../cms/signed-data.js';
import { signerCmsTemplate, type DetachedCmsTemplate } from '../cms/detached-template.js';
import { signedRanges } from './prepared-file.js';

/**
 * The B-B CMS of a two-phase completion: the session's signed attributes, the token's signature,
 * the session's chain (RFC 5652 §5). A batch completes many sessions of one signer, so when the
 * signature has the key's fixed length (RSA) it is copied into the signer's byte template
 * (../cms/detached-template.ts) together with the content digest; the template is used only when
 * the signed attributes it gives for that digest are byte for byte the session's, so the CMS is
 * the one assembleSignedData builds either way. The signer certificate is interned
 * (../cms/certificate-intern.ts): the template is cached per certificate object.
 */
export function completionCms(
  o: Omit<Parameters<typeof assembleSignedData>[0], 'unsignedAttributes'> & {
    /** The prepared file (./prepared-file.ts) and its byte range: the content digest the signed attributes hold. */
    preparedPdf: Buffer;
    byteRange: readonly [number, number, number, number];
  },
): Buffer {
  const template = templateFor(o);
  if (template) {
    const [head, tail] = signedRanges(o.preparedPdf, o.byteRange);
    const digest = createHash(o.digestAlgorithm).update(head).update(tail).digest();
    const cms = template.signedAttributes(digest).equals(o.signedAttributes) ? template.assemble(digest, o.signature) : undefined;
    if (cms) return cms;
  }
  return assembleSignedData(o);
}

function templateFor(o: {
  signature: Buffer;
  algorithm: SignatureAlgorithm;
  digestAlgorithm: HashName;
  signerCertificate: Buffer;
  certificates: Buffer[];
}): DetachedCmsTemplate | undefined {
  // RSA signatures have the modulus length, which the template fixes; others vary (ECDSA DER).
  if (!o.algorithm.startsWith('RSA')) return undefined;
  return signerCmsTemplate({
    signer: { algorithm: o.algorithm },
    signerCertificate: o.signerCertificate,
    certificates: o.certificates,
    digestAlgorithm: o.digestAlgorithm,
    signatureBytes: o.signature.length,
  });
}
