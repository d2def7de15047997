import { AppError } from '../../core/errors.js';
import { isRegular, isWs } from './chars.js';
import { DEFAULT_LIMITS, limitExceeded } from './limits.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';

/**
 * Parser for PDF objects (ISO 32000-1 §7.3) working directly on the file's bytes: no tokens are
 * materialised for the parts of the file nobody asks for. Offsets are absolute.
 */

export function malformed(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('PDF_MALFORMED', message, details ? { details } : {});
}

const KW_STREAM = Buffer.from('stream');
const KW_ENDSTREAM = Buffer.from('endstream');

/** Names read without `#` escapes, by a hash of their bytes (bounded: one per hash, at most 4096). */
const namesByHash = new Map<number, PdfName>();

function rememberName(n: PdfName): void {
  if (namesByHash.size >= 4096) return;
  const text = n.name;
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  if (!namesByHash.has(h)) namesByHash.set(h, n);
}

/** Resolves an indirect `/Length`; returns undefined when it cannot (then the parser scans). */
export type LengthResolver = (r: PdfRef) => number | undefined;

export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfObject;
  /** Offset of the first byte after `endobj` (or after the value when `endobj` is missing). */
  end: number;
}

export class Parser {
  pos: number;
  private steps = 0;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly maxDepth = DEFAULT_LIMITS.maxDepth,
    readonly end = buf.length,
    /** Optional deadline (epoch ms), checked every 4096 array/dictionary items: a huge object cannot outlast a time budget. */
    readonly deadline?: number,
  ) {
    this.pos = pos;
  }

  private tick(): void {
    if (this.deadline !== undefined && (++this.steps & 4095) === 0 && Date.now() > this.deadline)
      throw limitExceeded('time', 'time budget exceeded while parsing');
  }

  /** Skips white-space and comments (§7.2.3, §7.2.4). */
  skipWs(): void {
    const b = this.buf;
    let p = this.pos;
    while (p < this.end) {
      const c = b[p]!;
      if (isWs(c)) p++;
      else if (c === 0x25 /* % */) {
        while (p < this.end && b[p] !== 10 && b[p] !== 13) p++;
      } else break;
    }
    this.pos = p;
  }

  /** Reads a run of regular characters (a keyword or number token) without consuming white-space. */
  regularToken(): string {
    const start = this.pos;
    let p = start;
    while (p < this.end && isRegular(this.buf[p])) p++;
    this.pos = p;
    return this.buf.toString('latin1', start, p);
  }

  /**
   * True (and consumes it) when the next token is exactly the keyword: its bytes followed by a
   * non-regular character or the end. Compared in place, no string made of the token.
   */
  keyword(word: string): boolean {
    this.skipWs();
    const b = this.buf;
    const at = this.pos;
    const end = at + word.length;
    if (end > this.end) return false;
    for (let i = 0; i < word.length; i++) if (b[at + i] !== word.charCodeAt(i)) return false;
    if (end < this.end && isRegular(b[end])) return false;
    this.pos = end;
    return true;
  }

  /**
   * Reads an unsigned integer token (1 to 15 digits, the whole run of regular characters);
   * undefined (position unchanged) when none. Read in place, no string made of the token.
   */
  integer(): number | undefined {
    this.skipWs();
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let v = 0;
    while (p < this.end) {
      const d = b[p]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p === start || p - start > 15 || (p < this.end && isRegular(b[p]))) return undefined;
    this.pos = p;
    return v;
  }

  parseObject(depth = 0): PdfObject {
    if (depth > this.maxDepth)
      throw new AppError('PDF_LIMIT_EXCEEDED', `objects nested deeper than ${this.maxDepth}`, { details: { limit: 'depth' } });
    this.skipWs();
    if (this.pos >= this.end) throw malformed('unexpected end of data while reading an object', { offset: this.pos });
    const b = this.buf;
    const c = b[this.pos]!;
    switch (c) {
      case 0x2f /* / */:
        return this.parseName();
      case 0x28 /* ( */:
        return this.parseLiteralString();
      case 0x3c /* < */:
        if (b[this.pos + 1] === 0x3c) return this.parseDict(depth);
        return this.parseHexString();
      case 0x5b /* [ */:
        return this.parseArray(depth);
      default:
        if (c >= 0x30 && c <= 0x39) {
          const fast = this.unsignedIntegerOrRef();
          if (fast !== undefined) return fast;
        }
        break;
    }
    const start = this.pos;
    const tok = this.regularToken();
    if (tok === '') throw malformed(`unexpected character 0x${c.toString(16)}`, { offset: start });
    if (tok === 'null') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(tok)) {
      const n = Number(tok);
      // `num gen R` lookahead (§7.3.10): only for non-negative integers.
      if (/^\d+$/.test(tok)) {
        const save = this.pos;
        const gen = this.integer();
        if (gen !== undefined && this.keyword('R')) return new PdfRef(n, gen);
        this.pos = save;
      }
      return n;
    }
    // Tolerate sloppy numbers such as "--5" or "1.2.3" the way common readers do.
    const lenient = /^[+-]*(\d*\.?\d*)/.exec(tok);
    if (lenient && lenient[1] && /\d/.test(lenient[1]))
      return tok.startsWith('-') ? -Number.parseFloat(lenient[1]) : Number.parseFloat(lenient[1]);
    throw malformed(`unexpected keyword "${tok.slice(0, 32)}"`, { offset: start });
  }

  /**
   * Fast path for the commonest tokens, an unsigned integer and `num gen R` (§7.3.10), read
   * without allocating strings. Same result as the general path; undefined hands over to it
   * (reals, more than 15 digits, digits followed by a regular character).
   */
  private unsignedIntegerOrRef(): number | PdfRef | undefined {
    const b = this.buf;
    const end = this.end;
    const digitsAt = (from: number): { value: number; to: number } | undefined => {
      let p = from;
      let v = 0;
      while (p < end) {
        const d = b[p]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        p++;
      }
      if (p === from || p - from > 15 || (p < end && isRegular(b[p]))) return undefined;
      return { value: v, to: p };
    };
    const num = digitsAt(this.pos);
    if (!num) return undefined;
    this.pos = num.to;
    this.skipWs();
    const gen = digitsAt(this.pos);
    if (gen) {
      this.pos = gen.to;
      this.skipWs();
      const r = this.pos;
      if (r < end && b[r] === 0x52 /* R */ && !(r + 1 < end && isRegular(b[r + 1]))) {
        this.pos = r + 1;
        return new PdfRef(num.value, gen.value);
      }
    }
    this.pos = num.to;
    return num.value;
  }

  /**
   * The name at `pos` (after its `/`) when it was read before: found by a hash of its bytes and
   * checked byte for byte, so a file's recurring names (Type, Font, Resources…) cost no string
   * each. Consumes it; undefined (nothing consumed) otherwise.
   */
  private knownName(): PdfName | undefined {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let h = 0;
    while (p < this.end && isRegular(b[p])) h = (Math.imul(h, 31) + b[p++]!) | 0;
    const n = namesByHash.get(h);
    if (!n) return undefined;
    const text = n.name;
    if (text.length !== p - start) return undefined;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== b[start + i]) return undefined;
    this.pos = p;
    return n;
  }

  /** §7.3.5: `/Name` with `#xx` escapes. */
  parseName(): PdfName {
    this.pos++; // '/'
    const known = this.knownName();
    if (known) return known;
    const tok = this.regularToken();
    if (tok.indexOf('#') < 0) {
      const n = PdfName.of(tok);
      rememberName(n);
      return n;
    }
    const bytes: number[] = [];
    for (let i = 0; i < tok.length; i++) {
      const ch = tok.charCodeAt(i);
      if (ch === 0x23 && /^[0-9a-fA-F]{2}$/.test(tok.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(tok.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(ch);
    }
    return PdfName.of(Buffer.from(bytes).toString('latin1'));
  }

  /** §7.3.4.2 literal string: balanced parentheses, backslash escapes, EOL normalisation. */
  parseLiteralString(): PdfString {
    const b = this.buf;
    let p = this.pos + 1;
    let depth = 1;
    const out = Buffer.allocUnsafe(Math.min(this.end - p, 1 << 16));
    let parts: Buffer[] | undefined;
    let o = 0;
    const push = (v: number): void => {
      if (o === out.length) {
        (parts ??= []).push(Buffer.from(out));
        o = 0;
      }
      out[o++] = v;
    };
    for (;;) {
      if (p >= this.end) throw malformed('unterminated literal string', { offset: this.pos });
      const c = b[p++]!;
      if (c === 0x5c /* \ */) {
        const e = b[p++];
        if (e === undefined) continue;
        switch (e) {
          case 0x6e:
            push(10);
            break; // n
          case 0x72:
            push(13);
            break; // r
          case 0x74:
            push(9);
            break; // t
          case 0x62:
            push(8);
            break; // b
          case 0x66:
            push(12);
            break; // f
          case 0x0d:
            if (b[p] === 0x0a) p++;
            break; // line continuation
          case 0x0a:
            break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let k = 0; k < 2 && b[p]! >= 0x30 && b[p]! <= 0x37; k++) v = v * 8 + (b[p++]! - 0x30);
              push(v & 0xff);
            } else push(e); // \( \) \\ and unknown escapes: the character itself
        }
      } else if (c === 0x28) {
        depth++;
        push(c);
      } else if (c === 0x29) {
        if (--depth === 0) break;
        push(c);
      } else if (c === 0x0d) {
        if (b[p] === 0x0a) p++;
        push(0x0a);
      } else push(c);
    }
    const start = this.pos;
    this.pos = p;
    const last = Buffer.from(out.subarray(0, o));
    return new PdfString(parts ? Buffer.concat([...parts, last]) : last, false, start, p);
  }

  /** §7.3.4.3 hexadecimal string; white-space ignored, an odd final digit is followed by 0. */
  parseHexString(): PdfString {
    const b = this.buf;
    const close = b.indexOf(0x3e, this.pos + 1);
    if (close < 0 || close >= this.end) throw malformed('unterminated hex string', { offset: this.pos });
    let hex = b.toString('latin1', this.pos + 1, close);
    // Node's hex decoder stops at the first pair holding a non-hex character: a full-length
    // result means every character was a hex digit (a signature's /Contents, kilobytes long, is
    // then not scanned a second time by a regular expression)
    if (hex.length % 2 === 0) {
      const bytes = Buffer.from(hex, 'hex');
      if (bytes.length * 2 === hex.length) {
        const start = this.pos;
        this.pos = close + 1;
        return new PdfString(bytes, true, start, close + 1);
      }
    }
    if (/[^0-9a-fA-F]/.test(hex)) {
      hex = hex.replace(/[\0\t\n\f\r ]/g, '');
      if (/[^0-9a-fA-F]/.test(hex)) throw malformed('invalid character in hex string', { offset: this.pos });
    }
    if (hex.length % 2) hex += '0';
    const start = this.pos;
    this.pos = close + 1;
    return new PdfString(Buffer.from(hex, 'hex'), true, start, close + 1);
  }

  parseArray(depth: number): PdfObject[] {
    this.pos++; // '['
    const out: PdfObject[] = [];
    for (;;) {
      this.skipWs();
      if (this.pos >= this.end) throw malformed('unterminated array', { offset: this.pos });
      if (this.buf[this.pos] === 0x5d /* ] */) {
        this.pos++;
        return out;
      }
      this.tick();
      out.push(this.parseObject(depth + 1));
    }
  }

  parseDict(depth: number): PdfDict {
    const start = this.pos;
    this.pos += 2; // '<<'
    const d = new PdfDict();
    d.start = start;
    for (;;) {
      this.skipWs();
      if (this.pos >= this.end) throw malformed('unterminated dictionary', { offset: this.pos });
      const c = this.buf[this.pos];
      if (c === 0x3e && this.buf[this.pos + 1] === 0x3e) {
        this.pos += 2;
        d.end = this.pos;
        return d;
      }
      if (c !== 0x2f) throw malformed('dictionary key is not a name', { offset: this.pos });
      this.tick();
      const key = this.parseName().name;
      this.skipWs();
      if (this.buf[this.pos] === 0x3e && this.buf[this.pos + 1] === 0x3e) {
        d.set(key, null); // a key without value: treat as null (lenient, like most readers)
        continue;
      }
      d.set(key, this.parseObject(depth + 1));
    }
  }

  /**
   * §7.3.10 indirect object `num gen obj … endobj`, including a stream body (§7.3.8). A wrong or
   * unresolvable `/Length` falls back to scanning for `endstream`.
   */
  parseIndirect(resolveLength?: LengthResolver): IndirectObject {
    const at = this.pos;
    const num = this.integer();
    const gen = this.integer();
    if (num === undefined || gen === undefined || !this.keyword('obj')) throw malformed('expected "N G obj"', { offset: at });
    let value = this.parseObject();
    this.skipWs();
    if (
      value instanceof PdfDict &&
      this.pos + 6 <= this.end &&
      this.buf.compare(KW_STREAM, 0, 6, this.pos, this.pos + 6) === 0 &&
      !isRegular(this.buf[this.pos + 6])
    ) {
      value = this.parseStreamBody(value, resolveLength);
      this.skipWs();
    }
    const save = this.pos;
    if (!this.keyword('endobj')) this.pos = save; // tolerated: many files omit or misplace it
    return { num, gen, value, end: this.pos };
  }

  private parseStreamBody(d: PdfDict, resolveLength?: LengthResolver): PdfStream {
    const b = this.buf;
    let p = this.pos + 6;
    if (b[p] === 0x0d) p++;
    if (b[p] === 0x0a) p++;
    const dataStart = p;
    const lenObj = d.get('Length');
    let len: number | undefined;
    if (typeof lenObj === 'number') len = lenObj;
    else if (lenObj instanceof PdfRef && resolveLength) {
      try {
        len = resolveLength(lenObj);
      } catch {
        len = undefined;
      }
    }
    if (len !== undefined && Number.isInteger(len) && len >= 0 && dataStart + len <= this.end) {
      let q = dataStart + len;
      while (q < this.end && isWs(b[q])) q++;
      if (q + 9 <= this.end && b.compare(KW_ENDSTREAM, 0, 9, q, q + 9) === 0) {
        this.pos = q + 9;
        return new PdfStream(d, b.subarray(dataStart, dataStart + len), dataStart);
      }
    }
    // Fallback (§7.3.8.1 says Length is authoritative, but real files lie): scan for endstream.
    const e = b.indexOf(KW_ENDSTREAM, dataStart);
    if (e < 0 || e >= this.end) throw malformed('stream without endstream', { offset: dataStart });
    let dataEnd = e;
    if (b[dataEnd - 1] === 0x0a) dataEnd--;
    if (b[dataEnd - 1] === 0x0d) dataEnd--;
    if (dataEnd < dataStart) dataEnd = dataStart;
    this.pos = e + 9;
    return new PdfStream(d, b.subarray(dataStart, dataEnd), dataStart);
  }
}

/** True when `buf` at `pos` (after white-space) holds `num gen obj`. */
export function looksLikeObjectHeader(buf: Buffer, pos: number): boolean {
  const p = new Parser(buf, pos);
  return p.integer() !== undefined && p.integer() !== undefined && p.keyword('obj');
}
