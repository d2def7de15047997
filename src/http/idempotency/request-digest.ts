import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../../audit/canonical-json.js';

/**
 * The digest of a request body that an idempotency fingerprint covers. Multipart bodies are
 * digested part by part (RFC 7578: each part's field name, file name, media type and every byte),
 * in arrival order, not as raw bytes: a client building the same form again chooses a new random
 * boundary, and that must still be the same request. JSON bodies are digested in canonical form
 * (RFC 8785 rules), so member order and white space do not make a retry a different request.
 */
export interface BodyDigest {
  /** `multipart`, `raw` (one document), `json` or `none`. */
  readonly kind: string;
  readonly sha256: string;
}

export const NO_BODY: BodyDigest = Object.freeze({ kind: 'none', sha256: createHash('sha256').digest('hex') });

export function rawDigest(bytes: Buffer): BodyDigest {
  return { kind: 'raw', sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function jsonDigest(value: unknown): BodyDigest {
  let text: string;
  try {
    text = canonicalJson(value ?? {});
  } catch {
    // beyond what canonical JSON encodes (very deep nesting): still one fixed text per value
    text = JSON.stringify(value ?? {});
  }
  return { kind: 'json', sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

/** Accumulates a multipart body's parts as they stream in; `digest()` once all parts are in. */
export class MultipartDigest {
  readonly #parts: Array<{ meta: string; hash: Hash | string }> = [];

  /** A file part; feed its bytes to the returned function as they arrive. */
  file(field: string, filename: string, mimeType: string): (chunk: Buffer) => void {
    const hash = createHash('sha256');
    this.#parts.push({ meta: JSON.stringify(['file', field, filename, mimeType.toLowerCase()]), hash });
    return (chunk) => void hash.update(chunk);
  }

  field(name: string, value: string): void {
    this.#parts.push({ meta: JSON.stringify(['field', name]), hash: createHash('sha256').update(value, 'utf8').digest('hex') });
  }

  digest(): BodyDigest {
    const all = createHash('sha256');
    for (const p of this.#parts) {
      const h = typeof p.hash === 'string' ? p.hash : p.hash.digest('hex');
      all.update(`${p.meta.length}:${p.meta}${h}`, 'utf8');
    }
    return { kind: 'multipart', sha256: all.digest('hex') };
  }
}
