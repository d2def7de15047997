/**
 * The typed relational schema shared by both dialects (Kysely table interfaces).
 *
 * Portable conventions, chosen so one adapter implementation serves SQLite and PostgreSQL:
 * - instants are ISO-8601 UTC text with milliseconds (`2026-01-01T00:00:00.000Z`): fixed width,
 *   so text order is time order on both engines;
 * - binary values are BLOB (SQLite) / BYTEA (PostgreSQL), both read back as Buffer;
 * - booleans are modelled as nullable instants (`revoked_at`) or 0/1 integers;
 * - JSON is stored as canonical text, never jsonb, so bytes read back equal bytes written.
 */
export interface AuditEventsTable {
  seq: number;
  time: string;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  outcome: string;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The searched columns of each event with their indexes (migration 0014), filled from
 * `audit_events` in seq order when a search needs it; the rows shown are read from `audit_events`.
 */
export interface AuditSearchTable {
  seq: number;
  time: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
}

/** One row (id = 1): the chain head, locked (FOR UPDATE) by every append. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Complete-subtree hashes of the RFC 9162 tree over the audit events (level 0 = leaf hashes). */
export interface AuditTreeTable {
  level: number;
  idx: number;
  hash: string;
}

/** Public keys that sign audit checkpoints (the private key is in the key store at key_uri). */
export interface AuditKeysTable {
  kid: string;
  key_uri: string;
  public_jwk: string;
  created_at: string;
}

/** Signed tree heads: the compact JWS and the RFC 3161 token over it. */
export interface AuditCheckpointsTable {
  id: string;
  tree_size: number;
  root_hash: string;
  time: string;
  kid: string;
  jws: string;
  tsa_token: Buffer | null;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  role: string;
  organization_id: string | null;
  authority_id: string | null;
  official_id: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  /** The person the token was handed to (migration 0013), so dual control compares people. */
  account_id: string | null;
}

export interface SealedKeysTable {
  id: string;
  uri: string;
  label: string;
  key_type: string;
  public_key_spki: Buffer;
  kek_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  created_at: string;
}

export interface CoreTables {
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_search: AuditSearchTable;
  audit_tree: AuditTreeTable;
  audit_keys: AuditKeysTable;
  audit_checkpoints: AuditCheckpointsTable;
  api_tokens: ApiTokensTable;
  sealed_keys: SealedKeysTable;
}

export interface CasTable {
  id: string;
  kind: string;
  parent_id: string | null;
  key_uri: string;
  certificate_der: Buffer;
  subject_dn: string;
  serial: string;
  not_before: string;
  not_after: string;
  status: string;
  created_at: string;
  /** Last CRL number handed out (RFC 5280 §5.2.3); 0 = none yet. */
  crl_number: number;
}

export interface CertificatesTable {
  id: string;
  ca_id: string;
  serial: string;
  profile: string;
  subscriber_id: string | null;
  request_id: string | null;
  replaces_id: string | null;
  subject_dn: string;
  spki_sha256: string;
  key_uri: string | null;
  not_before: string;
  not_after: string;
  status: string;
  der: Buffer | null;
  revocation_reason: string | null;
  revoked_at: string | null;
  invalidity_date: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface SubscribersTable {
  id: string;
  kind: string;
  managing_organization_id: string | null;
  name: string;
  subject: string;
  identifiers: string;
  email: string | null;
  position: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

/** One row per (subscriber, prefixed identifier): an indexed exact-match lookup on both engines. */
export interface SubscriberIdentifiersTable {
  subscriber_id: string;
  identifier: string;
}

export interface RequestsTable {
  id: string;
  kind: string;
  state: string;
  subscriber_id: string;
  profile: string;
  ca_id: string;
  certificate_id: string | null;
  csr_der: Buffer | null;
  params: string;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
  result_certificate_id: string | null;
  completed_at: string | null;
  failure_reason: string | null;
}

export interface CrlsTable {
  ca_id: string;
  crl_number: number;
  this_update: string;
  next_update: string;
  der: Buffer;
  entry_count: number;
  created_at: string;
}

export interface PkiTables {
  cas: CasTable;
  certificates: CertificatesTable;
  subscribers: SubscribersTable;
  subscriber_identifiers: SubscriberIdentifiersTable;
  requests: RequestsTable;
  crls: CrlsTable;
}

export interface SignSessionsTable {
  id: string;
  owner_id: string | null;
  prepared_pdf: Buffer;
  /** JSON array of 4 integers. */
  byte_range: string;
  signed_attributes: Buffer;
  digest_algorithm: string;
  algorithm: string;
  /** JSON array of base64 DER certificates, signer first. */
  certificates: string;
  level: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SigningCredentialsTable {
  id: string;
  owner_id: string;
  label: string;
  key_uri: string;
  certificates: string;
  algorithm: string | null;
  pin_hash: string;
  failed_attempts: number;
  locked_at: string | null;
  created_at: string;
  updated_at: string;
  activation_code_hash: string | null;
  activation_expires_at: string | null;
}

/** Dual-control requests (src/core/approval-requests.ts); `params` is JSON text. */
export interface ApprovalRequestsTable {
  id: string;
  kind: string;
  target: string;
  params: string;
  state: string;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  note: string | null;
}

export interface SigningAuthorizationsTable {
  id: string;
  credential_id: string;
  owner_id: string;
  max_documents: number;
  used_documents: number;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface SigningTables {
  sign_sessions: SignSessionsTable;
  signing_credentials: SigningCredentialsTable;
  signing_authorizations: SigningAuthorizationsTable;
  approval_requests: ApprovalRequestsTable;
}

export interface AuthoritiesTable {
  id: string;
  name: string;
  place: string;
  organization_id: string | null;
  seal_credential_id: string | null;
  created_at: string;
  seal_custodian_id: string | null;
}

/** One row per (authority, register type, year): the number counter, locked by every allocation, and the year closing. */
export interface RegisterYearsTable {
  authority_id: string;
  register_type: string;
  year: number;
  last_number: number;
  closed_at: string | null;
  closed_by: string | null;
  total: number | null;
}

export interface RegisterVolumesTable {
  authority_id: string;
  register_type: string;
  year: number;
  volume: number;
  opened_at: string;
  opened_by: string;
  closed_at: string | null;
}

export interface RegisterEntriesTable {
  id: string;
  authority_id: string;
  register_type: string;
  year: number;
  volume: number;
  number: number;
  status: string;
  lookup_code: string;
  certifier_id: string;
  requester_name: string;
  requester_id_document: string;
  document_type: string;
  document_title: string;
  document_issuer: string;
  original_sha256: string;
  original_pages: number;
  copies: number;
  fee_per_copy: number;
  fee_total: number;
  copy_sha256: string | null;
  certified_at: string;
  status_reason: string | null;
  status_changed_by: string | null;
  status_changed_at: string | null;
}

/** Stamp settings of a certifying authority (0006-stamps). */
export interface AuthorityStampsTable {
  authority_id: string;
  seal_image: Buffer | null;
  seal_diameter_mm: number | null;
  title: string | null;
  /** JSON array of strings. */
  authority_lines: string;
  /** 0 or 1. */
  text_only_stamps: number;
  updated_at: string;
  updated_by: string;
}

/** A signing credential holder's signature image (0006-stamps). */
export interface SignatureImagesTable {
  credential_id: string;
  image: Buffer;
  updated_at: string;
  updated_by: string;
}

export interface CopiesTables {
  authority_stamps: AuthorityStampsTable;
  signature_images: SignatureImagesTable;
  authorities: AuthoritiesTable;
  register_years: RegisterYearsTable;
  register_volumes: RegisterVolumesTable;
  register_entries: RegisterEntriesTable;
  copy_documents: CopyDocumentsTable;
}

/** Signed copies kept in the database (PostgreSQL deployments without KYSO_COPY_STORE_DIR). */
export interface CopyDocumentsTable {
  sha256: string;
  pdf: Buffer;
  created_at: string;
}

/** Idempotency keys of the HTTP edge (migration 0011); `headers` is JSON text. */
export interface IdempotencyKeysTable {
  caller: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: string;
  claim_id: string;
  status: number | null;
  headers: string | null;
  body: Buffer | null;
  resource_id: string | null;
  resource_location: string | null;
  created_at: string;
  locked_until: string;
  expires_at: string;
}

export interface HttpTables {
  idempotency_keys: IdempotencyKeysTable;
}

/** People's accounts and sessions (migration 0013-accounts, docs/sign-in.md). */
export interface AccountsTable {
  id: string;
  username: string;
  display_name: string;
  role: string;
  organization_id: string | null;
  authority_id: string | null;
  official_id: string | null;
  password_hash: string | null;
  totp_secret: string | null;
  totp_last_step: number | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  failed_attempts: number;
  locked_until: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  /** Migration 0017: advanced by every change of password, TOTP secret or disabled flag. */
  credentials_epoch: number;
  /** Migration 0019: when the current count of failed sign-ins started (null: none counted). */
  failures_window_started_at: string | null;
}

export interface LoginIpAttemptsTable {
  ip: string;
  failed_attempts: number;
  window_started_at: string;
  locked_until: string | null;
}

/** Migration 0018: the account counter for usernames with no password to check. */
export interface LoginNameAttemptsTable {
  username: string;
  failed_attempts: number;
  window_started_at: string;
  locked_until: string | null;
}

export interface SessionsTable {
  id_hash: string;
  account_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  idle_timeout_seconds: number;
  revoked_at: string | null;
  /** Migration 0017: the account's credentials_epoch when the session started. */
  credentials_epoch: number;
}

export interface OidcPendingTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expires_at: string;
}

export interface AccountTables {
  accounts: AccountsTable;
  login_ip_attempts: LoginIpAttemptsTable;
  login_name_attempts: LoginNameAttemptsTable;
  sessions: SessionsTable;
  oidc_pending: OidcPendingTable;
}

export type Database = CoreTables & PkiTables & SigningTables & CopiesTables & HttpTables & AccountTables & JobTables;

/** Jobs (migration 0012-jobs, docs/jobs.md). */
export interface JobsTable {
  id: string;
  kind: string;
  owner_id: string;
  organization_id: string | null;
  actor_id: string;
  state: string;
  options: string;
  authorization_id: string | null;
  signing_time: string;
  deterministic: number;
  webhook_url: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface JobItemsTable {
  job_id: string;
  n: number;
  name: string;
  input_sha256: string;
  input_bytes: number;
  state: string;
  attempts: number;
  claim_token: string | null;
  lease_until: string | null;
  output_sha256: string | null;
  output_bytes: number | null;
  error_code: string | null;
  error_message: string | null;
  updated_at: string;
}

export interface WebhookSecretsTable {
  owner_id: string;
  secret: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  job_id: string;
  owner_id: string;
  url: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  claim_token: string | null;
  lease_until: string | null;
  created_at: string;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  n: number;
  at: string;
  status: number | null;
  error: string | null;
}

export interface JobTables {
  jobs: JobsTable;
  job_items: JobItemsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
