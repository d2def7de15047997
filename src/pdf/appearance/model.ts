/**
 * A small, writer-independent description of NEW PDF objects (ISO 32000-1 §7.3).
 *
 * Appearance builders never know object numbers: they describe objects with symbolic ids and
 * refer to each other with `{ kind: 'ref', id }`. The incremental writer (src/pdf/incremental)
 * allocates one object number per id, then serialises each object with `serializeValue`,
 * mapping ids to `N 0 R`. Ids are only unique inside one bundle: map each bundle separately.
 *
 * Conventions a writer can rely on:
 * - `objects` are listed dependencies first; `root` is the form XObject (the widget's /AP /N).
 * - A stream object already carries `/Length` (= `stream.length`) and its `/Filter`; the writer
 *   writes `stream.length` bytes verbatim between `stream\r\n` and `\r\nendstream`.
 * - Dictionary key order is insertion order and is kept (deterministic output).
 * - Strings are raw bytes (PDFDocEncoding or UTF-16BE with BOM, already encoded); the
 *   serialiser writes them as hex strings, which never need escaping.
 */

export type PdfName = { readonly kind: 'name'; readonly name: string };
export type PdfString = { readonly kind: 'string'; readonly bytes: Buffer };
export type PdfRef = { readonly kind: 'ref'; readonly id: string };
export type PdfDict = { readonly kind: 'dict'; readonly entries: Readonly<Record<string, PdfValue>> };
/** A pre-serialised token sequence (e.g. a real number already formatted). Use sparingly. */
export type PdfRaw = { readonly kind: 'raw'; readonly text: string };
export type PdfValue = null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfRaw | readonly PdfValue[];

export interface PdfObjectSpec {
  /** Symbolic id, unique inside its bundle. */
  readonly id: string;
  readonly dict: PdfDict;
  /** Present for stream objects: the encoded (already filtered) bytes. */
  readonly stream?: Buffer;
}

/** A set of new objects plus the id of the one the caller points to. */
export interface PdfObjectBundle {
  readonly objects: readonly PdfObjectSpec[];
  readonly root: string;
}

/** The result of an appearance builder: a form XObject bundle and its box size in points. */
export interface Appearance extends PdfObjectBundle {
  readonly width: number;
  readonly height: number;
}

export const pdfName = (name: string): PdfName => ({ kind: 'name', name });
export const pdfRef = (id: string): PdfRef => ({ kind: 'ref', id });
export const pdfDict = (entries: Record<string, PdfValue>): PdfDict => ({ kind: 'dict', entries });
export const pdfRaw = (text: string): PdfRaw => ({ kind: 'raw', text });
export function pdfString(value: string | Buffer): PdfString {
  if (Buffer.isBuffer(value)) return { kind: 'string', bytes: value };
  // ISO 32000-1 §7.9.2.2: text strings are PDFDocEncoding or UTF-16BE with a BOM.
  const ascii = /^[\x20-\x7e]*$/.test(value);
  if (ascii) return { kind: 'string', bytes: Buffer.from(value, 'latin1') };
  const le = Buffer.from(value, 'utf16le');
  const be = Buffer.alloc(le.length + 2);
  be[0] = 0xfe;
  be[1] = 0xff;
  for (let i = 0; i < le.length; i += 2) {
    be[i + 2] = le[i + 1]!;
    be[i + 3] = le[i]!;
  }
  return { kind: 'string', bytes: be };
}

/**
 * Formats a number the way PDF wants it (§7.3.3): no exponent, at most 4 decimals, no trailing
 * zeros. Non-finite numbers are a programming error.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`formatNumber: not finite: ${n}`);
  if (Number.isInteger(n)) return String(n);
  let s = n.toFixed(4);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

const NAME_REGULAR = /^[!-~]$/;
/** §7.3.5: bytes outside ! .. ~ and the delimiters are written as #xx. */
function encodeName(name: string): string {
  let out = '/';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (NAME_REGULAR.test(ch) && !'#()<>[]{}/%'.includes(ch)) out += ch;
    else out += '#' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** Serialises one value; `refOf(id)` returns the object number the writer chose for an id. */
export function serializeValue(value: PdfValue, refOf: (id: string) => number): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return '[' + value.map((v) => serializeValue(v, refOf)).join(' ') + ']';
  const v = value as Exclude<PdfValue, null | boolean | number | readonly PdfValue[]>;
  switch (v.kind) {
    case 'name':
      return encodeName(v.name);
    case 'string':
      return '<' + v.bytes.toString('hex') + '>';
    case 'ref':
      return `${refOf(v.id)} 0 R`;
    case 'raw':
      return v.text;
    case 'dict': {
      const parts = Object.entries(v.entries).map(([k, val]) => `${encodeName(k)} ${serializeValue(val, refOf)}`);
      return '<<' + parts.join(' ') + '>>';
    }
  }
}

/**
 * Serialises an object's body (what goes between `N 0 obj` and `endobj`), stream included.
 * Convenience for writers and tests; the writer may also do this itself.
 */
export function serializeObjectBody(obj: PdfObjectSpec, refOf: (id: string) => number): Buffer {
  const head = Buffer.from(serializeValue(obj.dict, refOf), 'latin1');
  if (!obj.stream) return head;
  return Buffer.concat([head, Buffer.from('\nstream\r\n', 'latin1'), obj.stream, Buffer.from('\r\nendstream', 'latin1')]);
}

/** Every id referenced from a value (used to check a bundle is closed). */
export function collectRefs(value: PdfValue, out: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
    return out;
  }
  const v = value as Exclude<PdfValue, null | boolean | number | readonly PdfValue[]>;
  if (v.kind === 'ref') out.add(v.id);
  else if (v.kind === 'dict') for (const val of Object.values(v.entries)) collectRefs(val, out);
  return out;
}

/** TypeError if a bundle refers to an id it does not define, repeats an id, or lacks its root. */
export function assertBundleClosed(bundle: PdfObjectBundle): void {
  const ids = new Set<string>();
  for (const o of bundle.objects) {
    if (ids.has(o.id)) throw new TypeError(`bundle: duplicate id ${o.id}`);
    ids.add(o.id);
  }
  if (!ids.has(bundle.root)) throw new TypeError(`bundle: root ${bundle.root} missing`);
  for (const o of bundle.objects) {
    for (const r of collectRefs(o.dict)) if (!ids.has(r)) throw new TypeError(`bundle: ${o.id} refers to unknown ${r}`);
  }
}
