import { AppError } from '../core/errors.js';

/**
 * multipart/form-data (RFC 7578) from a body already held whole in memory, for small request
 * bodies (a batch of one-page documents): one pass of Buffer.indexOf over the bytes instead of a
 * stream parser, a Readable per part and a Writable sink per part.
 *
 * Only a strict subset is read here: the body starts with the first delimiter (no preamble), each
 * part has a `Content-Disposition: form-data; name="…"` header with an optional `; filename="…"`
 * and an optional `Content-Type: type/subtype` header, nothing else (no folding, no escapes, no
 * RFC 5987 `filename*`), and the close delimiter is there. Anything else returns `undefined` and
 * the caller parses the same bytes with busboy, whose behaviour is the reference this subset
 * reproduces (file/field decision, `text/plain` default type, base name of the file name, UTF-8
 * names and values, the order and messages of the limit errors).
 */

export type MemoryPart =
  | {
      readonly kind: 'file';
      readonly field: string;
      readonly filename: string | undefined;
      readonly mimeType: string;
      readonly data: Buffer;
    }
  | { readonly kind: 'field'; readonly name: string; readonly value: string };

export interface MemoryMultipartLimits {
  readonly fileBytes: number;
  readonly requestBytes: number;
  readonly files: number;
  readonly fields: number;
  readonly fieldBytes: number;
  readonly parts: number;
}

/** The limit errors, shared with the streaming reader so that both paths refuse with the same words. */
export const multipartErrors = {
  fileTooLarge: (limit: number) =>
    new AppError('PAYLOAD_TOO_LARGE', `upload exceeds ${limit} bytes`, { details: { limit, scope: 'file' } }),
  requestTooLarge: (limit: number) =>
    new AppError('PAYLOAD_TOO_LARGE', `the parts of this request exceed ${limit} bytes together`, {
      details: { limit, scope: 'request' },
    }),
  fieldTooLarge: (name: string) => new AppError('PAYLOAD_TOO_LARGE', `form field ${name} too large`),
  tooManyFiles: () => new AppError('PAYLOAD_TOO_LARGE', 'too many files in upload'),
  tooManyFields: () => new AppError('PAYLOAD_TOO_LARGE', 'too many form fields'),
  tooManyParts: () => new AppError('PAYLOAD_TOO_LARGE', 'too many parts in upload'),
};

// RFC 7230 §3.2.6 token characters (what busboy reads as an unquoted parameter value).
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const CONTENT_TYPE = new RegExp(`^multipart/form-data;[ \\t]*boundary=(?:"([^"\\\\\\x00-\\x1f\\x7f]{1,70})"|(${TOKEN}))[ \\t]*$`, 'i');
// Quoted values without `"`, `\` or control characters; bytes ≥ 0x80 are UTF-8 (latin1 view here).
const QUOTED = '"([^"\\\\\\x00-\\x1f\\x7f]*)"';
const DISPOSITION = new RegExp(`^form-data;[ ]?name=${QUOTED}(?:;[ ]?filename=${QUOTED})?$`, 'i');
const PART_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);
/** busboy's part header bound (16 KiB, as node's HTTP header limit). */
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary of a `multipart/form-data; boundary=…` header in the strict subset, else undefined. */
export function strictBoundary(contentType: string): string | undefined {
  const m = CONTENT_TYPE.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF = 0x0d0a;

/**
 * The parts of `body` in order, or `undefined` when the body is outside the strict subset (see
 * above). Throws the PAYLOAD_TOO_LARGE of the first limit crossed, in the order busboy meets them:
 * the file/field count when a part's header ends, the part's size and the request total with its
 * bytes, the part count at each delimiter.
 */
export function parseMemoryMultipart(body: Buffer, boundary: string, limits: MemoryMultipartLimits): MemoryPart[] | undefined {
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // the first delimiter has no CR LF before it (no preamble in the subset)
  if (body.length < delimiter.length - 2 || body.compare(delimiter, 2, delimiter.length, 0, delimiter.length - 2) !== 0) return undefined;
  const parts: MemoryPart[] = [];
  let at = delimiter.length - 2;
  let files = 0;
  let fields = 0;
  let total = 0;
  for (;;) {
    if (at + 2 > body.length) return undefined;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // close delimiter; the epilogue is ignored
    if (body.readUInt16BE(at) !== CRLF) return undefined;
    const headerStart = at + 2;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart, 'latin1');
    if (headerEnd < 0 || headerEnd - headerStart > MAX_HEADER_BYTES) return undefined;
    const header = readHeader(body.toString('latin1', headerStart, headerEnd));
    if (!header) return undefined;
    const dataStart = headerEnd + 4;
    const dataEnd = body.indexOf(delimiter, dataStart);
    if (dataEnd < 0) return undefined;
    const size = dataEnd - dataStart;
    if (header.file) {
      if (++files > limits.files) throw multipartErrors.tooManyFiles();
      // busboy ends a file at the limit and reports it: a part of exactly `fileBytes` is refused too
      if (size >= limits.fileBytes) throw multipartErrors.fileTooLarge(limits.fileBytes);
      total += size;
      if (total > limits.requestBytes) throw multipartErrors.requestTooLarge(limits.requestBytes);
      parts.push({
        kind: 'file',
        field: header.name,
        filename: header.filename,
        mimeType: header.mimeType,
        data: body.subarray(dataStart, dataEnd),
      });
    } else {
      if (++fields > limits.fields) throw multipartErrors.tooManyFields();
      if (size >= limits.fieldBytes) throw multipartErrors.fieldTooLarge(header.name);
      const value = body.toString('utf8', dataStart, dataEnd);
      total += Buffer.byteLength(value);
      if (total > limits.requestBytes) throw multipartErrors.requestTooLarge(limits.requestBytes);
      parts.push({ kind: 'field', name: header.name, value });
    }
    if (parts.length >= limits.parts) throw multipartErrors.tooManyParts();
    at = dataEnd + delimiter.length;
  }
}

interface PartHeader {
  readonly name: string;
  readonly filename: string | undefined;
  readonly mimeType: string;
  readonly file: boolean;
}

/** `text` is the header block in latin1 (one char per byte), without its final CR LF CR LF. */
function readHeader(text: string): PartHeader | undefined {
  let disposition: string | undefined;
  let type: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (name === 'content-disposition' && disposition === undefined) disposition = value;
    else if (name === 'content-type' && type === undefined) type = value;
    else return undefined;
  }
  const d = disposition === undefined ? null : DISPOSITION.exec(disposition);
  if (!d || !d[1]) return undefined;
  // an empty filename is no filename for busboy; leave that reading to it
  if (d[2] === '') return undefined;
  let mimeType = 'text/plain';
  if (type !== undefined) {
    const t = PART_TYPE.exec(type);
    if (!t) return undefined;
    mimeType = `${t[1]!.toLowerCase()}/${t[2]!.toLowerCase()}`;
  }
  const filename = d[2] === undefined ? undefined : baseName(utf8(d[2]));
  return { name: utf8(d[1]), filename, mimeType, file: filename !== undefined || mimeType === 'application/octet-stream' };
}

function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** The file name without a client's directory part, as busboy gives it (preservePath off). */
function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const base = path.slice(cut + 1);
  return base === '.' || base === '..' ? '' : base;
}
