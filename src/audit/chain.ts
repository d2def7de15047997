import { hash } from 'node:crypto';
import type { AuditEvent, AuditRecord, ChainVerification } from './audit-log.js';
import { CanonicalText, canonicalJson } from './canonical-json.js';
import { leafHash } from './merkle.js';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_HASH_VERSION = 1;

/**
 * The exact bytes hashed for a record: UTF-8 of the canonical JSON (canonical-json.ts, RFC 8785
 * rules) of the object
 *   { v: 1, seq, time, actor, role, action, target, outcome, details, prevHash }
 * where `target` and `details` are null when absent. `hash` = lowercase hex SHA-256 of these
 * bytes. Binding `seq` and `prevHash` makes deletion, insertion and reordering detectable; binding
 * `v` lets a later format coexist with old records.
 */
export function auditRecordPreimage(r: Omit<AuditRecord, 'hash'>): Buffer {
  return Buffer.from(preimageText(r, r.details), 'utf8');
}

export function hashAuditRecord(r: Omit<AuditRecord, 'hash'>): string {
  return hash('sha256', preimageText(r, r.details), 'hex');
}

/**
 * The preimage as text; `details` is the record's details or their canonical text (the same bytes).
 * It is canonicalJson of the object above written out member by member: the member names are fixed,
 * so their JCS order (§3.2.3, UTF-16 code units) is fixed too, and each value is encoded by
 * canonicalJson, an absent (undefined) member left out as canonicalJson leaves it out. Every record
 * appended and every record verified is encoded, and this skips building, key-sorting and quoting
 * an object for each.
 */
function preimageText(r: Omit<AuditRecord, 'hash'>, details: unknown): string {
  let out = member('{', '"action":', r.action);
  out = member(out, '"actor":', r.actor);
  out = member(out, '"details":', details);
  out = member(out, '"outcome":', r.outcome);
  out = member(out, '"prevHash":', r.prevHash);
  out = member(out, '"role":', r.role);
  out = member(out, '"seq":', r.seq);
  out = member(out, '"target":', r.target);
  out = member(out, '"time":', r.time);
  out = member(out, '"v":', AUDIT_HASH_VERSION);
  return out + '}';
}

function member(out: string, name: string, value: unknown): string {
  if (value === undefined) return out;
  return out + (out.length === 1 ? name : ',' + name) + canonicalJson(value);
}

/**
 * The leaf of the audit Merkle tree (RFC 9162 §2.1.1) for a record: its canonical encoding (the
 * bytes `hash` is taken over), leaf-hashed. Leaf index = seq - 1.
 */
export function auditLeafHash(r: Omit<AuditRecord, 'hash'>): Buffer {
  return leafHash(auditRecordPreimage(r));
}

/**
 * An event checked and normalised for storage: its details as their canonical text
 * (`detailsJson`), which is both what the record hash covers and what the store keeps, so an
 * append encodes the details once.
 */
export interface NormalizedAuditEvent extends Pick<AuditRecord, 'actor' | 'role' | 'action' | 'target' | 'outcome'> {
  readonly detailsJson: string | null;
}

/** Checks an event (TypeError on misuse, including secret-named details) and normalises it. */
export function normalizeAuditEvent(event: AuditEvent): NormalizedAuditEvent {
  for (const f of ['actor', 'role', 'action'] as const) {
    if (typeof event[f] !== 'string' || event[f].length === 0) throw new TypeError(`audit event: ${f} must be a non-empty string`);
  }
  if (event.outcome !== 'success' && event.outcome !== 'failure') throw new TypeError('audit event: outcome must be success or failure');
  if (event.target !== undefined && typeof event.target !== 'string') throw new TypeError('audit event: target must be a string');
  return {
    actor: event.actor,
    role: event.role,
    action: event.action,
    target: event.target ?? null,
    outcome: event.outcome,
    // the member names are vetted as the details are encoded (one walk)
    detailsJson: event.details === undefined ? null : canonicalJson(event.details, refuseSecretName),
  };
}

/** Builds the record that follows `prevHash` at `seq` (validating and normalising the event). */
export function buildAuditRecord(event: AuditEvent, seq: number, prevHash: string, time: Date): AuditRecord {
  return recordFrom(normalizeAuditEvent(event), seq, prevHash, time);
}

/**
 * Builds the record for an already normalised event. Its `details` are those its canonical text
 * decodes to (what the store will return), decoded when first read: appends' records are mostly
 * only told to listeners that do not read them.
 */
