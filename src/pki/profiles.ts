import { AppError } from '../core/errors.js';
import { OID, type KeyUsageName } from '../core/oids.js';
import type { SubscriberKind } from './ports.js';

/**
 * Certificate profiles (docs/domain.md; RFC 5280 §4.2; docs/signatures-and-validation.md "Certificates, CRLs and OCSP").
 *
 * Document-signing EKU set: poppler/NSS (pdfsig) rejects a signer whose EKU lacks
 * emailProtection (NSS maps PDF signing to certUsageEmailSigner), so it is always present;
 * id-kp-documentSigning (RFC 9336) states the intent for validators that know it, and Adobe's
 * Authentic Documents OID (1.2.840.113583.1.1.5) is one Acrobat recognises for PDF signing.
 * OpenSSL's `-purpose any` and certtool accept any of them.
 *
 * Validity caps follow Decree 68/2024/NĐ-CP: new subscriber certificates ≤ 5 years, renewals
 * ≤ 3 years, CA certificates ≤ 20 years.
 */
export type ProfileId = 'root-ca' | 'issuing-ca' | 'ocsp-responder' | 'tsa' | 'organization' | 'individual' | 'device';

export interface Profile {
  readonly id: ProfileId;
  readonly isCa: boolean;
  readonly pathLen?: number;
  readonly keyUsage: readonly KeyUsageName[];
  /** Empty means no EKU extension (CAs). */
  readonly eku: readonly string[];
  readonly ekuCritical: boolean;
  readonly ocspNoCheck: boolean;
  /** Adds CDP + AIA (OCSP + caIssuers) from the issuer's URLs. */
  readonly revocationPointers: 'all' | 'ca-issuers-only' | 'none';
  readonly maxYearsNew: number;
  readonly maxYearsRenewal: number;
  readonly defaultDays: number;
  /** Which subscriber kinds may hold it; empty = only the CA itself (bootstrap). */
  readonly subscriberKinds: readonly SubscriberKind[];
  /** Roles allowed to create requests for it. */
  readonly requesterRoles: readonly string[];
  /** Issuing CA used when the request does not name one. */
  readonly defaultCaId: string;
  /** Adds subjectAltName rfc822Name when the subject has an e-mail. */
  readonly emailSan: boolean;
}

const SIGNING_EKU = [OID.kpEmailProtection, OID.kpDocumentSigning, OID.adobeAuthenticDocuments];
const RA_ROLES = ['admin', 'ra-officer'];

export const PROFILES: Readonly<Record<ProfileId, Profile>> = Object.freeze({
  'root-ca': {
    id: 'root-ca',
    isCa: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    eku: [],
    ekuCritical: false,
    ocspNoCheck: false,
    revocationPointers: 'none',
    maxYearsNew: 20,
    maxYearsRenewal: 20,
    defaultDays: 20 * 365,
    subscriberKinds: [],
    requesterRoles: [],
    defaultCaId: 'root',
    emailSan: false,
  },
  'issuing-ca': {
    id: 'issuing-ca',
    isCa: true,
    pathLen: 0,
    keyUsage: ['keyCertSign', 'cRLSign'],
    eku: [],
    ekuCritical: false,
    ocspNoCheck: false,
    revocationPointers: 'all',
    maxYearsNew: 20,
    maxYearsRenewal: 20,
    defaultDays: 15 * 365,
    subscriberKinds: [],
    requesterRoles: [],
    defaultCaId: 'root',
    emailSan: false,
  },
  'ocsp-responder': {
    id: 'ocsp-responder',
    isCa: false,
    keyUsage: ['digitalSignature'],
    eku: [OID.kpOcspSigning],
    ekuCritical: false,
    ocspNoCheck: true,
    revocationPointers: 'ca-issuers-only',
    maxYearsNew: 5,
    maxYearsRenewal: 3,
    defaultDays: 2 * 365,
    subscriberKinds: [],
    requesterRoles: [],
    defaultCaId: 'individuals',
    emailSan: false,
  },
  tsa: {
    id: 'tsa',
    isCa: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    eku: [OID.kpTimeStamping],
    ekuCritical: true,
    ocspNoCheck: false,
    revocationPointers: 'all',
    maxYearsNew: 5,
    maxYearsRenewal: 3,
    defaultDays: 5 * 365,
    subscriberKinds: [],
    requesterRoles: [],
    defaultCaId: 'organizations',
    emailSan: false,
  },
  organization: {
    id: 'organization',
    isCa: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    eku: SIGNING_EKU,
    ekuCritical: false,
    ocspNoCheck: false,
    revocationPointers: 'all',
    maxYearsNew: 5,
    maxYearsRenewal: 3,
    defaultDays: 3 * 365,
    subscriberKinds: ['organization'],
    requesterRoles: RA_ROLES,
    defaultCaId: 'organizations',
    emailSan: true,
  },
  individual: {
    id: 'individual',
    isCa: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    eku: [OID.kpClientAuth, ...SIGNING_EKU],
    ekuCritical: false,
    ocspNoCheck: false,
    revocationPointers: 'all',
    maxYearsNew: 5,
    maxYearsRenewal: 3,
    defaultDays: 3 * 365,
    subscriberKinds: ['individual'],
    requesterRoles: RA_ROLES,
    defaultCaId: 'individuals',
    emailSan: true,
  },
  device: {
    id: 'device',
    isCa: false,
    keyUsage: ['digitalSignature'],
    eku: [OID.kpServerAuth, OID.kpClientAuth],
    ekuCritical: false,
    ocspNoCheck: false,
    revocationPointers: 'all',
    maxYearsNew: 5,
    maxYearsRenewal: 3,
    defaultDays: 2 * 365,
    subscriberKinds: ['device'],
    requesterRoles: RA_ROLES,
    defaultCaId: 'organizations',
    emailSan: false,
  },
} satisfies Record<ProfileId, Profile>);

/** Profiles a subscriber certificate may be requested under (not CA/OCSP/TSA). */
export const SUBSCRIBER_PROFILES: readonly ProfileId[] = ['organization', 'individual', 'device'];

export function getProfile(id: string): Profile {
  const p = (PROFILES as Record<string, Profile | undefined>)[id];
  if (!p)
    throw new AppError('PROFILE_UNKNOWN', `unknown certificate profile "${id}"`, {
      details: { profile: id, known: Object.keys(PROFILES) },
    });
  return p;
}

export function addYears(d: Date, years: number): Date {
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/**
 * notAfter for a request: `days` from notBefore, capped by the Decree 68/2024 limit for a new
 * certificate or a renewal. A request beyond the cap is refused (VALIDITY_INVALID), never cut.
 */
export function validityFor(profile: Profile, notBefore: Date, days: number | undefined, renewal: boolean): Date {
  const d = days ?? profile.defaultDays;
  if (!Number.isInteger(d) || d < 1)
    throw new AppError('VALIDITY_INVALID', 'validity must be a positive whole number of days', { details: { validityDays: d } });
  const notAfter = new Date(notBefore.getTime() + d * 86_400_000);
  const maxYears = renewal ? profile.maxYearsRenewal : profile.maxYearsNew;
  if (notAfter > addYears(notBefore, maxYears)) {
    throw new AppError(
      'VALIDITY_INVALID',
      `validity exceeds ${maxYears} years for ${renewal ? 'a renewal' : 'a new certificate'} (Decree 68/2024)`,
      {
        details: { validityDays: d, maxYears, renewal },
      },
    );
  }
  return notAfter;
}
