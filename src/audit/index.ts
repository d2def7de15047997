export * from './audit-log.js';
export { canonicalJson } from './canonical-json.js';
export { auditRecordPreimage, hashAuditRecord, buildAuditRecord, ChainChecker, GENESIS_HASH } from './chain.js';
export { verifyAuditExport } from './verify-export.js';
export { readAuditLog } from './export.js';
