/**
 * What the validator concludes about one SignerInfo of a PDF signature or timestamp token
 * (RFC 5652 §5.4/§5.6, ETSI EN 319 142-1 §5.1 / docs/signatures-and-validation.md rule 11), on top of src/cms's
 * parser and verification primitives. Unlike those, nothing here throws for hostile input: every
 * problem becomes a report message (the validator must never crash).
 */
import { readDer, decodeOid } from '../../core/der-reader.js';
import { HASH_BY_OID, OID } from '../../core/oids.js';
import type { ParsedCms, ParsedSignerInfo } from '../../cms/parse.js';
import {
  describeSignatureAlgorithm,
  essBindingDetail,
  findSignerCertificate,
  verifyWithScheme,
  type SchemeDescription,
} from '../../cms/verify.js';
import { certInfo, tryCertInfo, type CertInfo } from './cert.js';

/** Finds the signer's certificate among `pool` by issuer+serial or subjectKeyIdentifier (RFC 5652 §5.3). */
export function findSignerCert(s: ParsedSignerInfo, pool: readonly Buffer[]): CertInfo | undefined {
  const der = findSignerCertificate(
    s,
    pool.filter((d) => tryCertInfo(d) !== undefined),
  );
  return der ? certInfo(der) : undefined;
}

/** All values of a signed attribute type, over every occurrence (RFC 5652 §11: exactly one expected). */
export function signedAttributeValues(s: ParsedSignerInfo, type: string): Buffer[] {
  return s.signedAttributes.filter((a) => a.type === type).flatMap((a) => a.values);
}

/** The signature algorithm as the report names it; unsupported when malformed too. */
export function signatureAlgorithmOf(s: ParsedSignerInfo): SchemeDescription {
  try {
    return describeSignatureAlgorithm(s.signatureAlgorithm, s.digestAlgorithmOid);
  } catch {
    return { supported: false, oid: s.signatureAlgorithm.oid, reason: 'malformed parameters' };
  }
}

export interface SignerCheck {
  /** message-digest attribute equals the content digest (or, without signed attributes, n/a = true). */
  digestMatch: boolean;
  cryptoValid: boolean;
  /** ESS signing-certificate(-v2) present and matching (RFC 5035 §3). */
  signingCertificateV2: 'match' | 'mismatch' | 'absent' | 'v1-match' | 'v1-mismatch';
  /** Digest algorithm of SignerInfo and the hash the signature algorithm binds agree. */
  algorithmsConsistent: boolean;
  contentTypeOk: boolean;
  signingTimePresent: boolean;
  messages: string[];
}

const oidValue = (v: Buffer): string | undefined => {
  try {
    return decodeOid(readDer(v));
  } catch {
    return undefined;
  }
};

/**
 * Verifies the SignerInfo: content digest vs message-digest, signature over the signed
 * attributes as transmitted (RFC 5652 §5.4), ESS binding (RFC 5035, ETSI EN 319 122-1 §5.2.2).
 * `contentDigest(hash)` hashes the signed content (the PDF byte ranges, in place).
 */
export function checkSigner(
  cms: ParsedCms,
  s: ParsedSignerInfo,
  cert: CertInfo,
  contentDigest: (hash: string) => Buffer,
  contentParts: () => Buffer[],
): SignerCheck {
  const messages: string[] = [];
  const out: SignerCheck = {
    digestMatch: false,
    cryptoValid: false,
    signingCertificateV2: 'absent',
    algorithmsConsistent: true,
    contentTypeOk: true,
    signingTimePresent: false,
    messages,
  };
  const digest = HASH_BY_OID[s.digestAlgorithmOid];
  if (!digest) {
    messages.push('DIGEST_ALGORITHM_UNSUPPORTED');
    return out;
  }
  const alg = signatureAlgorithmOf(s);
  if (!alg.supported) messages.push('SIGNATURE_ALGORITHM_UNSUPPORTED');
  else if (alg.boundHash && alg.boundHash !== digest) {
    out.algorithmsConsistent = false;
    messages.push('ALGORITHM_MISMATCH');
  }
  let key;
  try {
    key = cert.key();
  } catch {
    messages.push('SIGNER_KEY_UNSUPPORTED');
    return out;
  }
  if (s.signedAttributesDer) {
    const md = signedAttributeValues(s, OID.messageDigest);
    const ct = signedAttributeValues(s, OID.contentType);
    out.signingTimePresent = s.signedAttributes.some((a) => a.type === OID.signingTime);
    if (ct.length !== 1 || oidValue(ct[0]!) !== cms.encapContentType) out.contentTypeOk = false;
    out.digestMatch = md.length === 1 && s.messageDigest !== undefined && s.messageDigest.equals(contentDigest(digest));
    if (alg.supported) out.cryptoValid = verifyWithScheme(alg.scheme, key, s.signedAttributesDer, s.signature);
    const ess = essBindingDetail(s, cert.der);
    const good = ess.binding === 'match';
    out.signingCertificateV2 =
      ess.binding === 'absent' ? 'absent' : ess.version === 1 ? (good ? 'v1-match' : 'v1-mismatch') : good ? 'match' : 'mismatch';
  } else {
    // no signed attributes: the signature is over the content itself (RFC 5652 §5.4)
    out.digestMatch = true;
    if (alg.supported) out.cryptoValid = verifyWithScheme(alg.scheme, key, contentParts(), s.signature);
  }
  return out;
}