export function recordFrom(e: NormalizedAuditEvent, seq: number, prevHash: string, time: Date): AuditRecord {
  const json = e.detailsJson;
  let decoded: Record<string, unknown> | null | undefined = json === null ? null : undefined;
  const record = {
    seq,
    time: time.toISOString(),
    actor: e.actor,
    role: e.role,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    get details(): Record<string, unknown> | null {
      return (decoded ??= JSON.parse(json!) as Record<string, unknown>);
    },
    prevHash,
    hash: '',
  };
  record.hash = hash('sha256', preimageText(record, json === null ? null : new CanonicalText(json)), 'hex');
  return record;
}

/**
 * Incremental chain checker, fed records in seq order (works for a streamed DB scan and an
 * exported file alike). Reports the first bad seq: a gap (deleted record) → `missing` at the
 * first absent seq; an edited record → `hash-mismatch` at it; a reordered or substituted record →
 * `prev-hash-mismatch` at the first record whose link is wrong.
 */
export class ChainChecker {
  #expectSeq: number;
  #prevHash: string;
  #count = 0;
  #bad: Extract<ChainVerification, { ok: false }> | undefined;

  /** From the genesis, or after an already checked record (`after`: its seq and hash). */
  constructor(after: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }) {
    this.#expectSeq = after.seq + 1;
    this.#prevHash = after.hash;
  }

  get failed(): boolean {
    return this.#bad !== undefined;
  }

  push(r: AuditRecord): boolean {
    if (this.#bad) return false;
    if (!Number.isSafeInteger(r.seq) || r.seq < this.#expectSeq) {
      return this.#fail(this.#expectSeq, 'malformed', `record out of order or duplicate seq ${String(r.seq)}`);
    }
    if (r.seq > this.#expectSeq) return this.#fail(this.#expectSeq, 'missing', `record ${this.#expectSeq} is missing`);
    this.#count++;
    let recomputed: string;
    try {
      recomputed = hashAuditRecord(r);
    } catch {
      return this.#fail(r.seq, 'malformed', `record ${r.seq} cannot be encoded`);
    }
    if (recomputed !== r.hash) return this.#fail(r.seq, 'hash-mismatch', `record ${r.seq} was altered (hash mismatch)`);
    if (r.prevHash !== this.#prevHash)
      return this.#fail(r.seq, 'prev-hash-mismatch', `record ${r.seq} does not link to record ${r.seq - 1}`);
    this.#prevHash = r.hash;
    this.#expectSeq++;
    return true;
  }

  /** Ends the check; with `head`, the chain must end exactly there (catches truncation at the end). */
  finish(head?: { seq: number; hash: string }): ChainVerification {
    if (this.#bad) return this.#bad;
    const lastSeq = this.#expectSeq - 1;
    if (head && (head.seq !== lastSeq || head.hash !== this.#prevHash)) {
      // head ahead of the records: the tail was deleted; head behind: records were added outside
      // append(); same seq, other hash: the last record was replaced wholesale.
      const first = head.seq > lastSeq ? lastSeq + 1 : head.seq < lastSeq ? head.seq + 1 : lastSeq;
      const problem = head.seq > lastSeq ? 'missing' : 'head-mismatch';
      return {
        ok: false,
        count: this.#count,
        firstBadSeq: Math.max(1, first),
        problem,
        message: `chain ends at ${lastSeq} (${this.#prevHash.slice(0, 16)}…) but the head is ${head.seq}`,
      };
    }
    return { ok: true, count: this.#count, headSeq: lastSeq, headHash: this.#prevHash };
  }

  #fail(seq: number, problem: Extract<ChainVerification, { ok: false }>['problem'], message: string): false {
    this.#bad = { ok: false, count: this.#count, firstBadSeq: seq, problem, message };
    return false;
  }
}

/**
 * A safety net for the rule in audit-log.ts: details whose member names say "secret" are refused
 * (misuse of this API), so a PIN or key cannot slip into the permanent, hash-chained log.
 */
const SECRET_NAMES = /^(pin|newpin|oldpin|password|passphrase|secret|privatekey|private_key|pkcs8|pkcs12|p12|masterkey|master_key)$/i;

function refuseSecretName(name: string): void {
  if (SECRET_NAMES.test(name)) throw new TypeError(`audit event: details must not carry secrets (member "${name}")`);
}
