/**
 * Canonical JSON for hashing audit records, following the rules of RFC 8785 (JCS) for the JSON
 * subset we produce: object members sorted by key (UTF-16 code unit order, as JCS §3.2.3), no
 * insignificant whitespace, strings escaped as ECMAScript JSON.stringify does (JCS §3.2.2.2),
 * numbers in ECMAScript shortest round-trip form (JCS §3.2.2.3). Non-finite numbers, bigint,
 * functions, symbols and non-plain objects are rejected rather than silently altered; `undefined`
 * members are omitted (as JSON.stringify would); `undefined` array items are rejected.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0);
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
        return `[${v
          .map((item) => {
            if (item === undefined) throw new TypeError('canonicalJson: undefined array item');
            return encode(item, depth + 1);
          })
          .join(',')}]`;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof v}`);
  }
}
