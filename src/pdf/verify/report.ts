/**
 * The verification report value (docs/signatures-and-validation.md "The report"; ETSI EN 319 102-1 §5.1.3 indications
 * and sub-indications; ETSI TS 119 102-2 inspired structure). Everything is plain JSON data,
 * deeply frozen before it leaves verifyPdf. Errors and warnings are stable message keys
 * (MESSAGE_KEYS) that the HTML/PDF renderers translate.
 */
export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER'
  | 'NO_SIGNATURE_FOUND';

export type SignatureKind = 'approval' | 'certification' | 'documentTimestamp';
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | 'PKCS7' | 'NOT_ETSI';
export type Coverage = 'ENTIRE_FILE' | 'ENTIRE_REVISION' | 'INVALID';
export type ModificationLevel = 'NONE' | 'LTA_UPDATES' | 'FORM_FILLING' | 'ANNOTATIONS' | 'OTHER';

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
}

export interface TimestampReport {
  readonly type: 'signature' | 'document';
  readonly genTime: string | null;
  readonly tsa: string | null;
  readonly imprintMatches: boolean;
  readonly signatureValid: boolean;
  /**
   * The TSA chain reaches a trust anchor, is valid at genTime and no certificate of it was
   * revoked at genTime (ETSI EN 319 102-1 §5.6.2.3: a revoked TSA gives no proof of existence).
   */
  readonly trusted: boolean;
  /** imprint matches and the token signature verifies (trust reported separately). */
  readonly valid: boolean;
  /** Status of each certificate of the TSA chain at genTime (empty when the chain is not trusted). */
  readonly revocation: readonly RevocationUse[];
  readonly messages: readonly string[];
}

export interface RevocationUse {
  readonly certificate: string;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly source: 'OCSP' | 'CRL' | 'NONE';
  readonly origin: string | null;
  readonly thisUpdate: string | null;
  readonly revokedAt: string | null;
  /** CRLReason of a revocation (RFC 5280 §5.3.1), when the CRL entry or OCSP answer gives one. */
  readonly reason?: string | null;
}

export interface IntegrityFacts {
  readonly byteRange: readonly number[] | null;
  /** Rule A.1-A.3: four integers, [0 b c d], gap = this /Contents, inside the file. */
  readonly byteRangeValid: boolean;
  readonly digestMatch: boolean;
  readonly cryptoValid: boolean;
  readonly signedAttributesDerSorted: boolean;
  readonly signerCertificateIdentified: boolean;
  /** Rule A.4: the dictionary in the signed revision equals the one in the final file. */
  readonly dictionaryConsistent: boolean;
  readonly digestAlgorithm: string | null;
  readonly signatureAlgorithm: string | null;
}

export interface ModificationSummary {
  readonly extension: boolean;
  readonly signatureOrFormFill: boolean;
  readonly annotation: boolean;
  /** Anything else: the suspicious class, rejected by default. */
  readonly other: boolean;
  readonly pageCountChanged: boolean;
  readonly level: ModificationLevel;
  readonly details: readonly string[];
}

export interface MdpResult {
  readonly docMdpP: 1 | 2 | 3 | null;
  readonly fieldMdp: { readonly action: string; readonly fields: readonly string[] } | null;
  readonly violations: readonly string[];
}

