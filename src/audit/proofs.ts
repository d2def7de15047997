import { AppError } from '../core/errors.js';
import { consistencyRanges, foldCover, inclusionRanges, nodeKey, perfectCover, type LeafRange } from './merkle.js';
import type { AuditTreeRepository } from './tree.js';

export interface InclusionProof {
  /** The event (seq as shown in the log); its leaf index is seq - 1. */
  readonly seq: number;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: string;
  /** RFC 9162 §2.1.3.1 audit path, hex, deepest sibling first. */
  readonly path: string[];
  readonly rootHash: string;
}

export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  /** RFC 9162 §2.1.4.1 consistency proof, hex. */
  readonly path: string[];
}

/**
 * Proofs over the stored tree. Every hash asked for is the fold of at most log₂ n complete
 * subtrees, all read in one query, so a proof at a million events costs one round trip.
 */
export class AuditProofs {
  constructor(private readonly tree: AuditTreeRepository) {}

  async #hashes(ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const covers = ranges.map(perfectCover);
    const found = await this.tree.nodes(covers.flat());
    return covers.map((c) =>
      foldCover(
        c.map((p) => {
          const h = found.get(nodeKey(p));
          // a node the append wrote is gone: the tree table was tampered with
          if (!h) throw new AppError('AUDIT_CHAIN_BROKEN', `audit tree node ${nodeKey(p)} is missing`);
          return h;
        }),
      ),
    );
  }

  async #size(treeSize: number | undefined): Promise<number> {
    const size = await this.tree.size();
    if (treeSize === undefined) return size;
    if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize > size)
      throw new AppError('AUDIT_TREE_SIZE_INVALID', `tree size ${treeSize} is outside 0..${size}`, { details: { size } });
    return treeSize;
  }

  /** RFC 9162 root hash at `treeSize` (default: the current size), hex. */
  async root(treeSize?: number): Promise<{ treeSize: number; rootHash: string }> {
    const n = await this.#size(treeSize);
    const [h] = await this.#hashes([{ lo: 0, hi: n }]);
    return { treeSize: n, rootHash: h!.toString('hex') };
  }

  async inclusion(seq: number, treeSize?: number): Promise<InclusionProof> {
    const n = await this.#size(treeSize);
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > n)
      throw new AppError('AUDIT_TREE_SIZE_INVALID', `event ${seq} is not in a tree of ${n} events`, { details: { size: n } });
    const ranges = [{ lo: seq - 1, hi: seq }, { lo: 0, hi: n }, ...inclusionRanges(seq - 1, n)];
    const [leaf, root, ...path] = await this.#hashes(ranges);
    return {
      seq,
      leafIndex: seq - 1,
      treeSize: n,
      leafHash: leaf!.toString('hex'),
      path: path.map((h) => h.toString('hex')),
      rootHash: root!.toString('hex'),
    };
  }

  async consistency(from: number, to?: number): Promise<ConsistencyProof> {
    const n = await this.#size(to);
    if (!Number.isSafeInteger(from) || from < 0 || from > n)
      throw new AppError('AUDIT_TREE_SIZE_INVALID', `tree size ${from} is outside 0..${n}`, { details: { size: n } });
    const [fromRoot, toRoot, ...path] = await this.#hashes([{ lo: 0, hi: from }, { lo: 0, hi: n }, ...consistencyRanges(from, n)]);
    return { from, to: n, fromRoot: fromRoot!.toString('hex'), toRoot: toRoot!.toString('hex'), path: path.map((h) => h.toString('hex')) };
  }
}
