/**
 * Canonical JSON for hashing audit records, following the rules of RFC 8785 (JCS) for the JSON
 * subset we produce: object members sorted by key (UTF-16 code unit order, as JCS §3.2.3), no
 * insignificant whitespace, strings escaped as ECMAScript JSON.stringify does (JCS §3.2.2.2),
 * numbers in ECMAScript shortest round-trip form (JCS §3.2.2.3). Non-finite numbers, bigint,
 * functions, symbols and non-plain objects are rejected rather than silently altered; `undefined`
 * members are omitted (as JSON.stringify would); `undefined` (and missing) array items are rejected.
 *
 * Written with plain loops and concatenation: every audit append encodes its record with it.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

/**
 * A value already in canonical form (the text `canonicalJson` returned for it), written as is when
 * it appears inside a value being encoded, so a part encoded once is not encoded again.
 */
export class CanonicalText {
  constructor(readonly text: string) {}
}

function encode(v: unknown, depth: number): string {
  if (depth > 64) throw new TypeError('canonicalJson: nesting too deep');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (item === undefined) throw new TypeError('canonicalJson: undefined array item');
          out += (i === 0 ? '' : ',') + encode(item, depth + 1);
        }
        return out + ']';
      }
      if (v instanceof CanonicalText) return v.text;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      for (const k of keys) {
        const member = obj[k];
        if (member === undefined) continue;
        out += (out.length === 1 ? '' : ',') + JSON.stringify(k) + ':' + encode(member, depth + 1);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof v}`);
  }
}
