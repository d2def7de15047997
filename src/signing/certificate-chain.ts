import { X509Certificate } from 'node:crypto';
import { certificateInfo, namesEqual } from '../cms/certificate-info.js';
import { walkIssuers } from '../pki/path/issuer-walk.js';

/**
 * Orders certificates as a chain starting at `leaf` (issuer by name and signature, RFC 5280 §6.1),
 * dropping duplicates; certificates that are not part of the path are appended at the end so
 * that nothing the caller supplied is silently lost.
 */
export function orderChain(leaf: Buffer, pool: readonly Buffer[]): Buffer[] {
  if (alreadyOrdered(leaf, pool)) return [leaf, ...pool];
  const parsed = pool.map((der) => ({ der, x: new X509Certificate(der) }));
  const start = { der: leaf, x: new X509Certificate(leaf) };
  const walked = walkIssuers(start, {
    candidates: parsed,
    issuedBy: (child, issuer) => child.x.checkIssued(issuer.x) && safeVerify(child.x, issuer.x),
    isEnd: (c) => c.x.issuer === c.x.subject,
    same: (a, b) => a.der.equals(b.der),
    maxDepth: 11,
  });
  const out: Buffer[] = walked.path.map((c) => c.der);
  const seen = new Set<string>(out.map((der) => der.toString('base64')));
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
