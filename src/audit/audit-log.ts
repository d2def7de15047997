/**
 * The audit log port: append-only and tamper-evident (a SHA-256 hash chain, see chain.ts).
 * Every state change in the CA, signing and certified-copy services is one event: who (actor,
 * role), what (action, target), when (time from the injected Clock), outcome.
 *
 * SECURITY: `details` is stored in clear and shown to auditors. Callers MUST NOT put PINs,
 * passwords, private keys, PKCS#12 files, bearer tokens or other secrets in it (put a key URI
 * or a certificate serial there instead).
 */
export type AuditOutcome = 'success' | 'failure';

export interface AuditEvent {
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target?: string;
  readonly outcome: AuditOutcome;
  /** JSON-compatible values only (plain objects, arrays, strings, finite numbers, booleans, null). */
  readonly details?: Record<string, unknown>;
}

export interface AuditRecord {
  /** 1, 2, 3 … without gaps. */
  readonly seq: number;
  /** ISO-8601 UTC with milliseconds. */
  readonly time: string;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: AuditOutcome;
  readonly details: Record<string, unknown> | null;
  /** Hex SHA-256 of the previous record (64 zeros for seq 1). */
  readonly prevHash: string;
  /** Hex SHA-256 over the canonical encoding (chain.ts `auditRecordPreimage`). */
  readonly hash: string;
}

export interface AuditFilter {
  readonly fromSeq?: number;
  readonly toSeq?: number;
  readonly actor?: string;
  readonly action?: string;
  /** Actions starting with this text, e.g. `copy.` for every certified-copy action. */
  readonly actionPrefix?: string;
  readonly target?: string;
  readonly outcome?: AuditOutcome;
  /** Inclusive lower bound on time (ISO or Date). */
  readonly since?: Date | string;
  /** Exclusive upper bound on time. */
  readonly until?: Date | string;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
  /** Default 'asc' (by seq). */
  readonly order?: 'asc' | 'desc';
}

export type ChainProblem = 'missing' | 'hash-mismatch' | 'prev-hash-mismatch' | 'head-mismatch' | 'malformed';

export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly headSeq: number; readonly headHash: string }
  | { readonly ok: false; readonly count: number; readonly firstBadSeq: number; readonly problem: ChainProblem; readonly message: string };

export interface AuditLog {
  /** Appends one event after the current head; concurrent appends are serialised, never forked. */
  append(event: AuditEvent): Promise<AuditRecord>;
  list(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** Recomputes the whole chain from seq 1 and checks it ends at the stored head. */
  verifyChain(): Promise<ChainVerification>;
}
