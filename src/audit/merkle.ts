import { createHash } from 'node:crypto';

/**
 * Merkle Tree Hash of RFC 9162 §2.1.1 over SHA-256: a leaf hashes as SHA-256(0x00 || data), an
 * interior node as SHA-256(0x01 || left || right), and a tree of n leaves splits at k, the largest
 * power of two smaller than n. The distinct prefixes keep a leaf from passing for a node (second
 * preimage). Hashes are 32-byte Buffers here and lowercase hex at the edges (storage, JSON).
 */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT = createHash('sha256').digest();

/** A half-open range [lo, hi) of leaf indexes whose subtree hash a proof needs. */
export interface LeafRange {
  readonly lo: number;
  readonly hi: number;
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The ranges whose hashes form the inclusion proof of leaf m in a tree of n leaves, in proof
 * order: RFC 9162 §2.1.3.1 PATH(m, D[n]), written iteratively.
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m - lo < k) {
      out.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      out.push({ lo, hi: lo + k });
      lo += k;
    }
  }
  // PATH appends the sibling after recursing, so the deepest sibling comes first.
  return out.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as ranges, for 0 < m ≤ n. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  const sub = (mm: number, lo: number, hi: number, b: boolean): void => {
    const size = hi - lo;
    if (mm === size) {
      if (!b) out.push({ lo, hi });
      return;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      sub(mm, lo, lo + k, b);
      out.push({ lo: lo + k, hi });
    } else {
      sub(mm - k, lo + k, hi, false);
      out.push({ lo, hi: lo + k });
    }
  };
  if (m > 0 && m < n) sub(m, 0, n, true);
  return out;
}

/** A complete (power-of-two, aligned) subtree: leaves [index·2^level, (index+1)·2^level). */
export interface PerfectNode {
  readonly level: number;
  readonly index: number;
}

/**
 * The complete subtrees that make up [lo, hi), left to right, largest first. For the ranges RFC
 * 9162 proofs ask about (always aligned on the tree's own split points) the hash of the range is
 * these folded from the right: H(p1, H(p2, … H(pk-1, pk))).
 */
export function perfectCover(r: LeafRange): PerfectNode[] {
  const out: PerfectNode[] = [];
  let lo = r.lo;
  while (lo < r.hi) {
    let level = 0;
    // grow while the block stays aligned at lo and inside the range
    while (lo % 2 ** (level + 1) === 0 && lo + 2 ** (level + 1) <= r.hi) level++;
    out.push({ level, index: lo / 2 ** level });
    lo += 2 ** level;
  }
  return out;
}

/** Folds the complete-subtree hashes of a range (see perfectCover) into the range's hash. */
export function foldCover(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

export const nodeKey = (p: PerfectNode): string => `${p.level}:${p.index}`;

/**
 * The complete-subtree hashes that appending one leaf (at index `index`) completes: the leaf itself
 * at level 0, then each parent whose right child it finished. `left(level, index)` returns the
 * already stored left sibling.
 */
export function completedNodes(
  index: number,
  leaf: Buffer,
  left: (level: number, index: number) => Buffer,
): { level: number; index: number; hash: Buffer }[] {
  const out = [{ level: 0, index, hash: leaf }];
  let h = leaf;
  let i = index;
  let level = 0;
  while (i % 2 === 1) {
    h = nodeHash(left(level, i - 1), h);
    i = (i - 1) / 2;
    level++;
    out.push({ level, index: i, hash: h });
  }
  return out;
}

/**
 * An in-memory tree that grows leaf by leaf and answers roots and proofs for any earlier size
 * (the offline verifier and the self-check use it; the store keeps the same nodes in a table).
 */
export class MemoryMerkleTree {
  readonly #nodes = new Map<string, Buffer>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  append(leaf: Buffer): void {
    for (const n of completedNodes(this.#size, leaf, (level, index) => this.node({ level, index }))) this.#nodes.set(nodeKey(n), n.hash);
    this.#size++;
  }

  node(p: PerfectNode): Buffer {
    const h = this.#nodes.get(nodeKey(p));
    if (!h) throw new RangeError(`no complete subtree ${nodeKey(p)}`);
    return h;
  }

  rangeHash(r: LeafRange): Buffer {
    return foldCover(perfectCover(r).map((p) => this.node(p)));
  }

  root(size = this.#size): Buffer {
    if (size > this.#size) throw new RangeError('tree is smaller');
    return this.rangeHash({ lo: 0, hi: size });
  }

  inclusion(index: number, size: number): Buffer[] {
    return inclusionRanges(index, size).map((r) => this.rangeHash(r));
  }

  consistency(m: number, n: number): Buffer[] {
    return consistencyRanges(m, n).map((r) => this.rangeHash(r));
  }
}

/** RFC 9162 §2.1.3.2: verifying an inclusion proof. */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: readonly Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: verifying a consistency proof between first (size m) and second (size n). */
export function verifyConsistency(m: number, n: number, first: Buffer, second: Buffer, proof: readonly Buffer[]): boolean {
  if (m > n) return false;
  if (m === n) return proof.length === 0 && first.equals(second);
  if (m === 0) return proof.length === 0;
  let path = [...proof];
  if (isPowerOfTwo(m)) path = [first, ...path];
  if (path.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(first) && sr.equals(second) && sn === 0;
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && Number.isInteger(Math.log2(x));
}

/**
 * Only the right edge of a growing tree (the complete subtrees covering [0, size), at most log₂ n
 * hashes): enough for the root at the current size, in constant memory per level.
 */
export class MerkleFrontier {
  #stack: Buffer[] = [];
  #size = 0;

  /**
   * Resumes a tree of `size` leaves from its right edge: the hashes of perfectCover({lo: 0, hi:
   * size}), left to right (the stack is exactly that cover, largest subtree at the bottom).
   */
  static resume(size: number, edge: readonly Buffer[]): MerkleFrontier {
    if (edge.length !== perfectCover({ lo: 0, hi: size }).length) throw new RangeError('not the right edge of a tree of that size');
    const f = new MerkleFrontier();
    f.#stack = [...edge];
    f.#size = size;
    return f;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a leaf hash; returns the complete subtrees it finished (as completedNodes). */
  append(leaf: Buffer): { level: number; index: number; hash: Buffer }[] {
    const stack = this.#stack;
    // the left sibling at level L is the L-th hash from the top of the stack
    const done = completedNodes(this.#size, leaf, (level) => stack[stack.length - 1 - level]!);
    stack.length -= done.length - 1;
    stack.push(done[done.length - 1]!.hash);
    this.#size++;
    return done;
  }

  root(): Buffer {
    return foldCover(this.#stack);
  }
}
