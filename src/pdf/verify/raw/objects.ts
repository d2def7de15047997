/**
 * A minimal, bounded PDF object model and parser (ISO 32000-1 §7.2-§7.3) used by the validator
 * while the shared reader (src/pdf/syntax) is not available. It works on raw bytes, never
 * decrypts (signature /Contents are never encrypted, ISO 32000-1 §7.6.1), keeps the byte span of
 * every string so the /Contents gap can be compared byte for byte (STANDARDS.md rule A.2), and
 * enforces a nesting-depth limit so hostile input cannot blow the stack.
 */
import { VerifyLimitError } from '../limits.js';

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
export class PdfString {
  constructor(
    readonly bytes: Buffer,
    readonly hex: boolean,
    /** Offset of the opening delimiter in the file. */
    readonly start: number,
    /** Offset just after the closing delimiter. */
    readonly end: number,
  ) {}
}
export class PdfDict {
  constructor(
    readonly map: Map<string, PdfValue>,
    readonly start: number,
    readonly end: number,
  ) {}
  get(key: string): PdfValue | undefined {
    return this.map.get(key);
  }
}
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Offset of the first data byte. */
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {}
}
/** A number keeps its source text so `1` and `1.0` compare equal numerically but can be told apart. */
export type PdfValue = null | boolean | number | PdfName | PdfRef | PdfString | PdfDict | PdfStream | PdfValue[];

