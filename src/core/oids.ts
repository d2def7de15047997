/**
 * The one catalogue of object identifiers the service reads or writes: X.500 attribute types
 * (RFC 5280 Appendix A, RFC 4519), certificate and CRL extensions (RFC 5280 §4.2, §5.2), access
 * methods and key purposes (RFC 5280 §4.2.1.12, RFC 9336), OCSP (RFC 6960), CMS content types and
 * attributes (RFC 5652, RFC 2634/5035 ESS, RFC 3161), PAdES/Adobe attributes (ISO 32000-1
 * §12.8.3.3.2) and the algorithm identifiers of RFC 5754, RFC 4055, RFC 5758, RFC 8419.
 * Names follow the specs' ASN.1 names without the `id-` prefix.
 */
export const OID = {
  // attribute types (RFC 5280 Appendix A, RFC 4519)
  countryName: '2.5.4.6',
  stateOrProvinceName: '2.5.4.8',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  commonName: '2.5.4.3',
  title: '2.5.4.12',
  serialNumber: '2.5.4.5',
  emailAddress: '1.2.840.113549.1.9.1',
  uid: '0.9.2342.19200300.100.1.1',
  // certificate and CRL extensions (RFC 5280 §4.2, §5.2, §5.3)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  anyPolicy: '2.5.29.32.0',
  cpsQualifier: '1.3.6.1.5.5.7.2.1',
  // access methods (RFC 5280 §4.2.2.1)
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  // extended key usages (RFC 5280 §4.2.1.12, RFC 9336)
  anyExtendedKeyUsage: '2.5.29.37.0',
  kpServerAuth: '1.3.6.1.5.5.7.3.1',
  kpClientAuth: '1.3.6.1.5.5.7.3.2',
  kpEmailProtection: '1.3.6.1.5.5.7.3.4',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  /** RFC 9336 id-kp-documentSigning. */
  kpDocumentSigning: '1.3.6.1.5.5.7.3.36',
  /** Adobe Authentic Documents Trust (PDF signing), recognised by Acrobat. */
  adobeAuthenticDocuments: '1.2.840.113583.1.1.5',
  // OCSP (RFC 6960 §4.2.1, §4.4)
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  // CMS content types and attributes (RFC 5652 §4, §11; RFC 3161 §2.4.2; RFC 2634/5035)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStamp: '1.2.840.113549.1.9.16.2.14',
  /** adbe-revocationInfoArchival signed attribute (ISO 32000-1 §12.8.3.3.2). */
  adobeRevocationInfoArchival: '1.2.840.113583.1.1.8',
  // public keys and signature schemes (RFC 8017, RFC 4055, RFC 5480, RFC 8410)
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  // digests (RFC 3279, RFC 5754, NIST CSOR)
  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha3_224: '2.16.840.1.101.3.4.2.7',
  sha3_256: '2.16.840.1.101.3.4.2.8',
  sha3_384: '2.16.840.1.101.3.4.2.9',
  sha3_512: '2.16.840.1.101.3.4.2.10',
  shake256: '2.16.840.1.101.3.4.2.12',
} as const;

/** RFC 5280 §4.2.1.3 KeyUsage bit numbers. */
export const KU = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KU;

/**
 * Hash names as node:crypto spells them, including the legacy ones a validator must be able to
 * name (MD5, SHA-1: reported as weak, ETSI TS 119 312) and SHAKE256 (RFC 8419, 512-bit output).
 */
export type AnyHashName =
  'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512' | 'shake256';

export const HASH_BY_OID: Readonly<Record<string, AnyHashName>> = {
  [OID.md5]: 'md5',
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sha3_224]: 'sha3-224',
  [OID.sha3_256]: 'sha3-256',
  [OID.sha3_384]: 'sha3-384',
  [OID.sha3_512]: 'sha3-512',
  [OID.shake256]: 'shake256',
};

export function isKnownHash(name: string): name is AnyHashName {
  return Object.values(HASH_BY_OID).includes(name as AnyHashName);
}

/** Output length in bytes for SHAKE256 as used in CMS (RFC 8419 §2.3: 512 bits). */
export const SHAKE256_OUTPUT_BYTES = 64;
