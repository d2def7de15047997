import { AppError, isAppError } from '../core/errors.js';
import type { AuditRecord } from './audit-log.js';
import { auditLeafHash, ChainChecker } from './chain.js';
import { checkCheckpointTimestamp, verifyCheckpointJws, type CheckpointPayload } from './checkpoint-format.js';
import { EXPORT_TYPE, EXPORT_VERSION } from './export-file.js';
import { MemoryMerkleTree, verifyConsistency } from './merkle.js';
import { parseAuditRecord } from './verify-export.js';

export type AuditFileProblemKind = 'malformed' | 'chain' | 'truncated' | 'checkpoint' | 'inconsistent';

export interface CheckedCheckpoint {
  readonly source: 'export' | 'earlier';
  readonly treeSize: number;
  readonly rootHash: string;
  readonly time: string;
  readonly timestampedAt?: string;
}

export interface AuditFileReport {
  readonly ok: boolean;
  readonly events: number;
  /** RFC 9162 root recomputed over every exported event, hex. */
  readonly rootHash: string;
  readonly checkpoints: CheckedCheckpoint[];
  readonly problem?: {
    readonly kind: AuditFileProblemKind;
    /** The first event that does not match (seq), when one can be named. */
    readonly firstBadSeq?: number;
    readonly message: string;
  };
}

/** An earlier checkpoint obtained separately: the JSON of GET /api/v1/audit/checkpoints/latest, or the bare JWS. */
export interface EarlierCheckpoint {
  readonly jws: string;
  readonly tsaToken?: string | null;
  /** Keys published with it (`keys` member), else the export's. */
  readonly keys?: Record<string, unknown>[];
}

export function parseEarlierCheckpoint(text: string): EarlierCheckpoint {
  const t = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t)) return { jws: t };
  try {
    const o = JSON.parse(t) as Record<string, unknown>;
    if (typeof o.jws === 'string')
      return {
        jws: o.jws,
        ...(typeof o.tsaToken === 'string' ? { tsaToken: o.tsaToken } : {}),
        ...(Array.isArray(o.keys) ? { keys: o.keys as Record<string, unknown>[] } : {}),
      };
  } catch {
    // reported below
  }
  throw new AppError('AUDIT_CHECKPOINT_INVALID', 'the checkpoint file holds neither a compact JWS nor a JSON object with "jws"');
}

class Failed extends Error {
  constructor(readonly problem: NonNullable<AuditFileReport['problem']>) {
    super(problem.message);
  }
}

/**
 * Offline verification of `kyso audit export` output, trusting nothing in the file but the
 * signatures: recomputes the hash chain and the RFC 9162 tree from the events, checks every
 * checkpoint (JWS with the published key, RFC 3161 token, root at its size, consistency with the
 * one before), and, when given, that the export extends an earlier checkpoint obtained elsewhere.
 * Stops at the first problem and names the first event that does not match when it can.
 */
export async function verifyAuditFile(text: string, o: { earlier?: EarlierCheckpoint } = {}): Promise<AuditFileReport> {
  const tree = new MemoryMerkleTree();
  const checked: CheckedCheckpoint[] = [];
  const result = (problem?: AuditFileReport['problem']): AuditFileReport => ({
    ok: problem === undefined,
    events: tree.size,
    rootHash: tree.root().toString('hex'),
    checkpoints: checked,
    ...(problem ? { problem } : {}),
  });
  try {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const header = parseLine(lines[0] ?? '', 1);
    if (header.type !== EXPORT_TYPE || header.v !== EXPORT_VERSION || typeof header.log !== 'string' || !Array.isArray(header.keys))
      fail('malformed', 'the first line is not a kyso audit export header');
    const keys = header.keys as Record<string, unknown>[];
    const log = header.log as string;

    const chain = new ChainChecker();
    let i = 1;
    for (; i < lines.length; i++) {
      const o = parseLine(lines[i]!, i + 1);
      if (o.type !== 'event') break;
      const { type: _t, ...rest } = o;
      const r = parseAuditRecord(rest);
      if (!r) fail('malformed', `line ${i + 1} is not an audit event`, tree.size + 1);
      if (!chain.push(r)) chainFailure(chain);
      tree.append(auditLeafHash(r as AuditRecord));
    }
    const fin = chain.finish();
    if (!fin.ok) chainFailure(chain);
    if (Number(header.treeSize) !== tree.size)
      fail('truncated', `the header announces ${String(header.treeSize)} events, the file holds ${tree.size}`, tree.size + 1);

    // every event up to `goodSize` is vouched for by a checkpoint that matched
    let goodSize = 0;
    let previous: CheckpointPayload | undefined;
    for (; i < lines.length; i++) {
      const o = parseLine(lines[i]!, i + 1);
      if (o.type !== 'checkpoint' || typeof o.jws !== 'string') fail('malformed', `line ${i + 1} is neither an event nor a checkpoint`);
      const p = await checkOne('export', o.jws as string, keys, o.tsaToken, log, tree, goodSize, checked);
      if (p.treeSize !== o.treeSize || p.rootHash !== o.rootHash)
        fail('checkpoint', `line ${i + 1}: the checkpoint fields differ from its signed payload`);
      if (previous && p.treeSize < previous.treeSize) fail('malformed', `line ${i + 1}: checkpoints are not in tree-size order`);
      if (previous) consistent(tree, previous, p, goodSize);
      previous = p;
      goodSize = Math.max(goodSize, p.treeSize);
    }
    if (o.earlier) {
      // Only checkpoints of the export signed no later than the earlier one, over no more events,
      // vouch for a prefix: ones made after it may come from whoever rewrote the log.
      const p0 = await verifyCheckpointJws(o.earlier.jws, o.earlier.keys ?? keys);
      const vouched = checked
        .filter((c) => c.treeSize <= p0.treeSize && (c.timestampedAt ?? c.time) <= p0.time)
        .reduce((m, c) => Math.max(m, c.treeSize), 0);
      const p = await checkOne('earlier', o.earlier.jws, o.earlier.keys ?? keys, o.earlier.tsaToken, log, tree, vouched, checked);
      // consistency from the earlier checkpoint to the whole export (RFC 9162 §2.1.4)
      consistent(tree, p, { ...p, treeSize: tree.size, rootHash: tree.root().toString('hex') }, vouched);
    }
    return result();
  } catch (e) {
    if (e instanceof Failed) return result(e.problem);
    if (isAppError(e, 'AUDIT_CHECKPOINT_INVALID')) return result({ kind: 'checkpoint', message: e.message });
    throw e;
  }
}