export interface SignatureReport {
  readonly index: number;
  readonly fieldName: string | null;
  readonly fieldNames: readonly string[];
  readonly kind: SignatureKind;
  readonly subFilter: string | null;
  readonly level: PadesLevel;
  readonly signer: CertificateSummary | null;
  readonly chain: readonly CertificateSummary[];
  readonly trustAnchor: string | null;
  readonly revocation: readonly RevocationUse[];
  readonly claimedSigningTime: string | null;
  readonly bestSignatureTime: string | null;
  /**
   * The earliest time a valid, trusted timestamp proves the signature existed (ETSI EN 319 102-1
   * §5.6.2.3 POE); null without one. bestSignatureTime falls back to the validation time, this never does.
   */
  readonly provenSigningTime: string | null;
  readonly timestamps: readonly TimestampReport[];
  readonly integrity: IntegrityFacts;
  readonly coverage: Coverage;
  readonly signedRevision: { readonly index: number | null; readonly length: number };
  readonly modifications: ModificationSummary;
  readonly mdp: MdpResult;
  readonly indication: Indication;
  readonly subIndication: SubIndication | null;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** What changed after this signature, where (page, rectangle), for people (changes.ts). */
  readonly changes?: readonly ChangeReport[];
}

/**
 * A fact about the file's structure that can make viewers disagree about the document (see
 * steps/document-structure.ts): the message key, where (byte offset, object), and whether it is
 * fatal (FORMAT_FAILURE) or leaves the signatures at best INDETERMINATE.
 */
export interface StructureFinding {
  readonly key: MessageKey;
  readonly offset: number;
  readonly object: number | null;
  readonly fatal: boolean;
  readonly detail: string;
}

/**
 * One change made after a signature (ISO 32000-1 §12.8.2 classes, ETSI EN 319 142-1 §5.4
 * extensions), located for a reader: 1-based page number and rectangle in PDF user space.
 */
export interface ChangeReport {
  readonly category: 'extension' | 'signatureOrFormFill' | 'annotation' | 'other';
  readonly key: MessageKey;
  readonly page: number | null;
  readonly rect: readonly [number, number, number, number] | null;
  /** Annotation subtype or field name, shown after the translated text. */
  readonly detail?: string;
}

/** What a reader is told first (docs/verification-report.md "Three states"). */
export type ReportState = 'valid' | 'changed' | 'invalid';

