import type { AuditLog, AuditRecord } from './audit-log.js';
import { checkpointView, type AuditCheckpoints } from './checkpoints.js';
import { readAuditLog } from './export.js';
import type { AuditTreeRepository } from './tree.js';

export const EXPORT_TYPE = 'kyso-audit-export';
export const EXPORT_VERSION = 1;

/** First line of an export: what it is, whose log, and the checkpoint public keys (JWK). */
export interface ExportHeader {
  readonly type: typeof EXPORT_TYPE;
  readonly v: number;
  readonly log: string;
  readonly exportedAt: string;
  readonly treeSize: number;
  readonly keys: Record<string, unknown>[];
}

/**
 * The export as JSON Lines (one JSON value per line): the header, every event in seq order
 * (`{"type":"event", …record}`), then every checkpoint that the exported events cover, oldest
 * first (`{"type":"checkpoint", …}`). The size is fixed first, so events appended meanwhile are
 * left out and every exported checkpoint can be checked against the exported events.
 */
export async function* exportAuditLines(d: {
  log: AuditLog;
  tree: AuditTreeRepository;
  checkpoints: AuditCheckpoints;
  origin: string;
  now: Date;
}): AsyncGenerator<string> {
  const size = await d.tree.size();
  const header: ExportHeader = {
    type: EXPORT_TYPE,
    v: EXPORT_VERSION,
    log: d.origin,
    exportedAt: d.now.toISOString(),
    treeSize: size,
    keys: await d.checkpoints.publicKeys(),
  };
  yield JSON.stringify(header);
  for await (const r of readAuditLog(d.log)) {
    if (r.seq > size) break;
    yield JSON.stringify({ type: 'event', ...r } satisfies { type: 'event' } & AuditRecord);
  }
  const cps = await d.checkpoints.list({ beforeSize: size + 1, limit: 10_000 });
  for (const c of cps.reverse()) yield JSON.stringify({ type: 'checkpoint', ...checkpointView(c) });
}
