/**
 * Storage ports for electronic certified copies (Decree 23/2015/NĐ-CP, Circular 01/2020/TT-BTP).
 * Implemented with Kysely for SQLite and PostgreSQL in src/store/adapters.
 *
 * The register (sổ chứng thực, Decree 23/2015 Art. 13): per certifying authority and register
 * type, numbers run 1, 2, 3 … continuously through a calendar year (Vietnam time), across
 * volumes; they restart at 1 on 1 January. Entries are never deleted: a failed or annulled
 * certification keeps its number with a status, so the register has no silent gaps.
 */

export type RegisterType = 'SCT/BS';

/** A certifying authority: a commune People's Committee, a notary office, a mission abroad. */
export interface AuthorityRecord {
  readonly id: string;
  readonly name: string;
  /** Where the statement says the certification took place, e.g. "xã Hạ Long, tỉnh Quảng Ninh". */
  readonly place: string;
  /** Organization subscriber id whose seal certificate signs for the authority. */
  readonly organizationId: string | null;
  /** Server-held credential used for the authority's seal signature. */
  readonly sealCredentialId: string | null;
  /**
   * The person who keeps the organization's seal (the records clerk, Decree 30/2020 Art. 32): the
   * only holder a credential over the organization's seal key may be bound to.
   */
  readonly sealCustodianId: string | null;
  readonly createdAt: Date;
}

export interface VolumeRecord {
  readonly authorityId: string;
  readonly registerType: RegisterType;
  readonly year: number;
  /** Volume (quyển số) within the year, from 1. */
  readonly volume: number;
  readonly openedAt: Date;
  readonly openedBy: string;
  readonly closedAt: Date | null;
}

export type EntryStatus = 'pending' | 'valid' | 'failed' | 'annulled';

export interface RegisterEntryRecord {
  readonly id: string;
  readonly authorityId: string;
  readonly registerType: RegisterType;
  readonly year: number;
  readonly volume: number;
  /** Certification number (số chứng thực), continuous within (authority, type, year). */
  readonly number: number;
  readonly status: EntryStatus;
  /** Public short verification code printed on the copy (and encoded in the QR). */
  readonly lookupCode: string;
  readonly certifierId: string;
  readonly requesterName: string;
  readonly requesterIdDocument: string;
  readonly documentType: string;
  readonly documentTitle: string;
  readonly documentIssuer: string;
  readonly originalSha256: string;
  readonly originalPages: number;
  readonly copies: number;
  /** Fee per copy and total, VND (Circular 226/2016/TT-BTC). */
  readonly feePerCopy: number;
  readonly feeTotal: number;
  readonly copySha256: string | null;
  readonly certifiedAt: Date;
  readonly statusReason: string | null;
  readonly statusChangedBy: string | null;
  readonly statusChangedAt: Date | null;
}

export type NewRegisterEntry = Omit<
  RegisterEntryRecord,
  'id' | 'year' | 'volume' | 'number' | 'status' | 'copySha256' | 'statusReason' | 'statusChangedBy' | 'statusChangedAt'
>;

export interface YearClosingRecord {
  readonly authorityId: string;
  readonly registerType: RegisterType;
  readonly year: number;
  readonly total: number;
  readonly closedAt: Date;
  readonly closedBy: string;
}

export interface EntryFilter {
  readonly authorityId?: string;
  readonly year?: number;
  readonly status?: EntryStatus;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit?: number;
  readonly offset?: number;
}

export interface AuthorityRepository {
  create(a: Omit<AuthorityRecord, 'createdAt'> & { createdAt: Date }): Promise<AuthorityRecord>;
  get(id: string): Promise<AuthorityRecord | undefined>;
  list(): Promise<AuthorityRecord[]>;
  update(
    id: string,
    patch: Partial<Pick<AuthorityRecord, 'name' | 'place' | 'organizationId' | 'sealCredentialId' | 'sealCustodianId'>>,
  ): Promise<AuthorityRecord>;
}

export interface RegisterRepository {
  /**
   * Atomically allocates the next number of (authority, type, year) and inserts the entry in
   * status `pending` in the current open volume of that year (opening volume 1 when none is
   * open). Gap-free and duplicate-free under concurrency, also across processes sharing one
   * PostgreSQL database. Throws REGISTER_CLOSED when the year is closed.
   */
  allocate(entry: NewRegisterEntry, year: number, openedBy: string): Promise<RegisterEntryRecord>;
  /**
   * Names the signed copy on a still `pending` entry, before its bytes are stored: a process
   * killed between storing and `markValid` then leaves bytes that an entry names (it becomes
   * `failed` on recovery), never bytes no entry accounts for.
   */
  recordCopyHash(id: string, copySha256: string): Promise<RegisterEntryRecord>;
  /** pending → valid, recording the signed copy's hash. */
  markValid(id: string, copySha256: string, at: Date): Promise<RegisterEntryRecord>;
  /** pending → failed (the number stays used; reason says why). */
  markFailed(id: string, reason: string, by: string, at: Date): Promise<RegisterEntryRecord>;
  /** valid|pending → annulled; never deletes. */
  annul(id: string, reason: string, by: string, at: Date): Promise<RegisterEntryRecord>;
  get(id: string): Promise<RegisterEntryRecord | undefined>;
  findByCode(lookupCode: string): Promise<RegisterEntryRecord | undefined>;
  findByNumber(authorityId: string, year: number, number: number): Promise<RegisterEntryRecord | undefined>;
  findByCopySha256(sha256: string): Promise<RegisterEntryRecord[]>;
  list(filter: EntryFilter): Promise<RegisterEntryRecord[]>;
  /** Entries still `pending` that were allocated before `olderThan` (crash recovery). */
  listStalePending(olderThan: Date): Promise<RegisterEntryRecord[]>;
  /** Opens the next volume of the year (closing the current one); numbering continues. */
  openVolume(authorityId: string, year: number, by: string, at: Date): Promise<VolumeRecord>;
  listVolumes(authorityId: string, year: number): Promise<VolumeRecord[]>;
  /** Closes the year with the total number of entries; later allocations for it fail. */
  closeYear(authorityId: string, year: number, by: string, at: Date): Promise<YearClosingRecord>;
  getYearClosing(authorityId: string, year: number): Promise<YearClosingRecord | undefined>;
  /** Clears a year's closing (closed by mistake); numbering continues from the last number. */
  reopenYear(authorityId: string, year: number): Promise<void>;
}

/**
 * The signed copies themselves, content-addressed by their SHA-256 (hex) — the hash the register
 * records (`copySha256`), so an entry names its bytes and the bytes prove themselves on read.
 * Kept for as long as the register (Decree 23/2015 Art. 13: the register and what it records are
 * kept permanently), written once, never changed. Adapters: a folder of 0600 files
 * (src/store/adapters/copy-files.ts) or a PostgreSQL bytea table (src/store/adapters/copy-documents.ts).
 */
export interface CopyDocumentStore {
  /** Stores `pdf` under `sha256` (idempotent: the same bytes twice are stored once). */
  put(sha256: string, pdf: Buffer): Promise<void>;
  /** The stored bytes as written, or undefined when none are stored under this hash. */
  get(sha256: string): Promise<Buffer | undefined>;
}
