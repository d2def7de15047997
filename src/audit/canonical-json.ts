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
export function canonicalJson(value: unknown, checkName?: MemberNameCheck): string {
  return encode(value, 0, checkName);
}

/**
 * Called with every member name of every object encoded (absent members' too), before its value;
 * it throws to refuse the value, so a caller that vets names does not walk the value a second time.
 */
export type MemberNameCheck = (name: string) => void;

/**
 * A value already in canonical form (the text `canonicalJson` returned for it), written as is when
 * it appears inside a value being encoded, so a part encoded once is not encoded again.
 */
export class CanonicalText {
  constructor(readonly text: string) {}
}

function encode(v: unknown, depth: number, checkName: MemberNameCheck | undefined): string {
  if (depth > 64) throw new TypeError('canonicalJson: nesting too deep');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return quote(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (item === undefined) throw new TypeError('canonicalJson: undefined array item');
          out += (i === 0 ? '' : ',') + encode(item, depth + 1, checkName);
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
        checkName?.(k);
        const member = obj[k];
        if (member === undefined) continue;
        out += (out.length === 1 ? '' : ',') + quote(k) + ':' + encode(member, depth + 1, checkName);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof v}`);
  }
}

/**
 * A string as JSON.stringify writes it (JCS §3.2.2.2). It escapes only `"`, `\\`, control
 * characters and lone surrogates (ECMA-262 QuoteJSONString); a string with none of these (nor any
 * surrogate, paired or not) is written between quotes as is, without a call into the serialiser.
 */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
