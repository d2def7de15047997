import { AppError } from '../core/errors.js';
import { readDer } from '../core/der-reader.js';
import { OID } from '../core/oids.js';
import { addYears } from './profiles.js';
import type { CertificateTemplate } from './x509-builder.js';

const DER = { der: true } as const;

/**
 * Pre-signing lint in the spirit of boulder's linter (zlint rules that matter for our
 * profiles): the certificate is checked BEFORE the one private-key operation, so a bad
 * template never becomes a signed certificate. Returns problems; `assertLint` throws
 * LINT_FAILED listing them.
 */
export function lintCertificate(t: CertificateTemplate, tbs?: Buffer): string[] {
  const problems: string[] = [];
  const p = t.profile;
  // serial (RFC 5280 §4.1.2.2; ≥ 64 random bits)
  if (t.serial.length < 8 || t.serial.length > 20) problems.push('serial must be 8..20 octets');
  if ((t.serial[0] ?? 0) & 0x80) problems.push('serial must be positive');
  if (t.serial.every((b) => b === 0)) problems.push('serial must not be zero');
  // validity (§4.1.2.5) vs issuer and Decree 68/2024 caps
  if (!(t.notBefore < t.notAfter)) problems.push('notBefore must precede notAfter');
  if (!t.selfSigned) {
    if (!t.issuer.isCa) problems.push('issuer is not a CA');
    if (t.notBefore < t.issuer.notBefore) problems.push('notBefore precedes the issuer certificate');
    if (t.notAfter > t.issuer.notAfter) problems.push('notAfter exceeds the issuer certificate');
  }
  const cap = t.renewal ? p.maxYearsRenewal : p.maxYearsNew;
  if (t.notAfter > addYears(t.notBefore, cap)) problems.push(`validity exceeds ${cap} years`);
  // key (RSA ≥ 2048, EC P-256/P-384)
  const k = t.key.publicKey;
  if (k.asymmetricKeyType === 'rsa') {
    const bitsLen = k.asymmetricKeyDetails?.modulusLength ?? 0;
    const e = k.asymmetricKeyDetails?.publicExponent ?? 0n;
    if (bitsLen < 2048 || bitsLen > 8192) problems.push(`RSA key of ${bitsLen} bits (2048..8192 allowed)`);
    if (e < 3n || e % 2n === 0n) problems.push('RSA public exponent must be odd and ≥ 3');
  } else if (k.asymmetricKeyType === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1' && curve !== 'secp384r1') problems.push(`EC curve ${curve ?? '?'} not allowed (P-256, P-384)`);
  } else {
    problems.push(`key type ${k.asymmetricKeyType ?? '?'} not allowed (RSA, EC)`);
  }
  // key usage / EKU consistency with the profile
  const ku = new Set(p.keyUsage);
  if (p.isCa && !(ku.has('keyCertSign') && ku.has('cRLSign'))) problems.push('CA without keyCertSign/cRLSign');
  if (!p.isCa && ku.has('keyCertSign')) problems.push('end-entity with keyCertSign');
  if (k.asymmetricKeyType === 'ec' && ku.has('keyEncipherment')) problems.push('keyEncipherment with an EC key');
  if (!p.isCa && !ku.has('digitalSignature')) problems.push('end-entity without digitalSignature');
  if (p.id === 'ocsp-responder' && (!p.eku.includes(OID.kpOcspSigning) || !p.ocspNoCheck))
    problems.push('OCSP responder needs OCSPSigning and ocsp-nocheck');
  if (p.id === 'tsa' && (p.eku.length !== 1 || p.eku[0] !== OID.kpTimeStamping || !p.ekuCritical))
    problems.push('TSA needs exactly one critical EKU timeStamping (RFC 3161 §2.3)');
  if (p.eku.includes(OID.kpDocumentSigning) && !p.eku.includes(OID.kpEmailProtection))
    problems.push('document signing EKU without emailProtection (NSS rejects it)');
  if (p.isCa && p.eku.length) problems.push('CA certificate with EKU');
  // subject
  if (!t.subject.commonName || !t.subject.commonName.trim()) problems.push('subject CN is empty');
  for (const [field, v] of Object.entries(t.subject)) {
    const values = Array.isArray(v) ? v : [v];
    for (const s of values) if (typeof s === 'string' && /\p{Cs}/u.test(s)) problems.push(`subject ${field} is not valid UTF-8`);
  }
  if (t.subject.email && !/^[\x21-\x7e]+$/.test(t.subject.email)) problems.push('email is not IA5');
  if (t.subject.country && !/^[A-Z]{2}$/.test(t.subject.country)) problems.push('country is not a 2-letter code');
  // revocation pointers (RFC 5280 §4.2.1.13 and §4.2.2.1: end-entity signing certs carry CDP and AIA)
  if (!t.selfSigned && p.revocationPointers === 'all') {
    if (!t.issuer.urls.crl) problems.push('no CRL distribution point URL');
    if (!t.issuer.urls.ocsp && !p.isCa) problems.push('no OCSP URL');
  }
  for (const u of Object.values(t.issuer.urls))
    if (u && !/^https?:\/\/[\x21-\x7e]+$/.test(u)) problems.push(`URL ${u} is not an ASCII http(s) URI`);
  for (const o of t.policies) if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(o)) problems.push(`policy ${o} is not an OID`);
  // the encoding itself
  if (tbs) {
    try {
      if (readDer(tbs, 0, 'LINT_FAILED', DER).end !== tbs.length) problems.push('TBSCertificate has trailing bytes');
    } catch {
      problems.push('TBSCertificate is not valid DER');
    }
  }
  return problems;
}

export function assertLint(t: CertificateTemplate, tbs?: Buffer): void {
  const problems = lintCertificate(t, tbs);
  if (problems.length) throw new AppError('LINT_FAILED', `certificate failed lint: ${problems.join('; ')}`, { details: { problems } });
}

/** The encoded TBSCertificate is one well-formed DER element (cheap; after `assertLint(t)`). */
export function assertEncoding(tbs: Buffer): void {
  let ok = false;
  try {
    ok = readDer(tbs, 0, 'LINT_FAILED', DER).end === tbs.length;
  } catch {
    ok = false;
  }
  if (!ok)
    throw new AppError('LINT_FAILED', 'certificate failed lint: TBSCertificate is not one DER element', {
      details: { problems: ['TBSCertificate is not valid DER'] },
    });
}
