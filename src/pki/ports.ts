/**
 * Repository ports of the PKI domain (CA hierarchy, certificates, subscribers, requests, CRLs).
 * src/store implements them with Kysely (SQLite + PostgreSQL) in src/store; src/pki services only
 * see these interfaces. Conventions for every adapter:
 *
 * - Plain records: `Date` for instants, `Buffer` for DER, string ids, `null` for "absent" columns.
 * - Serial numbers are strings: lowercase hex of the positive INTEGER's minimal big-endian
 *   magnitude, even length (e.g. `0a1b…`, never a `00` sign byte) — see `serialToHex` in serial.ts.
 * - `find*`/`get` return `undefined` when nothing matches; they never throw NOT_FOUND.
 * - A uniqueness violation (duplicate CA id, duplicate (caId, serial), duplicate CRL (caId, number))
 *   throws `AppError('STORE_CONSTRAINT', …)`; an unreachable database throws `STORE_UNAVAILABLE`.
 * - State changes are compare-and-set (`expected…` arguments) and return whether a row changed,
 *   so two concurrent revocations cannot both win (no read-modify-write races in services).
 * - JSON-typed fields (`subject`, `identifiers`, `params`, `details`) are stored as JSON text/jsonb.
 */
import type { KeySpec } from '../keys/key-store.js';

// ---------------------------------------------------------------------------------------------
// Shared value types

/** RFC 5280 §5.3.1 reason names that can be stored on a certificate (removeFromCRL is an event, not a state). */
export type StoredRevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** Structured subject (docs/domain.md subject names), kept as JSON; rendered to a DN by src/pki/names.ts. */
export interface SubjectFields {
  /** ISO 3166 code, 'VN' by default. */
  readonly country?: string;
  /** ST — province. */
  readonly province?: string;
  /** L — district/commune. */
  readonly locality?: string;
  /** O — parent body. */
  readonly organization?: string;
  /** OU — may repeat, outermost first. */
  readonly organizationalUnits?: readonly string[];
  /** CN — person, organization or device/service name. */
  readonly commonName: string;
  /** E (emailAddress) — official e-mail. */
  readonly email?: string;
  /** UID values with prefix: `CCCD:…`, `CMND:…`, `MST:…`, `MNS:…`. */
  readonly uids?: readonly string[];
  /** Title (2.5.4.12), e.g. the official's position. */
  readonly title?: string;
}

// ---------------------------------------------------------------------------------------------
// CAs

export type CaKind = 'root' | 'issuing' | 'ocsp-responder' | 'tsa';
export type CaStatus = 'active' | 'retired';

/** One row per CA-held key/certificate: 'root', 'organizations', 'individuals', 'ocsp-responder', 'tsa'. */
export interface CaRecord {
  readonly id: string;
  readonly kind: CaKind;
  /** Issuer's id; null for the root. */
  readonly parentId: string | null;
  /** KeyStore URI of the private key. */
  readonly keyUri: string;
  readonly certificateDer: Buffer;
  /** Display form of the subject DN (names.ts `renderDn`). */
  readonly subjectDn: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly status: CaStatus;
  readonly createdAt: Date;
}