function fail(kind: AuditFileProblemKind, message: string, firstBadSeq?: number): never {
  throw new Failed({ kind, message, ...(firstBadSeq !== undefined ? { firstBadSeq } : {}) });
}

function chainFailure(chain: ChainChecker): never {
  const r = chain.finish();
  if (r.ok) throw new Error('chain checker reported no failure');
  return fail('chain', r.message, r.firstBadSeq);
}

function parseLine(line: string, n: number): Record<string, unknown> {
  try {
    const o = JSON.parse(line) as unknown;
    if (typeof o === 'object' && o !== null && !Array.isArray(o)) return o as Record<string, unknown>;
  } catch {
    // below
  }
  return fail('malformed', `line ${n} is not a JSON object`);
}

async function checkOne(
  source: CheckedCheckpoint['source'],
  jws: string,
  keys: readonly Record<string, unknown>[],
  token: unknown,
  log: string,
  tree: MemoryMerkleTree,
  goodSize: number,
  checked: CheckedCheckpoint[],
): Promise<CheckpointPayload> {
  const what = source === 'earlier' ? 'the earlier checkpoint' : 'a checkpoint in the export';
  const p = await verifyCheckpointJws(jws, keys);
  if (p.log !== log) fail('checkpoint', `${what} is for log ${p.log}, the export for ${log}`);
  let timestampedAt: string | undefined;
  if (typeof token === 'string' && token !== '') timestampedAt = checkCheckpointTimestamp(jws, Buffer.from(token, 'base64')).toISOString();
  if (p.treeSize > tree.size)
    fail('truncated', `${what} covers ${p.treeSize} events but the export holds ${tree.size}: events were removed`, tree.size + 1);
  if (!tree.root(p.treeSize).equals(Buffer.from(p.rootHash, 'hex')))
    fail(
      'inconsistent',
      `${what} (size ${p.treeSize}, ${p.time}) does not match events 1..${p.treeSize}: the log was rewritten at or after event ${goodSize + 1}`,
      firstDifferent(goodSize, p.treeSize),
    );
  checked.push({ source, treeSize: p.treeSize, rootHash: p.rootHash, time: p.time, ...(timestampedAt ? { timestampedAt } : {}) });
  return p;
}

/** With only a root to compare against, the first event not vouched for by a matching checkpoint. */
function firstDifferent(goodSize: number, size: number): number {
  return Math.min(goodSize + 1, Math.max(size, 1));
}

function consistent(tree: MemoryMerkleTree, a: CheckpointPayload, b: CheckpointPayload, goodSize: number): void {
  const proof = tree.consistency(a.treeSize, b.treeSize);
  const ok =
    a.treeSize === 0 || verifyConsistency(a.treeSize, b.treeSize, Buffer.from(a.rootHash, 'hex'), Buffer.from(b.rootHash, 'hex'), proof);
  if (!ok)
    fail(
      'inconsistent',
      `checkpoints of size ${a.treeSize} and ${b.treeSize} are not consistent (RFC 9162 §2.1.4)`,
      firstDifferent(goodSize, a.treeSize),
    );
}
