import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { KeyStore } from '../keys/key-store.js';
import { CHECKPOINT_VERSION, publicJwkOf, signCheckpoint } from './checkpoint-format.js';
import type { AuditProofs } from './proofs.js';
import type { AuditCheckpoint, AuditKeyRecord, AuditTreeRepository } from './tree.js';

export const AUDIT_KEY_LABEL = 'audit:checkpoint';

export interface AuditCheckpointDeps {
  readonly tree: AuditTreeRepository;
  readonly proofs: AuditProofs;
  readonly keys: KeyStore;
  readonly clock: Clock;
  /** The log's name in every checkpoint (the public URL). */
  readonly origin: string;
  /** RFC 3161 token over the data (our TSA); absent before the hierarchy exists. */
  readonly timestamp?: (data: Uint8Array) => Promise<Buffer>;
}

/**
 * Signed checkpoints of the audit tree: a dedicated ECDSA P-256 key in the key store (created on
 * first use or at init), a compact JWS over (tree size, root, time), and an RFC 3161 token over
 * that JWS from our own TSA, so the moment it was signed is attested by a second key.
 */
export class AuditCheckpoints {
  constructor(private readonly d: AuditCheckpointDeps) {}

  /**
   * The signing key, created when none exists. Two instances racing both insert theirs; the
   * oldest one is used by everyone afterwards and every key stays published.
   */
  async ensureKey(): Promise<{ key: AuditKeyRecord; created: boolean }> {
    const existing = await this.d.tree.keys();
    if (existing[0]) return { key: existing[0], created: false };
    const ref = await this.d.keys.generate({ type: 'ec', curve: 'P-256' }, AUDIT_KEY_LABEL);
    const { kid, jwk } = await publicJwkOf(ref.publicKeySpki);
    await this.d.tree.insertKey({ kid, keyUri: ref.uri, publicJwk: jwk, createdAt: this.d.clock.now().toISOString() });
    const now = await this.d.tree.keys();
    const created = now[0]!.kid === kid;
    // another instance's key won: ours is never published, so it goes
    if (!created && !now.some((k) => k.kid === kid)) await this.d.keys.delete(ref.uri);
    return { key: now[0]!, created };
  }

  /** Public JWKs of every checkpoint key (current first), for offline verifiers. */
  async publicKeys(): Promise<Record<string, unknown>[]> {
    return (await this.d.tree.keys()).map((k) => k.publicJwk);
  }

  /**
   * Signs the current tree head. With `onlyIfGrown` (the schedule) nothing is signed when the
   * latest checkpoint already covers every event, and that checkpoint is returned.
   */
  async create(o: { onlyIfGrown?: boolean } = {}): Promise<AuditCheckpoint> {
    const { treeSize, rootHash } = await this.d.proofs.root();
    if (o.onlyIfGrown) {
      const latest = await this.latest();
      if (latest && latest.treeSize >= treeSize) return latest;
    }
    const { key } = await this.ensureKey();
    const signer = await this.d.keys.signer(key.keyUri);
    const time = this.d.clock.now().toISOString();
    const jws = await signCheckpoint({ v: CHECKPOINT_VERSION, log: this.d.origin, treeSize, rootHash, time }, signer, key.kid);
    const tsaToken = this.d.timestamp ? await this.d.timestamp(Buffer.from(jws, 'ascii')) : null;
    const c: AuditCheckpoint = { id: newId('acp'), treeSize, rootHash, time, kid: key.kid, jws, tsaToken };
    await this.d.tree.insertCheckpoint(c);
    return c;
  }

  async latest(): Promise<AuditCheckpoint | undefined> {
    return (await this.d.tree.listCheckpoints({ limit: 1 }))[0];
  }

  async latestOrFail(): Promise<AuditCheckpoint> {
    const c = await this.latest();
    if (!c) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'no audit checkpoint has been signed yet');
    return c;
  }

  list(o: { limit?: number; beforeSize?: number } = {}): Promise<AuditCheckpoint[]> {
    return this.d.tree.listCheckpoints(o);
  }
}

/** The JSON view of a checkpoint (routes, export): the token in base64. */
export function checkpointView(c: AuditCheckpoint): Record<string, unknown> {
  return {
    id: c.id,
    treeSize: c.treeSize,
    rootHash: c.rootHash,
    time: c.time,
    kid: c.kid,
    jws: c.jws,
    tsaToken: c.tsaToken ? c.tsaToken.toString('base64') : null,
  };
}
