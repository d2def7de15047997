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

/** One row (id = 1): the chain head, locked (FOR UPDATE) by every append. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  role: string;
  organization_id: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
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
  api_tokens: ApiTokensTable;
  sealed_keys: SealedKeysTable;
}

export type Database = CoreTables;
