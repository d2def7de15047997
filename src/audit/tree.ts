import type { PerfectNode } from './merkle.js';

/** A signed tree head as stored and served (RFC 9162 §4.10 in spirit; our own JWS format, docs/audit.md). */
export interface AuditCheckpoint {
  readonly id: string;
  readonly treeSize: number;
  /** Lowercase hex of the RFC 9162 root hash at treeSize. */
  readonly rootHash: string;
  /** ISO-8601 UTC. */
  readonly time: string;
  readonly kid: string;
  /** Compact JWS (RFC 7515 §7.1) over the checkpoint payload. */
  readonly jws: string;
  /** RFC 3161 TimeStampToken (DER) over SHA-256 of the JWS text, when our TSA was available. */
  readonly tsaToken: Buffer | null;
}

/** The public half of an audit checkpoint key (JWK, RFC 7517), named by its RFC 7638 thumbprint. */
export interface AuditKeyRecord {
  readonly kid: string;
  readonly keyUri: string;
  readonly publicJwk: Record<string, unknown>;
  readonly createdAt: string;
}

/**
 * Storage port of the audit tree. The complete-subtree hashes are derived from the events: the
 * store writes them when first needed, after checking the new events against the hash chain
 * (src/store/adapters/audit-tree.ts `materializeAuditTree`); `nodes` brings the tree up to the head first.
 */
export interface AuditTreeRepository {
  /** Number of leaves (= the head seq). */
  size(): Promise<number>;
  /**
   * The stored hashes of the asked complete subtrees, keyed `level:index` (missing ones absent),
   * after bringing the tree up to the head (AUDIT_CHAIN_BROKEN when the events there do not chain).
   */
  nodes(wanted: readonly PerfectNode[]): Promise<Map<string, Buffer>>;
  insertCheckpoint(c: AuditCheckpoint): Promise<void>;
  /** Newest first (largest tree, then latest time). */
  listCheckpoints(o?: { limit?: number; beforeSize?: number }): Promise<AuditCheckpoint[]>;
  keys(): Promise<AuditKeyRecord[]>;
  /** False when a key with that kid already exists. */
  insertKey(k: AuditKeyRecord): Promise<boolean>;
}
