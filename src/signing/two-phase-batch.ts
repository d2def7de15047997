import { AppError } from '../core/errors.js';
import type { HashName, SignatureAlgorithm } from '../core/signature-algorithms.js';
import type { PadesLevel } from '../core/pades-level.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BatchResult } from './batch-signing.js';
import { auditBatch, auditedError, failedItem, screenPdfs } from './batch-items.js';
import { certId } from './document-identity.js';
import type { BatchItemResult, CompleteInput, PrepareOptions, PrepareResult } from './types.js';
import type { SignSession } from './ports.js';
import type { CompletionOutcome } from './two-phase.js';

/**
 * Two-phase signing for a selection of documents (a USB token signing a batch through the
 * workstation, docs/signatures-and-validation.md "Two phases"): the same sessions, signed
 * attributes and checks as one document at a time, with what one document at a time repeats done
 * once per batch — the certificate chain is checked once (key usage, validity, revocation) and one
 * audit event lists every document. Each document still gets its own session (single use, owned
 * by the caller, short-lived) or its own error: a damaged PDF, a wrong signature or another
 * official's session fails alone and changes nothing for it.
 */

/** What every document of a batch prepared for one certificate chain shares. */
export interface TwoPhaseSigner {
  readonly level: PadesLevel;
  readonly certificates: Buffer[];
  readonly algorithm: SignatureAlgorithm;
  readonly hash: HashName;
  /** The /Contents placeholder size (the overflow margin included: two-phase cannot retry). */
  readonly size: number;
}

export interface PrepareBatchItem {
  readonly index: number;
  readonly ok: boolean;
  readonly session?: PrepareResult;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface PrepareBatchResult {
  readonly results: PrepareBatchItem[];
}

/** One document prepared: its session (not yet stored) and what the caller answers. */
export interface PreparedSession {
  readonly session: SignSession;
  readonly result: PrepareResult;
  readonly inputSha256: string;
}

export interface PrepareBatchDeps {
  readonly audit: AuditLog;
  /** Checks the chain and chooses the algorithm (throws when the chain is refused: nothing prepared). */
  signer(options: PrepareOptions): Promise<TwoPhaseSigner>;
  prepare(pdf: Buffer, options: PrepareOptions, signer: TwoPhaseSigner): Promise<PreparedSession>;
  /** Stores the batch's sessions together (all or none). */
  store(sessions: readonly SignSession[]): Promise<void>;
}

export async function prepareBatch(deps: PrepareBatchDeps, pdfs: readonly Buffer[], options: PrepareOptions): Promise<PrepareBatchResult> {
  if (pdfs.length === 0) throw new AppError('VALIDATION_FAILED', 'a batch needs at least one document');
  const { results, todo } = screenPdfs<PrepareBatchItem>(pdfs);
  const record = (extra: Record<string, unknown>) => auditBatch(deps.audit, options, results, extra, 'signing.prepare.batch');
  if (todo.length === 0) {
    await record({});
    return { results };
  }
  let signer: TwoPhaseSigner;
  try {
    signer = await deps.signer(options);
  } catch (err) {
    const { error: code, ...refused } = auditedError(err);
    for (const index of todo) results[index] = { index, ok: false, error: { code, message: 'the signer certificate was refused' } };
    await record(refused);
    throw err;
  }
  const sessions: { index: number; session: string; inputSha256: string }[] = [];
  try {
    const prepared: { index: number; p: PreparedSession }[] = [];
    for (const index of todo) {
      try {
        prepared.push({ index, p: await deps.prepare(pdfs[index]!, options, signer) });
      } catch (err) {
        results[index] = failedItem(index, err);
      }
    }
    // One write for the batch's sessions; a store failure fails every document it held.
    let stored = prepared;
    try {
      await deps.store(prepared.map(({ p }) => p.session));
    } catch (err) {
      for (const { index } of prepared) results[index] = failedItem(index, err);
      stored = [];
    }
    for (const { index, p } of stored) {
      results[index] = { index, ok: true, session: p.result };
      sessions.push({ index, session: p.result.sessionId, inputSha256: p.inputSha256 });
    }
  } finally {
    await record({ certificate: certId(signer.certificates[0]!), sessions });
  }
  return { results };
}

export interface CompleteBatchItem {
  readonly sessionId: string;
  readonly input: CompleteInput;
}

export interface CompleteBatchDeps {
  readonly audit: AuditLog;
  /** The completions (./two-phase.ts completeSessions): each item checked (ownership, signature) before anything is written. */
  complete(items: readonly CompleteBatchItem[]): Promise<CompletionOutcome[]>;
}

/** Completes each session on its own (the result at the item's index); one `signing.complete.batch` event. */
export async function completeBatch(deps: CompleteBatchDeps, items: readonly CompleteBatchItem[], actorId?: string): Promise<BatchResult> {
  if (items.length === 0) throw new AppError('VALIDATION_FAILED', 'a batch needs at least one session');
  const results: BatchItemResult[] = [];
  const signatures: { index: number; session: string; outputBytes: number }[] = [];
  try {
    const outcomes = await deps.complete(items);
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.ok) {
        results.push({ index, ok: true, pdf: outcome.pdf });
        signatures.push({ index, session: items[index]!.sessionId, outputBytes: outcome.pdf.length });
      } else {
        results.push(failedItem(index, outcome.error));
      }
    }
  } finally {
    await auditBatch(
      deps.audit,
      { actorId, level: null },
      results,
      { sessions: items.map((i) => i.sessionId), signatures },
      'signing.complete.batch',
    );
  }
  return { results };
}
