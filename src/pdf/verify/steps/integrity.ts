/**
 * Integrity of one signature (docs/signatures-and-validation.md rule A and ISO 32000-1 §12.8.1): the byte range
 * layout, the signature dictionary as signed, the CMS (RFC 5652) or RFC 3161 token, the digest
 * over the declared ranges, the signature value, the ESS signing-certificate binding
 * (RFC 5035) and the signature timestamps carried as unsigned attributes (ETSI EN 319 142-1 §5.3).
 */
import { OID } from '../../../core/oids.js';
import { parseCms, type ParsedCms } from '../../../cms/parse.js';
import { newHash } from '../../../cms/verify.js';
import { adobeArchival } from '../../../pki/path/revocation.js';
import { PdfDict, PdfName } from '../../syntax/objects.js';
import type { PdfRevisions } from '../../syntax/revision-reader.js';
import { checkSigner, findSignerCert, signatureAlgorithmOf, signedAttributeValues } from '../cms.js';
import type { IntegrityFacts, SignatureKind, SubIndication } from '../report.js';
import { checkByteRange, dictionaryConsistent, type FoundSignature } from '../signatures.js';
import { checkTimestampToken, type TimestampCheck } from '../timestamp.js';
import { dictOf, isName, type PdfValue } from '../values.js';
import type { IntegrityOutcome, VerifyContext } from './context.js';

