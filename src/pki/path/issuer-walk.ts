/**
 * The one walk from a certificate up through its issuers (RFC 5280 §6.1: a path is a sequence
 * where each certificate's issuer is the next one's subject and the next one's key verifies it).
 * Callers differ only in what "issued by" means (name and signature for gathering material, the
 * stricter AKI/SKI + keyCertSign gate for validation) and where a path ends (a trust anchor or a
 * self-issued certificate), so both are parameters. Depth-first with backtracking: a cross
 * certificate or a renewed CA with the same name cannot hide the path that does reach the end.
 */
export interface IssuerWalk<C> {
  /** Candidate issuers (intermediates and anchors). */
  readonly candidates: readonly C[];
  /** Does `issuer` issue `child`? */
  readonly issuedBy: (child: C, issuer: C) => boolean;
  /** A path ending here is complete (a trust anchor, a self-issued root). */
  readonly isEnd: (cert: C) => boolean;
  /** Two values for the same certificate (no certificate twice on one path). */
  readonly same: (a: C, b: C) => boolean;
  /** Longest path tried (certificates), RFC 5280 leaves it to the relying party. Default 10. */
  readonly maxDepth?: number;
}

export interface IssuerPath<C> {
  /** Leaf first. When `complete`, ends with the certificate `isEnd` accepted. */
  readonly path: C[];
  readonly complete: boolean;
}

/** The first complete path from `leaf`, else the longest partial one found. */
export function walkIssuers<C>(leaf: C, w: IssuerWalk<C>): IssuerPath<C> {
  const maxDepth = w.maxDepth ?? 10;
  let best: C[] = [leaf];
  const walk = (path: C[]): C[] | undefined => {
    const cur = path[path.length - 1]!;
    if (w.isEnd(cur)) return path;
    if (path.length > maxDepth) return undefined;
    if (path.length > best.length) best = path;
    for (const c of w.candidates) {
      if (path.some((p) => w.same(p, c))) continue;
      if (w.issuedBy(cur, c)) {
        const r = walk([...path, c]);
        if (r) return r;
      }
    }
    return undefined;
  };
  const found = walk([leaf]);
  return found ? { path: found, complete: true } : { path: best, complete: false };
}
