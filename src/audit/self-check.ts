import type { AuditLog } from './audit-log.js';
import { auditLeafHash, ChainChecker } from './chain.js';
import { MerkleFrontier, nodeKey, verifyConsistency } from './merkle.js';
import type { AuditProofs } from './proofs.js';
import type { AuditTreeRepository } from './tree.js';

export type AuditHealth =
  | { readonly ok: true; readonly verifiedSize: number; readonly checkedAt: string | null }
  | { readonly ok: false; readonly reason: string; readonly firstBadSeq?: number; readonly checkedAt: string };

const PAGE = 2_000;

/**
 * The periodic self-check: reads only the events added since the last run and pushes them through
 * the same chain checker and a Merkle frontier, then checks that the stored tree has that root and
 * is consistent (RFC 9162 §2.1.4) with the latest signed checkpoint. Memory stays O(log n). Old
 * rows are re-read on a full pass (the first run, then every `fullEveryMs`, and every run while
 * broken so a repair is seen). The outcome is kept for /health.
 */
export class AuditSelfCheck {
  #chain = new ChainChecker();
  #frontier = new MerkleFrontier();
  #lastFull = 0;
  #state: AuditHealth = { ok: true, verifiedSize: 0, checkedAt: null };

  constructor(
    private readonly d: {
      log: AuditLog;
      tree: AuditTreeRepository;
      proofs: AuditProofs;
      now: () => Date;
      fullEveryMs: number;
      onBroken?: (h: Extract<AuditHealth, { ok: false }>) => void;
    },
  ) {}

  get health(): AuditHealth {
    return this.#state;
  }

  async run(): Promise<AuditHealth> {
    const now = this.d.now();
    if (!this.#state.ok || this.#lastFull === 0 || now.getTime() - this.#lastFull >= this.d.fullEveryMs) {
      this.#chain = new ChainChecker();
      this.#frontier = new MerkleFrontier();
      this.#lastFull = now.getTime();
    }
    const wasOk = this.#state.ok;
    this.#state = await this.#check(now);
    if (!this.#state.ok && wasOk) this.d.onBroken?.(this.#state);
    return this.#state;
  }

  async #check(now: Date): Promise<AuditHealth> {
    const at = now.toISOString();
    const broken = (reason: string, firstBadSeq?: number): AuditHealth => ({
      ok: false,
      reason,
      checkedAt: at,
      ...(firstBadSeq !== undefined ? { firstBadSeq } : {}),
    });
    const size = await this.d.tree.size();
    if (size < this.#frontier.size) return broken(`the log shrank from ${this.#frontier.size} to ${size} events`, size + 1);
    while (this.#frontier.size < size) {
      const from = this.#frontier.size + 1;
      const page = await this.d.log.list({ fromSeq: from, toSeq: size, limit: PAGE });
      if (page.length === 0) return broken(`event ${from} is missing`, from);
      const expected: { level: number; index: number; hash: Buffer; seq: number }[] = [];
      for (const r of page) {
        if (!this.#chain.push(r)) {
          const f = this.#chain.finish();
          return f.ok ? broken('chain check failed') : broken(f.message, f.firstBadSeq);
        }
        for (const n of this.#frontier.append(auditLeafHash(r))) expected.push({ ...n, seq: r.seq });
      }
      // every stored subtree hash these events completed must be what they hash to
      let stored: Map<string, Buffer>;
      try {
        stored = await this.d.tree.nodes(expected);
      } catch (e) {
        // the tree is derived on first need and refuses to grow over events that do not chain
        return broken(e instanceof Error ? e.message : String(e));
      }
      for (const n of expected) {
        const s = stored.get(nodeKey(n));
        if (!s || !s.equals(n.hash))
          return broken(`the stored Merkle tree does not match the events (node ${nodeKey(n)}, completed by event ${n.seq})`, n.seq);
      }
    }
    const root = this.#frontier.root();
    let stored: string;
    try {
      stored = (await this.d.proofs.root(size)).rootHash;
    } catch (e) {
      return broken(e instanceof Error ? e.message : String(e));
    }
    if (stored !== root.toString('hex')) return broken(`the stored Merkle tree root does not match events 1..${size}`);
    const [cp] = await this.d.tree.listCheckpoints({ limit: 1 });
    if (cp) {
      if (cp.treeSize > size) return broken(`the latest checkpoint covers ${cp.treeSize} events, the log holds ${size}`, size + 1);
      const proof = await this.d.proofs.consistency(cp.treeSize, size);
      const ok =
        cp.treeSize === 0 ||
        verifyConsistency(
          cp.treeSize,
          size,
          Buffer.from(cp.rootHash, 'hex'),
          root,
          proof.path.map((h) => Buffer.from(h, 'hex')),
        );
      if (!ok) return broken(`the log is not consistent with the checkpoint of ${cp.time} (size ${cp.treeSize})`);
    }
    return { ok: true, verifiedSize: size, checkedAt: at };
  }
}