/** Digests too weak for new signatures (ETSI TS 119 312); reported, policy decides. */
const WEAK_DIGESTS = new Set(['md5', 'sha1']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function checkIntegrity(ctx: VerifyContext, f: FoundSignature): IntegrityOutcome {
  const p = ctx.pdf;
  const pol = ctx.policy;
  const extraCerts = ctx.dss.certs;
  const errors: string[] = [];
  const warnings: string[] = [];
  const dict = f.dict;
  const subFilterV = p.resolve(dict.get('SubFilter'));
  const subFilter = subFilterV instanceof PdfName ? subFilterV.name : null;
  const kind = signatureKind(p, f, subFilter, warnings);
  const br = checkByteRange(p, dict);
  errors.push(...br.messages);
  const consistent = br.valid ? dictionaryConsistent(p, f, br.signedRevision) : false;
  if (br.valid && !consistent) errors.push('SIGNATURE_DICTIONARY_INCONSISTENT');
  let hardFail: SubIndication | undefined = !br.valid || br.coverage === 'INVALID' || !consistent ? 'FORMAT_FAILURE' : undefined;
  const integrity: Mutable<IntegrityFacts> = {
    byteRange: br.byteRange,
    byteRangeValid: br.valid,
    digestMatch: false,
    cryptoValid: false,
    signedAttributesDerSorted: true,
    signerCertificateIdentified: false,
    dictionaryConsistent: consistent,
    digestAlgorithm: null,
    signatureAlgorithm: null,
  };
  const out: Mutable<IntegrityOutcome> = {
    found: f,
    kind,
    subFilter,
    coverage: br.coverage,
    signedRevision: { index: br.signedRevision ?? null, length: br.signedLength },
    signedRevisionIndex: br.signedRevision,
    end: br.byteRange ? br.byteRange[2]! + br.byteRange[3]! : Number.MAX_SAFE_INTEGER,
    integrity,
    sd: undefined,
    signerCert: undefined,
    intact: false,
    hardFail,
    timestampChecks: [],
    archival: { crls: [], ocsps: [] },
    errors,
    warnings,
  };
  const done = (): IntegrityOutcome => {
    out.hardFail = hardFail;
    return out;
  };
  const contents = p.resolve(dict.get('Contents'));
  const cms = contents && typeof contents === 'object' && 'bytes' in contents ? (contents as { bytes: Buffer }).bytes : undefined;
  // the digest is computed over the declared ranges whenever they lie inside the file, so the
  // report says whether the bytes match even when the layout itself is invalid (rule A)
  const ranges = (): Buffer[] => (br.hashable ?? []).map(([a, e]) => p.buf.subarray(a, e));
  const rangeDigest = (h: string): Buffer => {
    const rs = br.hashable ?? [];
    const shared = h === 'sha256' && rs.length > 0 && rs[0]![0] === 0 ? ctx.prefix.at(rs[0]![1]) : undefined;
    const hash = shared ?? newHash(h);
    ranges().forEach((part, i) => {
      if (!(shared && i === 0)) hash.update(part);
    });
    return hash.digest();
  };
  if (!cms || cms.length === 0) {
    errors.push('CMS_MALFORMED');
    hardFail = hardFail ?? 'FORMAT_FAILURE';
    return done();
  }
  if (kind === 'documentTimestamp') {
    const tsc = checkTimestampToken(
      cms,
      'document',
      (h) => (br.hashable ? rangeDigest(h) : Buffer.alloc(0)),
      extraCerts,
      ctx.trust,
      ctx.at,
    );
    out.sd = tsc.sd;
    out.signerCert = tsc.signerCert;
    integrity.digestMatch = !!br.hashable && tsc.report.imprintMatches;
    integrity.cryptoValid = tsc.report.signatureValid;
    integrity.signerCertificateIdentified = !!tsc.signerCert;
    if (!tsc.sd) {
      errors.push('CMS_MALFORMED');
      hardFail = hardFail ?? 'FORMAT_FAILURE';
    } else if (!integrity.digestMatch) {
      errors.push('DIGEST_MISMATCH');
      hardFail = hardFail ?? 'HASH_FAILURE';
    } else if (!integrity.cryptoValid) {
      errors.push('SIGNATURE_INVALID');
      hardFail = hardFail ?? 'SIG_CRYPTO_FAILURE';
    }
    out.timestampChecks = [tsc];
    out.intact = integrity.digestMatch && integrity.cryptoValid;
    return done();
  }
  let sd: ParsedCms;
  try {
    sd = parseCms(cms);
  } catch {
    errors.push('CMS_MALFORMED');
    hardFail = hardFail ?? 'FORMAT_FAILURE';
    return done();
  }
  out.sd = sd;
  if (sd.signerInfoCount !== 1) {
    errors.push('CMS_NOT_ONE_SIGNER');
    hardFail = hardFail ?? 'FORMAT_FAILURE';
  }
  const s = sd.signerInfos[0];
  if (!s) return done();
  const isSha1Filter = subFilter === 'adbe.pkcs7.sha1';
  const eContent = sd.encapsulatedContent;
  if (eContent && !isSha1Filter) {
    errors.push('CMS_ENCAPSULATED_CONTENT');
    hardFail = hardFail ?? 'FORMAT_FAILURE';
  }
  integrity.digestAlgorithm = s.digestAlgorithm;
  integrity.signatureAlgorithm = signatureAlgorithmOf(s).name ?? null;
  if (WEAK_DIGESTS.has(s.digestAlgorithm)) {
    (pol.weakDigest === 'fail' ? errors : warnings).push('DIGEST_ALGORITHM_WEAK');
    if (pol.weakDigest === 'fail') hardFail = hardFail ?? 'CRYPTO_CONSTRAINTS_FAILURE';
  }
  const cert = findSignerCert(s, [...sd.certificates, ...extraCerts]);
  out.signerCert = cert;
  if (!cert) {
    // without the certificate the value cannot be checked: INDETERMINATE unless already failed
    errors.push('SIGNER_CERT_MISSING');
    return done();
  }
  // with encapsulated content the signature covers that content (RFC 5652 §5.4), not the PDF;
  // adbe.pkcs7.sha1 carries the SHA-1 of the byte ranges there
  const contentDigest = (h: string): Buffer => {
    if (eContent) return newHash(h).update(eContent).digest();
    return br.hashable ? rangeDigest(h) : Buffer.alloc(0);
  };
  const chk = checkSigner(sd, s, cert, contentDigest, () => (eContent ? [eContent] : br.hashable ? ranges() : [Buffer.alloc(0)]));
  let digestMatch = !!br.hashable && chk.digestMatch;
  if (eContent) digestMatch = digestMatch && isSha1Filter && rangeDigest('sha1').equals(eContent);
  integrity.digestMatch = digestMatch;
  integrity.cryptoValid = chk.cryptoValid;
  const derSorted = s.signedAttributesDerSorted ?? true;
  integrity.signedAttributesDerSorted = derSorted;
  errors.push(...chk.messages);
  const ess = chk.signingCertificateV2;
  integrity.signerCertificateIdentified = ess === 'match' || ess === 'v1-match';
  if (ess === 'absent') (subFilter === 'ETSI.CAdES.detached' ? errors : warnings).push('SIGNING_CERTIFICATE_V2_ABSENT');
  if (ess === 'mismatch' || ess === 'v1-mismatch') errors.push('SIGNING_CERTIFICATE_V2_MISMATCH');
  if (ess.startsWith('v1')) warnings.push('SIGNING_CERTIFICATE_V1_ONLY');
  if (chk.signingTimePresent && subFilter === 'ETSI.CAdES.detached') warnings.push('SIGNING_TIME_ATTRIBUTE_PRESENT');
  if (!chk.contentTypeOk) warnings.push('SIGNED_ATTRIBUTES_CONTENT_TYPE');
  if (!derSorted) (pol.nonDerSignedAttributes === 'fail' ? errors : warnings).push('SIGNED_ATTRIBUTES_NOT_DER');
  if (!digestMatch) {
    errors.push('DIGEST_MISMATCH');
    hardFail = hardFail ?? 'HASH_FAILURE';
  } else if (!chk.cryptoValid || !chk.algorithmsConsistent) {
    if (!chk.cryptoValid) errors.push('SIGNATURE_INVALID');
    hardFail = hardFail ?? 'SIG_CRYPTO_FAILURE';
    // the value verifies; what fails is the encoding: signed attributes must be DER (RFC 5652 §5.4),
    // a format fault, not a cryptographic one (the report says cryptoValid: yes)
  } else if (!derSorted && pol.nonDerSignedAttributes === 'fail') hardFail = hardFail ?? 'FORMAT_FAILURE';
  out.intact = digestMatch && chk.cryptoValid;
  out.timestampChecks = s.timestampTokens.map((der): TimestampCheck =>
    checkTimestampToken(
      der,
      'signature',
      (h) => newHash(h).update(s.signature).digest(),
      [...sd.certificates, ...extraCerts],
      ctx.trust,
      ctx.at,
    ),
  );
  const arch = signedAttributeValues(s, OID.adobeRevocationInfoArchival)[0];
  if (arch) {
    try {
      out.archival = adobeArchival(arch);
    } catch {
      warnings.push('REVOCATION_ARCHIVAL_MALFORMED');
    }
  }
  return done();
}

/** Approval, certification (ISO 32000-1 §12.8.2.2 DocMDP) or document timestamp (ETSI EN 319 142-1 §5.4.3). */
function signatureKind(p: PdfRevisions, f: FoundSignature, subFilter: string | null, warnings: string[]): SignatureKind {
  const type = p.resolve(f.dict.get('Type'));
  if (subFilter === 'ETSI.RFC3161') {
    if (type === undefined || type === null || isName(type, 'DocTimeStamp')) return 'documentTimestamp';
    warnings.push('DOC_TIMESTAMP_TYPE_INVALID');
    return 'approval';
  }
  const perms = dictOf(p.resolve(p.catalog()?.get('Perms')));
  const dm = perms?.get('DocMDP');
  if (dm && f.num !== undefined && (dm as { num?: number }).num === f.num) return 'certification';
  return hasDocMdpReference(p, f.dict) ? 'certification' : 'approval';
}

function hasDocMdpReference(p: PdfRevisions, dict: PdfDict): boolean {
  const refs = p.resolve(dict.get('Reference'));
  if (!Array.isArray(refs)) return false;
  return refs.some((r: PdfValue) => isName(dictOf(p.resolve(r))?.get('TransformMethod'), 'DocMDP'));
}
