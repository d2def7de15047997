/**
 * The PDF object model (ISO 32000-1 §7.3), independent of any parser or serializer.
 *
 * Direct values map onto JS where that is lossless enough for signing and verification:
 * null → `null`, booleans → `boolean`, numbers → `number` (integers and reals alike; §7.3.3
 * gives no semantic difference beyond range, and comparing `1` with `1.0` as different objects is
 * a known source of false alarms). Everything else is a small class so `instanceof` narrows.
 */

/** §7.3.5 Name object. Bytes are kept 1:1 as a latin1 string so `#xx` escapes round-trip. */
export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly name: string) {}
  static of(name: string): PdfName {
    let n = PdfName.interned.get(name);
    if (!n) {
      n = new PdfName(name);
      if (PdfName.interned.size < 10_000) PdfName.interned.set(name, n);
    }
    return n;
  }
  toString(): string {
    return `/${this.name}`;
  }
}

/** §7.3.4 String object: raw bytes plus how it was written (literal or hex), for faithful rewrites. */
export class PdfString {
  constructor(
    readonly bytes: Buffer,
    readonly hex = false,
    /** Parsed strings: offset of the opening delimiter in the buffer parsed (the verifier compares /Contents spans). */
    readonly start?: number,
    /** Parsed strings: offset just after the closing delimiter. */
    readonly end?: number,
  ) {}
  /** Decodes a text string (§7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding ≈ latin1. */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const swapped = Buffer.from(b.subarray(2));
      if (swapped.length % 2)
        return swapped
          .subarray(0, swapped.length - 1)
          .swap16()
          .toString('utf16le');
      return swapped.swap16().toString('utf16le');
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
    return b.toString('latin1');
  }
}

/** §7.3.10 Indirect reference. */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
  equals(other: PdfRef): boolean {
    return this.num === other.num && this.gen === other.gen;
  }
}

/** §7.3.7 Dictionary. Keys are names without the slash. Insertion order is kept for serialization. */
export class PdfDict {
  readonly map: Map<string, PdfObject>;
  /** Parsed dictionaries: offset of `<<` in the buffer parsed (identity of direct dictionaries). */
  start?: number;
  /** Parsed dictionaries: offset just after `>>`. */
  end?: number;
  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfObject): this {
    this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  /** Shallow copy: the usual first step before writing a changed version of an object. */
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
  /** The value as a name string when it is a name, else undefined. */
  getName(key: string): string | undefined {
    const v = this.map.get(key);
    return v instanceof PdfName ? v.name : undefined;
  }
  getNumber(key: string): number | undefined {
    const v = this.map.get(key);
    return typeof v === 'number' ? v : undefined;
  }
}

/**
 * §7.3.8 Stream. `raw` is the encoded data exactly as in the file (a view, never a copy);
 * `dataOffset` is its absolute byte offset in the file (−1 for streams we create).
 */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly raw: Buffer,
    readonly dataOffset = -1,
  ) {}
}

/**
 * Bytes emitted verbatim by the serializer. Only the writer side uses it, for fixed-width
 * placeholders (signature `/ByteRange` and `/Contents`) whose position must be known exactly.
 */
export class PdfRaw {
  constructor(readonly bytes: Buffer) {}
}

export type PdfArray = PdfObject[];
export type PdfObject = null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfStream | PdfRaw | PdfArray;

// Small constructors that keep test and builder code readable.
export const name = (n: string): PdfName => PdfName.of(n);
export const ref = (num: number, gen = 0): PdfRef => new PdfRef(num, gen);
export const dict = (o: Record<string, PdfObject | undefined>): PdfDict => {
  const d = new PdfDict();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) d.set(k, v);
  return d;
};
export const bytesString = (b: Uint8Array, hex = false): PdfString => new PdfString(Buffer.from(b), hex);

/**
 * A text string (§7.9.2.2): plain bytes when every character is printable ASCII, otherwise
 * UTF-16BE with a byte order mark (needed for Vietnamese diacritics).
 */
export function textString(s: string): PdfString {
  if (/^[\x20-\x7e]*$/.test(s)) return new PdfString(Buffer.from(s, 'latin1'));
  // the BOM and the UTF-16 code units (a JS string's own), big-endian, in one buffer
  const b = Buffer.allocUnsafe(2 + 2 * s.length);
  b[0] = 0xfe;
  b[1] = 0xff;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    b[2 + 2 * i] = c >> 8;
    b[3 + 2 * i] = c & 0xff;
  }
  return new PdfString(b);
}

export const isDict = (o: unknown): o is PdfDict => o instanceof PdfDict;
export const isRef = (o: unknown): o is PdfRef => o instanceof PdfRef;
