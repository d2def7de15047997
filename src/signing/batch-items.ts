import { isAppError } from '../core/errors.js';
import { parsePadesLevel } from '../core/pades-level.js';
import type { AuditLog } from '../audit/audit-log.js';
import { assertPdf } from './document-identity.js';
import type { BatchItemResult } from './types.js';

/**
 * What the audit event of a refused signing records about the error: its stable code and, for a
 * certificate refused to this caller, why and which one (never a secret).
 */
export function auditedError(err: unknown): { error: string; reason?: unknown; certificate?: unknown } {
  if (!isAppError(err)) return { error: 'INTERNAL' };
  const { reason, certificate } = err.details ?? {};
  return { error: err.code, ...(certificate !== undefined ? { reason, certificate } : {}) };
}

/** A document of a batch refused on its own, with the error's stable code. */
export interface FailedItem {
  readonly index: number;
  readonly ok: false;
  readonly error: { readonly code: string; readonly message: string };
}

/** `err` as a failed item (an error without a stable code is a fault and is thrown). */
export function failedItem(index: number, err: unknown): FailedItem {
  if (!isAppError(err)) throw err;
  return { index, ok: false, error: { code: err.code, message: err.message } };
}

/**
 * The documents of a batch that are PDFs at all: `todo` holds their indexes, and `results` already
 * holds the refusal of every other one (a batch goes on without them; no unit or session is spent).
 */
export function screenPdfs<R extends { readonly index: number; readonly ok: boolean }>(
  pdfs: readonly Buffer[],
): { results: (R | FailedItem)[]; todo: number[] } {
  const results = new Array<R | FailedItem>(pdfs.length);
  const todo: number[] = [];
  for (const [index, pdf] of pdfs.entries()) {
    try {
      assertPdf(pdf);
      todo.push(index);
    } catch (err) {
      results[index] = failedItem(index, err);
    }
  }
  return { results, todo };
}

/**
 * The one audit event of a batch: how many documents, how many done, which failed with which
 * code, plus `extra` (the documents done). Written by batch signing (`signing.batch`) and by the
 * two-phase batch routes under their own actions; `level: null` when the documents' levels were
 * chosen per document (completion of prepared sessions).
 */
export async function auditBatch(
  log: AuditLog,
  options: { readonly actorId?: string | undefined; readonly level?: string | null | undefined },
  results: readonly Pick<BatchItemResult, 'index' | 'ok' | 'error'>[],
  extra: Record<string, unknown>,
  action = 'signing.batch',
): Promise<void> {
  await log.append({
    actor: options.actorId ?? 'anonymous',
    role: 'signer',
    action,
    outcome: results.every((r) => r.ok) ? 'success' : 'failure',
    details: {
      ...(options.level === null ? {} : { level: parsePadesLevel(options.level) }),
      documents: results.length,
      signed: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).map((r) => ({ index: r.index, code: r.error?.code })),
      ...extra,
    },
  });
}