export interface CaRepository {
  get(id: string): Promise<CaRecord | undefined>;
  list(): Promise<CaRecord[]>;
  /** STORE_CONSTRAINT when the id exists. Initialises the CRL number counter to 0. */
  insert(record: CaRecord): Promise<void>;
  /** Replace certificate + key (CA re-key/renewal); keeps the CRL counter. */
  updateCertificate(
    id: string,
    change: { keyUri: string; certificateDer: Buffer; serial: string; notBefore: Date; notAfter: Date; subjectDn: string },
  ): Promise<void>;
  /** Atomically increments and returns the CA's CRL number (1, 2, 3, …; RFC 5280 §5.2.3 monotonic). */
  allocateCrlNumber(caId: string): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** pending → active | failed; active ⇄ on-hold; active | on-hold → revoked. Expiry is derived from notAfter. */
export type CertificateStatus = 'pending' | 'active' | 'on-hold' | 'revoked' | 'failed';

/** A certificate's stored status and revocation facts (RFC 5280 §5.3.1 reason, revocation time). */
export type StoredCertificateStatus = Pick<CertificateRecord, 'status' | 'revocationReason' | 'revokedAt'>;

export interface CertificateRecord {
  /** 'crt_…' */
  readonly id: string;
  readonly caId: string;
  readonly serial: string;
  /** Profile id (profiles.ts), e.g. 'individual', 'organization', 'device', 'ocsp-responder', 'tsa'. */
  readonly profile: string;
  readonly subscriberId: string | null;
  readonly requestId: string | null;
  /** The certificate this one renews/rekeys/replaces, if any. */
  readonly replacesId: string | null;
  readonly subjectDn: string;
  /** SHA-256 hex of the SubjectPublicKeyInfo DER (find other certs on the same key, rekey checks). */
  readonly spkiSha256: string;
  /** KeyStore URI when the service holds the subscriber key (server-side keygen / remote signing). */
  readonly keyUri: string | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly status: CertificateStatus;
  /** Null while pending or failed. */
  readonly der: Buffer | null;
  readonly revocationReason: StoredRevocationReason | null;
  readonly revokedAt: Date | null;
  readonly invalidityDate: Date | null;
  readonly failureReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What `reserve` needs: the intent recorded before signing (boulder's "record intent"). */
export type NewPendingCertificate = Omit<
  CertificateRecord,
  'status' | 'der' | 'revocationReason' | 'revokedAt' | 'invalidityDate' | 'failureReason' | 'updatedAt'
>;

export interface CertificateStatusChange {
  readonly status: 'active' | 'on-hold' | 'revoked';
  /** null when released from hold (back to active). */
  readonly revocationReason: StoredRevocationReason | null;
  readonly revokedAt: Date | null;
  readonly invalidityDate: Date | null;
  readonly at: Date;
}

/** One CRL entry's worth of data (RFC 5280 §5.3). */
export interface RevokedEntry {
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: StoredRevocationReason;
  readonly invalidityDate: Date | null;
}

export interface CertificateFilter {
  readonly caId?: string;
  readonly status?: CertificateStatus;
  readonly subscriberId?: string;
  readonly profile?: string;
  /** Only certificates with notAfter > this instant. */
  readonly validAt?: Date;
  /** Default 100, adapters cap at 1000. Ordered by createdAt desc, id desc. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface CertificateRepository {
  /**
   * Record intent: insert a row with status 'pending'. The unique index on (caId, serial)
   * makes a reused serial impossible: duplicate → STORE_CONSTRAINT. Returns the stored row.
   */
  reserve(record: NewPendingCertificate): Promise<CertificateRecord>;
  /** pending → active with the DER; false when the row is not pending. */
  markIssued(id: string, der: Buffer, at: Date): Promise<boolean>;
  /** pending → failed; the serial stays reserved forever. false when not pending. */
  markFailed(id: string, failureReason: string, at: Date): Promise<boolean>;
  /** Compare-and-set status change; false when the current status is not `expectedStatus`. */
  changeStatus(id: string, expectedStatus: CertificateStatus, change: CertificateStatusChange): Promise<boolean>;
  findById(id: string): Promise<CertificateRecord | undefined>;
  findBySerial(caId: string, serial: string): Promise<CertificateRecord | undefined>;
  /**
   * Several certificates by (CA, serial) in as few reads as the store can (OCSP answers asked
   * together), each undefined when absent, in the order of `keys`.
   */
  findBySerials(keys: readonly { readonly caId: string; readonly serial: string }[]): Promise<(CertificateRecord | undefined)[]>;
  /** Same serial under any CA (serials are random, so at most a handful). */
  findBySerialAnyCa(serial: string): Promise<CertificateRecord[]>;
  /**
   * The stored status of the certificate with exactly these DER bytes (`serial` is its serial,
   * which narrows the search to a handful of rows), undefined when none is stored: the status
   * asked before every signature, read as it is stored now, without the rest of the row.
   */
  findStatusByDer(serial: string, der: Buffer): Promise<StoredCertificateStatus | undefined>;
  list(filter: CertificateFilter): Promise<CertificateRecord[]>;
  /**
   * Revoked or on-hold certificates of a CA, ordered by serial ascending, keyset-paged
   * (`afterSerial` exclusive). Must stay fast at 100,000 rows: index (caId, status, serial).
   * `notExpiredAt` drops entries whose notAfter is before that instant (RFC 5280 §3.3 allows it).
   */
  listRevoked(caId: string, page: { afterSerial?: string; limit: number; notExpiredAt?: Date }): Promise<RevokedEntry[]>;
  /** Startup recovery: every 'pending' row created before `olderThan` → 'failed'. Returns the count. */
  failStalePending(olderThan: Date, failureReason: string, at: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Subscribers

export type SubscriberKind = 'organization' | 'individual' | 'device';
export type SubscriberStatus = 'active' | 'inactive';

export interface SubscriberRecord {
  /** 'sub_…' */
  readonly id: string;
  readonly kind: SubscriberKind;
  /**
   * The managing organization (a subscriber of kind 'organization') whose approver decides on
   * requests. Required for individuals and devices; for an organization its superior agency,
   * or null for a top-level one (then an admin approves).
   */
  readonly managingOrganizationId: string | null;
  /** CN / display name. */
  readonly name: string;
  /** The validated subject used for new certificates. */
  readonly subject: SubjectFields;
  /** Prefixed identifiers (`MST:…`, `MNS:…`, `CCCD:…`, `CMND:…`), validated; same as subject.uids. */
  readonly identifiers: readonly string[];
  readonly email: string | null;
  /** Official's position (e.g. 'Phó Chủ tịch'); null for organizations/devices. */
  readonly position: string | null;
  readonly status: SubscriberStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SubscriberFilter {
  readonly kind?: SubscriberKind;
  readonly managingOrganizationId?: string;
  readonly status?: SubscriberStatus;
  readonly limit?: number;
  readonly offset?: number;
}

export interface SubscriberRepository {
  insert(record: SubscriberRecord): Promise<void>;
  update(
    id: string,
    change: {
      name?: string;
      subject?: SubjectFields;
      identifiers?: readonly string[];
      email?: string | null;
      position?: string | null;
      managingOrganizationId?: string | null;
      status?: SubscriberStatus;
      updatedAt: Date;
    },
  ): Promise<boolean>;
  get(id: string): Promise<SubscriberRecord | undefined>;
  /** Exact match on one prefixed identifier, e.g. 'MST:0101234565'. */
  findByIdentifier(identifier: string): Promise<SubscriberRecord[]>;
  list(filter: SubscriberFilter): Promise<SubscriberRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// Requests

export type RequestKind = 'new' | 'renew' | 'rekey' | 'change-info' | 'revoke';
/** pending → approved | rejected; approved → completed | failed. */
export type RequestState = 'pending' | 'approved' | 'rejected' | 'completed' | 'failed';

/** Kind-specific parameters, stored as JSON. Passwords and keys are never stored here. */
export interface RequestParams {
  readonly validityDays?: number;
  /** Server-side key generation with this spec (delivered once as PKCS#12). */
  readonly keySpec?: KeySpec;
  /** For 'change-info': the new subject. */
  readonly subject?: SubjectFields;
  /** For 'revoke': RFC 5280 reason name. */
  readonly revocationReason?: StoredRevocationReason;
  /** ISO 8601 string. */
  readonly invalidityDate?: string;
  readonly note?: string;
}

export interface RequestRecord {
  /** 'req_…' */
  readonly id: string;
  readonly kind: RequestKind;
  readonly state: RequestState;
  readonly subscriberId: string;
  readonly profile: string;
  readonly caId: string;
  /** Target certificate for renew/rekey/change-info/revoke. */
  readonly certificateId: string | null;
  /** PKCS#10 DER supplied by the subscriber (null for server keygen or revoke). */
  readonly csrDer: Buffer | null;
  readonly params: RequestParams;
  readonly requestedBy: string;
  readonly requestedAt: Date;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly decisionNote: string | null;
  /** Certificate produced by completing the request. */
  readonly resultCertificateId: string | null;
  readonly completedAt: Date | null;
  readonly failureReason: string | null;
}

export interface RequestFilter {
  readonly state?: RequestState;
  readonly subscriberId?: string;
  /** Requests whose subscriber is managed by this organization. */
  readonly managingOrganizationId?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface RequestTransition {
  readonly state: RequestState;
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  readonly decisionNote?: string | null;
  readonly resultCertificateId?: string;
  readonly completedAt?: Date;
  readonly failureReason?: string;
}

export interface RequestRepository {
  insert(record: RequestRecord): Promise<void>;
  get(id: string): Promise<RequestRecord | undefined>;
  /** Compare-and-set on state; false when the current state is not `expectedState`. */
  transition(id: string, expectedState: RequestState, change: RequestTransition): Promise<boolean>;
  list(filter: RequestFilter): Promise<RequestRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// CRLs

export interface CrlRecord {
  readonly caId: string;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Buffer;
  readonly entryCount: number;
  readonly createdAt: Date;
}

export interface CrlRepository {
  /** STORE_CONSTRAINT on a duplicate (caId, crlNumber). */
  save(record: CrlRecord): Promise<void>;
  /** Highest crlNumber for the CA. */
  latest(caId: string): Promise<CrlRecord | undefined>;
  /** Optional housekeeping: drop all but the newest `keep` CRLs of a CA. */
  prune(caId: string, keep: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Aggregate + unit of work

export interface PkiRepositories {
  readonly cas: CaRepository;
  readonly certificates: CertificateRepository;
  readonly subscribers: SubscriberRepository;
  readonly requests: RequestRepository;
  readonly crls: CrlRepository;
}

/**
 * The repositories of one transaction. `audit` is the store's own audit log bound to the same
 * transaction, present when the store keeps the audit log (the relational store): an event
 * appended there commits or rolls back with the change it records. A store without one (the
 * in-memory test store) leaves it out and services append to their own sink instead.
 */
export interface PkiTransactionRepositories extends PkiRepositories {
  readonly audit?: PkiAuditSink;
}

export interface PkiStore extends PkiRepositories {
  /** Runs `fn` in one database transaction with repositories bound to it; rolls back on throw. */
  transaction<T>(fn: (repos: PkiTransactionRepositories) => Promise<T>): Promise<T>;
}

// ---------------------------------------------------------------------------------------------
// Audit (structural copy of src/audit/audit-log.ts `AuditLog.append`)

export interface PkiAuditEvent {
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target?: string;
  readonly outcome: 'success' | 'failure';
  readonly details?: Record<string, unknown>;
}

export interface PkiAuditSink {
  append(event: PkiAuditEvent): Promise<unknown>;
}