export interface VerificationReport {
  readonly reportVersion: 1;
  readonly validationTime: string;
  readonly document: { readonly sha256: string; readonly bytes: number; readonly revisions: number; readonly pages: number | null };
  readonly indication: Indication;
  readonly subIndication: SubIndication | null;
  /** Signatures and document timestamps in document order. */
  readonly signatures: readonly SignatureReport[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Structure findings with their byte offsets (empty for a well-formed file). */
  readonly structure: readonly StructureFinding[];
  /** valid, valid but changed after signing, or invalid (state.ts). */
  readonly state?: ReportState;
}

/** Stable message keys (never renamed; the renderers translate them). */
export const MESSAGE_KEYS = [
  'NO_SIGNATURE_FOUND',
  'PDF_UNREADABLE_STRUCTURE',
  'VERIFY_INTERNAL_ERROR',
  'PDF_XREF_RECOVERED',
  'PDF_ENCRYPTED',
  'LIMIT_SIZE',
  'LIMIT_REVISIONS',
  'LIMIT_OBJECTS',
  'LIMIT_INFLATE',
  'LIMIT_DEPTH',
  'LIMIT_TIME',
  'LIMIT_SIGNATURES',
  'BYTE_RANGE_MALFORMED',
  'BYTE_RANGE_NOT_FROM_START',
  'BYTE_RANGE_OUTSIDE_FILE',
  'BYTE_RANGE_GAP_NOT_CONTENTS',
  'BYTE_RANGE_CONTENTS_MISMATCH',
  'BYTE_RANGE_OVERLAP',
  'CONTENTS_NOT_HEX_STRING',
  'COVERAGE_INVALID',
  'SIGNATURE_DICTIONARY_INCONSISTENT',
  'CMS_MALFORMED',
  'CMS_NOT_ONE_SIGNER',
  'CMS_ENCAPSULATED_CONTENT',
  'SIGNER_CERT_MISSING',
  'DIGEST_MISMATCH',
  'SIGNATURE_INVALID',
  'SIGNATURE_ALGORITHM_UNSUPPORTED',
  'DIGEST_ALGORITHM_UNSUPPORTED',
  'DIGEST_ALGORITHM_WEAK',
  'ALGORITHM_MISMATCH',
  'SIGNER_KEY_UNSUPPORTED',
  'SIGNED_ATTRIBUTES_NOT_DER',
  'SIGNED_ATTRIBUTES_CONTENT_TYPE',
  'SIGNING_TIME_ATTRIBUTE_PRESENT',
  'SIGNING_CERTIFICATE_V2_ABSENT',
  'SIGNING_CERTIFICATE_V2_MISMATCH',
  'SIGNING_CERTIFICATE_V1_ONLY',
  'CHAIN_NO_TRUST_ANCHOR',
  'CHAIN_INTERMEDIATE_NOT_CA',
  'CHAIN_INTERMEDIATE_KEY_USAGE',
  'CHAIN_PATH_LENGTH',
  'CHAIN_CA_EXPIRED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_KEY_USAGE',
  'CERT_UNKNOWN_CRITICAL_EXTENSION',
  'CERT_REVOKED',
  'REVOCATION_DATA_MISSING',
  'REVOCATION_OCSP_UNREACHABLE',
  'REVOCATION_CRL_UNREACHABLE',
  'REVOCATION_OCSP_SIGNATURE_INVALID',
  'REVOCATION_OCSP_RESPONDER_UNAUTHORIZED',
  'REVOCATION_CRL_SIGNATURE_INVALID',
  'TSA_EKU_MISSING',
  'TST_MALFORMED',
  'TST_IMPRINT_MISMATCH',
  'TST_SIGNATURE_INVALID',
  'TST_SIGNER_CERT_MISSING',
  'MODIFICATION_OTHER',
  'MODIFICATION_PAGE_COUNT',
  'MODIFICATION_PAGE_CONTENT',
  'MODIFICATION_ANNOTATION',
  'MODIFICATION_FORM_FILL',
  'MODIFICATION_SIGNATURE_REPLACED',
  'DOCMDP_VIOLATION',
  'DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD',
  'FIELDMDP_VIOLATION',
  'DOC_TIMESTAMP_TYPE_INVALID',
  'ENCRYPTED_DOCUMENT',
  'EMPTY_SIGNATURE_PLACEHOLDER',
  'REVOCATION_ARCHIVAL_MALFORMED',
  'REVOCATION_OCSP_MALFORMED',
  'REVOCATION_CRL_MALFORMED',
  'REVOCATION_CRL_NOT_FRESH',
  'REVOCATION_OCSP_NOT_FRESH',
  'REVOCATION_CRL_STALE',
  'REVOCATION_OCSP_STALE',
  'REVOCATION_CRL_FROM_FUTURE',
  'OCSP_RESPONDER_NO_CHECK_ABSENT',
  'OCSP_RESPONDER_EKU_MISSING',
  'TST_DIGEST_UNSUPPORTED',
  'TST_SIGNING_CERTIFICATE_NOT_BOUND',
  'TSA_CERT_REVOKED',
  'TSA_REVOCATION_UNKNOWN',
  'OCSP_RESPONDER_REVOKED',
  'PDF_XREF_PREV_BROKEN',
  'PDF_XREF_OFFSET_WRONG',
  'PDF_OBJSTM_DUPLICATE_OBJECT',
  'PDF_OBJECTS_OUTSIDE_XREF',
  'PDF_OBJECTS_AFTER_EOF',
  'MODIFICATION_ROOT_REPLACED',
  'MODIFICATION_ACTION_ADDED',
  'REVOCATION_KEY_COMPROMISE_LATER',
  'MODIFICATION_COVERS_CONTENT',
  'MODIFICATION_SIGNATURE_FORGED',
  'MODIFICATION_FIELD_ADDED',
  'MODIFICATION_EXTENSION',
  'MODIFICATION_SIGNATURE_ADDED',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];
