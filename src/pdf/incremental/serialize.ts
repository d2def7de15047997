import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';

/**
 * Object model → bytes (ISO 32000-1 §7.3). Output is plain ASCII except stream data; strings
 * holding non-printable bytes are written in hex, names escape everything outside the regular
 * printable range with `#xx` (§7.3.5).
 */

/** Regular characters only (§7.2.2-7.2.3: printable ASCII other than delimiters and `#`): written as they are. */
const NAME_PLAIN = /^[!-~]*$/;
const NAME_NEEDS_ESCAPE = /[#()<>[\]{}/%]/;
const NAME_SPECIAL = new Set('#()<>[]{}/%'.split('').map((c) => c.charCodeAt(0)));

function nameBytes(n: string): string {
  if (NAME_PLAIN.test(n) && !NAME_NEEDS_ESCAPE.test(n)) return `/${n}`;
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
  return concatParts(parts);
}

/** `num gen obj\n…\nendobj\n` */
export function serializeIndirect(r: PdfRef, o: PdfObject): Buffer {
  const parts: Array<string | Buffer> = [`${r.num} ${r.gen} obj\n`];
  write(o, parts);
  parts.push('\nendobj\n');
  return concatParts(parts);
}

/** The parts as bytes: each run of strings joined and encoded once (a dictionary is hundreds of tiny strings). */
function concatParts(parts: ReadonlyArray<string | Buffer>): Buffer {
  const buffers: Buffer[] = [];
  let text = '';
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      if (text) buffers.push(Buffer.from(text, 'latin1'));
      text = '';
      buffers.push(p);
    }
  }
  if (text) buffers.push(Buffer.from(text, 'latin1'));
  return Buffer.concat(buffers);
}
