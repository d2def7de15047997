import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';

/**
 * Object model → bytes (ISO 32000-1 §7.3). Output is plain ASCII except stream data; strings
 * holding non-printable bytes are written in hex, names escape everything outside the regular
 * printable range with `#xx` (§7.3.5).
 */

/** Regular characters only (§7.2.2: no white-space, no delimiter, no `#`): written as they are. */
const NAME_PLAIN = /^[!"$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]*$/;
const NAME_SPECIAL = new Set('#()<>[]{}/%'.split('').map((c) => c.charCodeAt(0)));

/** The written form of each name seen (names are few and repeat in every object), bounded like PdfName's interning. */
const nameTexts = new Map<string, string>();

function nameBytes(n: string): string {
  const known = nameTexts.get(n);
  if (known !== undefined) return known;
  let out = '/';
  if (NAME_PLAIN.test(n)) out += n;
  else
    for (const b of Buffer.from(n, 'latin1')) {
      if (b > 0x20 && b < 0x7f && !NAME_SPECIAL.has(b)) out += String.fromCharCode(b);
      else out += `#${b.toString(16).padStart(2, '0')}`;
    }
  if (nameTexts.size < 10_000) nameTexts.set(n, out);
  return out;
}

/** §7.3.3: reals without exponent notation, at most 6 decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot serialize number ${n}`);
  if (Number.isInteger(n)) return String(n);
  let s = n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

function stringBytes(s: PdfString): string {
  const b = s.bytes;
  if (s.hex) return `<${b.toString('hex')}>`;
  // printable ASCII is written literally, backslash and parentheses escaped (§7.3.4.2); anything else in hex
  let escapes = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) return `<${b.toString('hex')}>`;
    if (c === 0x5c || c === 0x28 || c === 0x29) escapes = true;
  }
  const text = b.toString('latin1');
  return escapes ? `(${text.replace(/([\\()])/g, '\\$1')})` : `(${text})`;
}

/**
 * Where serialized output goes: runs of text are appended to `text` (latin1: one character per
 * byte) and flushed to `out` only when an object's own buffer (stream data, raw bytes) follows,
 * so that an object without one is a single string, built without an array of tokens.
 */
interface Sink {
  text: string;
  readonly out: Array<string | Buffer>;
}

function flushTo(sink: Sink, b: Buffer): void {
  if (sink.text) sink.out.push(sink.text);
  sink.text = '';
  sink.out.push(b);
}

/** Serializes one object into `sink`. */
function write(o: PdfObject, sink: Sink): void {
  if (o === null) sink.text += 'null';
  else if (typeof o === 'boolean') sink.text += o ? 'true' : 'false';
  else if (typeof o === 'number') sink.text += formatNumber(o);
  else if (o instanceof PdfName) sink.text += nameBytes(o.name);
  else if (o instanceof PdfString) sink.text += stringBytes(o);
  else if (o instanceof PdfRef) sink.text += `${o.num} ${o.gen} R`;
  else if (o instanceof PdfRaw) flushTo(sink, o.bytes);
  else if (Array.isArray(o)) {
    sink.text += '[';
    for (let i = 0; i < o.length; i++) {
      if (i) sink.text += ' ';
      write(o[i]!, sink);
    }
    sink.text += ']';
  } else if (o instanceof PdfDict) {
    sink.text += '<<';
    for (const [k, v] of o.map) {
      sink.text += nameBytes(k) + ' ';
      write(v, sink);
    }
    sink.text += '>>';
  } else if (o instanceof PdfStream) {
    const d = o.dict.clone().set('Length', o.raw.length);
    write(d, sink);
    sink.text += '\nstream\n';
    flushTo(sink, o.raw);
    sink.text += '\nendstream';
  } else throw new TypeError('cannot serialize value');
}

/** The pieces of `o` (latin1 strings and object buffers) in order. */
function pieces(o: PdfObject, head = '', tail = ''): Array<string | Buffer> {
  const sink: Sink = { text: head, out: [] };
  write(o, sink);
  sink.text += tail;
  if (sink.text) sink.out.push(sink.text);
  return sink.out;
}

export function serializeObject(o: PdfObject): Buffer {
  return toBuffer(pieces(o));
}

/** `num gen obj\n…\nendobj\n` */
export function serializeIndirect(r: PdfRef, o: PdfObject): Buffer {
  return toBuffer(pieces(o, `${r.num} ${r.gen} obj\n`, '\nendobj\n'));
}

/**
 * `num gen obj\n…\nendobj\n` appended to `out` as pieces: each run of text one latin1 string
 * (every character below U+0100: names are escaped to ASCII, strings are their bytes read as
 * latin1, so a string's length is its byte count), stream data and raw objects as their own
 * buffers. For a writer that writes the pieces of a whole update into one buffer at the end,
 * without a buffer per text run.
 */
export function serializeIndirectPieces(r: PdfRef, o: PdfObject, out: Array<string | Buffer>): void {
  for (const p of pieces(o, `${r.num} ${r.gen} obj\n`, '\nendobj\n')) out.push(p);
}

/** A direct object without stream data or raw bytes (a trailer dictionary) as latin1 text. */
export function serializeText(o: PdfObject): string {
  let text = '';
  for (const p of pieces(o)) text += typeof p === 'string' ? p : p.toString('latin1');
  return text;
}

/** One buffer of the pieces; a stream's or raw object's own buffer is never handed out as the result. */
function toBuffer(parts: ReadonlyArray<string | Buffer>): Buffer {
  if (parts.length === 1 && typeof parts[0] === 'string') return Buffer.from(parts[0], 'latin1');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}