export class PdfSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at ${offset}`);
    this.name = 'PdfSyntaxError';
  }
}

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

export function isWhite(c: number | undefined): boolean {
  return c !== undefined && WS[c] === 1;
}
function isRegular(c: number | undefined): boolean {
  return c !== undefined && WS[c] !== 1 && DELIM[c] !== 1;
}

export class Lexer {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly maxDepth = 64,
    readonly end = buf.length,
  ) {
    this.pos = pos;
  }

  skipWs(): void {
    const b = this.buf;
    for (;;) {
      while (this.pos < this.end && WS[b[this.pos]!] === 1) this.pos++;
      if (this.pos < this.end && b[this.pos] === 0x25) {
        while (this.pos < this.end && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
        continue;
      }
      return;
    }
  }

  /** Reads a bare token (keyword or number) without consuming a delimiter. */
  token(): string {
    this.skipWs();
    const s = this.pos;
    while (this.pos < this.end && isRegular(this.buf[this.pos])) this.pos++;
    return this.buf.toString('latin1', s, this.pos);
  }

  peekToken(): string {
    const save = this.pos;
    const t = this.token();
    this.pos = save;
    return t;
  }

  /** Parses one value; `n g R` references are recognised (ISO 32000-1 §7.3.10). */
  value(depth = 0): PdfValue {
    if (depth > this.maxDepth) throw new VerifyLimitError('depth', `nesting deeper than ${this.maxDepth}`);
    this.skipWs();
    const b = this.buf;
    if (this.pos >= this.end) throw new PdfSyntaxError('unexpected end of data', this.pos);
    const c = b[this.pos]!;
    if (c === 0x2f) return this.name();
    if (c === 0x28) return this.literalString();
    if (c === 0x3c) {
      if (b[this.pos + 1] === 0x3c) return this.dict(depth);
      return this.hexString();
    }
    if (c === 0x5b) {
      this.pos++;
      const arr: PdfValue[] = [];
      for (;;) {
        this.skipWs();
        if (this.pos >= this.end) throw new PdfSyntaxError('unterminated array', this.pos);
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return arr;
        }
        arr.push(this.value(depth + 1));
      }
    }
    const start = this.pos;
    const t = this.token();
    if (t === '') throw new PdfSyntaxError(`unexpected byte 0x${c.toString(16)}`, start);
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t === 'null') return null;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(t)) {
      const n = Number(t);
      if (/^\d+$/.test(t)) {
        // possible reference "n g R"
        const save = this.pos;
        const g = this.token();
        if (/^\d+$/.test(g)) {
          const r = this.token();
          if (r === 'R') return new PdfRef(n, Number(g));
        }
        this.pos = save;
      }
      return n;
    }
    throw new PdfSyntaxError(`unexpected token ${JSON.stringify(t.slice(0, 20))}`, start);
  }

  name(): PdfName {
    this.pos++; // '/'
    const s = this.pos;
    while (this.pos < this.end && isRegular(this.buf[this.pos])) this.pos++;
    const raw = this.buf.toString('latin1', s, this.pos);
    return new PdfName(raw.includes('#') ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : raw);
  }

  hexString(): PdfString {
    const start = this.pos;
    const close = this.buf.indexOf(0x3e, this.pos + 1);
    if (close < 0 || close >= this.end) throw new PdfSyntaxError('unterminated hex string', start);
    let hex = this.buf.toString('latin1', start + 1, close).replace(/[\0\t\n\f\r ]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new PdfSyntaxError('bad hex string', start);
    if (hex.length % 2) hex += '0';
    this.pos = close + 1;
    return new PdfString(Buffer.from(hex, 'hex'), true, start, close + 1);
  }

  literalString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    this.pos++;
    let depth = 1;
    const out: number[] = [];
    while (this.pos < this.end) {
      const c = b[this.pos++]!;
      if (c === 0x5c) {
        const e = b[this.pos++];
        if (e === undefined) break;
        const map: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
        if (map[e] !== undefined) out.push(map[e]);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let i = 0; i < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i++) v = v * 8 + (b[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos++;
        } else if (e !== 0x0a) out.push(e);
        continue;
      }
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) return new PdfString(Buffer.from(out), false, start, this.pos);
      out.push(c);
    }
    throw new PdfSyntaxError('unterminated literal string', start);
  }

  dict(depth: number): PdfDict {
    const start = this.pos;
    this.pos += 2;
    const map = new Map<string, PdfValue>();
    for (;;) {
      this.skipWs();
      if (this.pos >= this.end) throw new PdfSyntaxError('unterminated dictionary', start);
      const c = this.buf[this.pos];
      if (c === 0x3e && this.buf[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return new PdfDict(map, start, this.pos);
      }
      if (c !== 0x2f) throw new PdfSyntaxError('dictionary key is not a name', this.pos);
      const key = this.name().name;
      this.skipWs();
      if (this.buf[this.pos] === 0x3e && this.buf[this.pos + 1] === 0x3e) {
        map.set(key, null);
        continue;
      }
      map.set(key, this.value(depth + 1));
    }
  }
}

export function isName(v: PdfValue | undefined, name?: string): v is PdfName {
  return v instanceof PdfName && (name === undefined || v.name === name);
}
export function asInt(v: PdfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}
export function dictOf(v: PdfValue | undefined): PdfDict | undefined {
  if (v instanceof PdfDict) return v;
  if (v instanceof PdfStream) return v.dict;
  return undefined;
}
export function textOf(v: PdfValue | undefined): string | undefined {
  if (!(v instanceof PdfString)) return undefined;
  const b = v.bytes;
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const sw = Buffer.from(b.subarray(2));
    if (sw.length % 2) return undefined;
    sw.swap16();
    return sw.toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

/**
 * Structural equality of two values (used by the revision diff). Numbers compare numerically
 * (so `1` equals `1.0`, as DSS's lax mode does); references compare by number/generation only
 * — what they point to is compared object by object elsewhere.
 */
export function pdfEqual(a: PdfValue | undefined, b: PdfValue | undefined, depth = 0): boolean {
  if (depth > 64) return false;
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof PdfName) return b instanceof PdfName && a.name === b.name;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfString) return b instanceof PdfString && a.bytes.equals(b.bytes);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pdfEqual(x, b[i], depth + 1));
  }
  if (a instanceof PdfStream) return b instanceof PdfStream && dictEqual(a.dict, b.dict, depth, ['Length']);
  if (a instanceof PdfDict) return b instanceof PdfDict && dictEqual(a, b, depth, []);
  return false;
}

function dictEqual(a: PdfDict, b: PdfDict, depth: number, ignore: string[]): boolean {
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  for (const k of keys) {
    if (ignore.includes(k)) continue;
    const x = a.map.get(k);
    const y = b.map.get(k);
    // a key with value null is the same as an absent key (ISO 32000-1 §7.3.7)
    if ((x === undefined || x === null) && (y === undefined || y === null)) continue;
    if (!pdfEqual(x, y, depth + 1)) return false;
  }
  return true;
}

/** Keys whose values differ between two dictionaries (absent and null are equal). */
export function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.map.keys(), ...b.map.keys()])) {
    const x = a.map.get(k);
    const y = b.map.get(k);
    if ((x === undefined || x === null) && (y === undefined || y === null)) continue;
    if (!pdfEqual(x, y)) out.push(k);
  }
  return out;
}
