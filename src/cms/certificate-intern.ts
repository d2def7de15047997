/**
 * The same few certificates (the CA's, the TSA's, a signer's) come back with every signature as
 * new Buffer objects: sliced from each CMS, or read from the store with each credential. One
 * object per content (a copy, so no slice keeps a whole PDF alive), so that the per-object
 * caches (certificateInfo, subject fields, fingerprints, CertID hashes) hit. Bounded.
 */
export function internCertificate(der: Buffer): Buffer {
  // Certificates come from verified files too: an oversized one is not worth keeping alive.
  if (der.length > INTERN_MAX_BYTES) return der;
  const key = der.toString('latin1');
  const known = interned.get(key);
  if (known) return known;
  if (interned.size >= INTERN_MAX) interned.clear();
  const own = Buffer.from(der);
  interned.set(key, own);
  return own;
}

const INTERN_MAX = 1024;
const INTERN_MAX_BYTES = 16 * 1024;
const interned = new Map<string, Buffer>();
