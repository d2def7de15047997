import type { AuditEvent, AuditLog, AuditRecord, ChainVerification } from './audit-log.js';
import { GENESIS_HASH } from './chain.js';

/**
 * The audit port where there is no service to keep a log: signing on an official's own
 * workstation (`kyso sign --p12` / `--pkcs11`) opens no database. Nothing is kept; the signature
 * in the PDF (signer certificate, signing time, timestamp) is the record of what was done.
 */
export const UNRECORDED_AUDIT_LOG: AuditLog = Object.freeze({
  async append(event: AuditEvent): Promise<AuditRecord> {
    return {
      seq: 0,
      time: new Date().toISOString(),
      actor: event.actor,
      role: event.role,
      action: event.action,
      target: event.target ?? null,
      outcome: event.outcome,
      details: null,
      prevHash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
  },
  async list(): Promise<AuditRecord[]> {
    return [];
  },
  async verifyChain(): Promise<ChainVerification> {
    return { ok: true, count: 0, headSeq: 0, headHash: GENESIS_HASH };
  },
});
