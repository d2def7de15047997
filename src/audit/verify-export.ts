import type { AuditRecord, ChainVerification } from './audit-log.js';
import { ChainChecker } from './chain.js';

/**
 * Offline verification of an exported audit log (a JSON array of AuditRecord, as `list()` returns
 * and `JSON.stringify` writes). Needs no database: an auditor can run it on a copy. Records are
 * checked in array order, which must be seq order starting at 1; `expectedHead` (e.g. a head
 * hash published or signed elsewhere) additionally detects truncation at the end.
 */
export function verifyAuditExport(records: unknown, expectedHead?: { seq: number; hash: string }): ChainVerification {
  if (!Array.isArray(records)) return { ok: false, count: 0, firstBadSeq: 1, problem: 'malformed', message: 'export is not a JSON array' };
  const checker = new ChainChecker();
  for (let i = 0; i < records.length; i++) {
    const r = parseAuditRecord(records[i]);
    if (!r) return { ok: false, count: i, firstBadSeq: i + 1, problem: 'malformed', message: `entry ${i} is not an audit record` };
    if (!checker.push(r)) break;
  }
  return checker.finish(expectedHead);
}

/** An exported record, shape-checked (its hash is checked by ChainChecker); undefined when it is not one. */
export function parseAuditRecord(x: unknown): AuditRecord | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === 'string';
  if (typeof o.seq !== 'number' || !str('time') || !str('actor') || !str('role') || !str('action') || !str('prevHash') || !str('hash'))
    return undefined;
  if (o.outcome !== 'success' && o.outcome !== 'failure') return undefined;
  if (o.target !== null && typeof o.target !== 'string') return undefined;
  if (o.details !== null && (typeof o.details !== 'object' || Array.isArray(o.details))) return undefined;
  return o as unknown as AuditRecord;
}
