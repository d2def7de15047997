/**
 * The same few certificates (the CA's, the TSA's, a signer's) come back with every signature as
 * new Buffer objects: sliced from each CMS, or read from the store with each credential. One
 * object per content (a copy, so no slice keeps a whole PDF alive), so that the per-object
 * caches (certificateInfo, subject fields, fingerprints, CertID hashes) hit. Bounded.
 */
export function internCertificate(der: Buffer): Buffer {
  // Certificates come from verified files too: an oversized one is not worth keeping alive.
  if (der.length > INTERN_MAX_BYTES) return der;
  // A chain read back for every session of a batch is the same Buffer objects each time (the
  // store decodes a chain once per text): the object it was interned as is found without building
  // and hashing its text, after a byte comparison in case the caller changed its contents since.
  const last = bySource.get(der);
  if (last && last.generation === generation && last.own.equals(der)) return last.own;
  const key = der.toString('latin1');
  let own = interned.get(key);
  if (!own) {
    if (interned.size >= INTERN_MAX) {
      interned.clear();
      generation++;
    }
    own = Buffer.from(der);
    interned.set(key, own);
  }
  bySource.set(der, { own, generation });
  return own;
}

const INTERN_MAX = 1024;
const INTERN_MAX_BYTES = 16 * 1024;
const interned = new Map<string, Buffer>();
/** Incremented when `interned` is cleared: an object interned before is then no longer the one. */
let generation = 0;
/** Buffer given → the object it was interned as, while `interned` still holds it (weak: a source object gone is forgotten). */
const bySource = new WeakMap<Buffer, { readonly own: Buffer; readonly generation: number }>();
