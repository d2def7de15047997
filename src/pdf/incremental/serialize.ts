import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';

/**
 * Object model → bytes (ISO 32000-1 §7.3). Output is plain ASCII except stream data; strings
 * holding non-printable bytes are written in hex, names escape everything outside the regular
 * printable range with `#xx` (§7.3.5).
 */

const NAME_SAFE = /^[!-~]*$/;
const NAME_SPECIAL = new Set('#()<>[]{}/%'.split('').map((c) => c.charCodeAt(0)));

function nameBytes(n: string): string {
  if (NAME_SAFE.test(n) && ![...n].some((c) => NAME_SPECIAL.has(c.charCodeAt(0)))) return `/${n}`;
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
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

/** `num gen obj\n…\nendobj\n` */
export function serializeIndirect(r: PdfRef, o: PdfObject): Buffer {
  const parts: Array<string | Buffer> = [`${r.num} ${r.gen} obj\n`];
  write(o, parts);
  parts.push('\nendobj\n');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}
