import type { AuditLog, AuditRecord } from './audit-log.js';

/**
 * Streams the whole log in seq order, page by page (for `kyso audit export` and for offline
 * verification with verifyAuditExport). Records appended while exporting are included up to the
 * moment the last page is read.
 */
export async function* readAuditLog(log: AuditLog, o: { fromSeq?: number; pageSize?: number } = {}): AsyncGenerator<AuditRecord> {
  const pageSize = Math.min(Math.max(1, o.pageSize ?? 5_000), 10_000);
  let from = o.fromSeq ?? 1;
  for (;;) {
    const page = await log.list({ fromSeq: from, limit: pageSize, order: 'asc' });
    for (const r of page) yield r;
    if (page.length < pageSize) return;
    from = page[page.length - 1]!.seq + 1;
  }
}
