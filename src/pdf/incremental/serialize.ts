import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';

/**
 * Object model → bytes (ISO 32000-1 §7.3). Output is plain ASCII except stream data; strings
 * holding non-printable bytes are written in hex, names escape everything outside the regular
 * printable range with `#xx` (§7.3.5).
 */

/** Regular characters only (§7.2.2: no white-space, no delimiter, no `#`): written as they are. */
const NAME_PLAIN = /^[!"$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]*$/;
const NAME_SPECIAL = new Set('#()<>[]{}/%'.split('').map((c) => c.charCodeAt(0)));

function nameBytes(n: string): string {
  if (NAME_PLAIN.test(n)) return `/${n}`;
  let out = '/';
  for (const b of Buffer.from(n, 'latin1')) {
    if (b > 0x20 && b < 0x7f && !NAME_SPECIAL.has(b)) out += String.fromCharCode(b);
    else out += `#${b.toString(16).padStart(2, '0')}`;
  }
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
  let printable = !s.hex;
  if (printable)
    for (const c of b)
      if (c < 0x20 || c > 0x7e) {
        printable = false;
        break;
      }
  if (!printable) return `<${b.toString('hex')}>`;
  return `(${b.toString('latin1').replace(/([\\()])/g, '\\$1')})`;
}

/** Serializes one object into `parts` (strings are latin1; buffers are stream data / raw bytes). */
function write(o: PdfObject, parts: Array<string | Buffer>): void {
  if (o === null) parts.push('null');
  else if (typeof o === 'boolean') parts.push(o ? 'true' : 'false');
  else if (typeof o === 'number') parts.push(formatNumber(o));
  else if (o instanceof PdfName) parts.push(nameBytes(o.name));
  else if (o instanceof PdfString) parts.push(stringBytes(o));
  else if (o instanceof PdfRef) parts.push(`${o.num} ${o.gen} R`);
  else if (o instanceof PdfRaw) parts.push(o.bytes);
  else if (Array.isArray(o)) {
    parts.push('[');
    o.forEach((x, i) => {
      if (i) parts.push(' ');
      write(x, parts);
    });
    parts.push(']');
  } else if (o instanceof PdfDict) {
    parts.push('<<');
    for (const [k, v] of o.map) {
      parts.push(nameBytes(k), ' ');
      write(v, parts);
    }
    parts.push('>>');
  } else if (o instanceof PdfStream) {
    const d = o.dict.clone().set('Length', o.raw.length);
    write(d, parts);
    parts.push('\nstream\n', o.raw, '\nendstream');
  } else throw new TypeError('cannot serialize value');
}

export function serializeObject(o: PdfObject): Buffer {
  const parts: Array<string | Buffer> = [];
  write(o, parts);
  return joinParts(parts);
}

/** `num gen obj\n…\nendobj\n` */
export function serializeIndirect(r: PdfRef, o: PdfObject): Buffer {
  const out: Buffer[] = [];
  serializeIndirectInto(r, o, out);
  // one piece is text only: the header always comes before any object's own buffer
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}

/**
 * `num gen obj\n…\nendobj\n` appended to `out` as pieces: each run of text one latin1 buffer,
 * stream data and raw objects (the /Contents placeholder) as their own buffers, not copied. For a
 * writer that joins a whole update once.
 */
export function serializeIndirectInto(r: PdfRef, o: PdfObject, out: Buffer[]): void {
  const parts: Array<string | Buffer> = [`${r.num} ${r.gen} obj\n`];
  write(o, parts);
  parts.push('\nendobj\n');
  collectParts(parts, out);
}

/**
 * Runs of text become one latin1 buffer each (not one per token): same bytes, far fewer
 * allocations. Returns whether an object's own buffer (stream data, a raw object) is among them.
 */
function collectParts(parts: ReadonlyArray<string | Buffer>, out: Buffer[]): boolean {
  let text = '';
  let shared = false;
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      if (text) out.push(Buffer.from(text, 'latin1'));
      text = '';
      out.push(p);
      shared = true;
    }
  }
  if (text) out.push(Buffer.from(text, 'latin1'));
  return shared;
}

function joinParts(parts: ReadonlyArray<string | Buffer>): Buffer {
  const out: Buffer[] = [];
  const shared = collectParts(parts, out);
  // a stream's or raw object's own buffer is never handed out as the result
  return out.length === 1 && !shared ? out[0]! : Buffer.concat(out);
}
