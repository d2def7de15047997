import { X509Certificate } from 'node:crypto';
import { certificateInfo, namesEqual } from '../cms/certificate-info.js';

/**
 * Orders certificates as a chain starting at `leaf` (issuer by name and signature, RFC 5280 §6.1),
 * dropping duplicates; certificates that are not part of the path are appended at the end so
 * that nothing the caller supplied is silently lost.
 */
export function orderChain(leaf: Buffer, pool: readonly Buffer[]): Buffer[] {
  if (alreadyOrdered(leaf, pool)) return [leaf, ...pool];
  const parsed = pool.map((der) => ({ der, x: new X509Certificate(der) }));
  const out: Buffer[] = [leaf];
  const seen = new Set<string>([leaf.toString('base64')]);
  let current = new X509Certificate(leaf);
  for (let depth = 0; depth < 10; depth++) {
    if (current.issuer === current.subject) break;
    const cur = current;
    const next = parsed.find((p) => !seen.has(p.der.toString('base64')) && cur.checkIssued(p.x) && safeVerify(cur, p.x));
    if (!next) break;
    out.push(next.der);
    seen.add(next.der.toString('base64'));
    current = next.x;
  }
  for (const p of parsed) {
    const k = p.der.toString('base64');
    if (!seen.has(k)) {
      out.push(p.der);
      seen.add(k);
    }
  }
  return out;
}

function safeVerify(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Fast path (no signature checks): each certificate's issuer name is the next one's subject. */
function alreadyOrdered(leaf: Buffer, rest: readonly Buffer[]): boolean {
  try {
    let cur = certificateInfo(leaf);
    for (const next of rest) {
      const n = certificateInfo(next);
      if (!namesEqual(cur.issuer, n.subject)) return false;
      cur = n;
    }
    return true;
  } catch {
    return false;
  }
}
