import type { Request } from 'express';
import busboy from 'busboy';
import { readFileSync } from 'node:fs';
import { UploadSpool } from './upload-spool.js';
import { PartSink } from './part-sink.js';
import { AppError } from '../core/errors.js';
import { bodyRead, hasGate } from './idempotency/gate.js';
import { MultipartDigest, rawDigest } from './idempotency/request-digest.js';
import { multipartErrors, parseMemoryMultipart, strictBoundary, type MemoryPart } from './multipart-memory.js';

/**
 * Body readers with hard limits. A raw body (one document) is buffered, bounded by its limit.
 * Multipart parts are streamed to a private temp file each (directory 0700, files 0600) while
 * they arrive, so a request refused half way (a part over `fileBytes`, the parts together over
 * `requestBytes`) never held its parts in memory; a part's bytes are read from disk when a
 * handler asks for them (`data`). A route may keep small parts in memory (`memoryPartBytes`); on
 * such a route a whole body no larger than one such part is read into memory first and split
 * there (./multipart-memory.ts). The files are removed when the response ends, also on error
 * or client abort.
 */

/**
 * The size up to which a route keeps a part in memory (`memoryPartBytes`) rather than in a temp
 * file: a one-page result or a scanned page, the common case, then costs no file system calls
 * (the temp directory, the file, reading it back, removing both: about 0.7 ms of a one-page
 * signing request here). Larger parts are spooled as they arrive. What a request holds in memory
 * stays bounded by its `files` × this and by its request limit (KYSO_REQUEST_LIMIT).
 */
export const SMALL_PART_BYTES = 256 * 1024;

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly size: number;
  /** The part's bytes, read from its temp file on first use. */
  readonly data: Buffer;
}

export interface MultipartBody {
  readonly files: readonly UploadedFile[];
  readonly fields: Readonly<Record<string, string>>;
}

export interface MultipartLimits {
  /** Largest single file part (KYSO_UPLOAD_LIMIT). */
  readonly fileBytes: number;
  /** Largest sum of all parts of one request (KYSO_REQUEST_LIMIT); default `fileBytes`. */
  readonly requestBytes?: number | undefined;
  readonly files?: number;
  readonly fields?: number;
  readonly fieldBytes?: number;
  /**
   * Parts up to this size stay in memory instead of a temp file (./part-sink.ts); default 0: every
   * part is spooled. Bounded per request by `files` × this.
   */
  readonly memoryPartBytes?: number;
}

/**
 * Reads the whole body as bytes (e.g. application/ocsp-request, application/pdf). On a route that
 * takes an Idempotency-Key, the key is claimed with the body's digest before this resolves.
 */
export async function readRawBody(req: Request, limit: number): Promise<Buffer> {
  const bytes = await bufferBody(req, limit);
  if (hasGate(req)) await bodyRead(req, rawDigest(bytes));
  return bytes;
}

function bufferBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, { details: { limit } }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.resume();
        reject(new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, { details: { limit } }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!done) reject(new AppError('BAD_REQUEST', 'request body could not be read', { cause: e }));
    });
  });
}

/**
 * Parses multipart/form-data (RFC 7578) with busboy; each part, and all parts together, are
 * bounded. On a route that takes an Idempotency-Key, the key is claimed with the digest of every
 * part before this resolves (src/http/idempotency).
 */
export async function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartBody> {
  // Only a request with an Idempotency-Key is fingerprinted: the others skip hashing every part.
  const digest = hasGate(req) ? new MultipartDigest() : undefined;
  const body = await parseMultipart(req, limits, digest);
  if (digest) await bodyRead(req, digest.digest());
  return body;
}

function parseMultipart(req: Request, limits: MultipartLimits, digest: MultipartDigest | undefined): Promise<MultipartBody> {
  const ct = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(ct)) {
    return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE', 'expected multipart/form-data'));
  }
  const requestBytes = limits.requestBytes ?? limits.fileBytes;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > requestBytes + MULTIPART_FRAMING_ALLOWANCE) {
    req.resume();
    return Promise.reject(multipartErrors.requestTooLarge(requestBytes));
  }
  // A body that is no larger than one part the route keeps in memory anyway is read whole and
  // split in one pass: every part of it would have stayed in memory on the streaming path too.
  const memoryPartBytes = limits.memoryPartBytes ?? 0;
  const boundary = strictBoundary(ct);
  if (boundary !== undefined && Number.isFinite(declared) && declared <= memoryPartBytes) {
    return readWhole(req, declared).then((bytes) => {
      const parts = parseMemoryMultipart(bytes, boundary, {
        fileBytes: limits.fileBytes,
        requestBytes,
        files: limits.files ?? DEFAULT_FILES,
        fields: limits.fields ?? DEFAULT_FIELDS,
        fieldBytes: limits.fieldBytes ?? DEFAULT_FIELD_BYTES,
        parts: MAX_PARTS,
      });
      return parts ? memoryBody(parts, digest) : streamMultipart(req, limits, digest, bytes);
    });
  }
  return streamMultipart(req, limits, digest, undefined);
}

/** The parts read in memory as the streaming path would have given them (and fed to the idempotency digest in the same order). */
function memoryBody(parts: readonly MemoryPart[], digest: MultipartDigest | undefined): MultipartBody {
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  for (const p of parts) {
    if (p.kind === 'file') {
      digest?.file(p.field, p.filename ?? '', p.mimeType)(p.data);
      files.push({ field: p.field, filename: p.filename ?? '', mimeType: p.mimeType, size: p.data.length, data: p.data });
    } else {
      fields[p.name] = p.value;
      digest?.field(p.name, p.value);
    }
  }
  return { files, fields };
}

/** The body of a request that declared `length` bytes (node's HTTP parser delivers no more than that). */
function readWhole(req: Request, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    });
    req.once('end', () => resolve(chunks.length === 1 && size === length ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('aborted', () => reject(new AppError('BAD_REQUEST', 'the client aborted the upload')));
    req.once('error', (cause) => reject(new AppError('BAD_REQUEST', 'request body could not be read', { cause })));
  });
}

/**
 * busboy over the request stream, or over `buffered` when the body was already read whole but
 * is outside the subset ./multipart-memory.ts reads.
 */
function streamMultipart(
  req: Request,
  limits: MultipartLimits,
  digest: MultipartDigest | undefined,
  buffered: Buffer | undefined,
): Promise<MultipartBody> {
  const requestBytes = limits.requestBytes ?? limits.fileBytes;
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fileSize: limits.fileBytes,
          files: limits.files ?? DEFAULT_FILES,
          fields: limits.fields ?? DEFAULT_FIELDS,
          fieldSize: limits.fieldBytes ?? DEFAULT_FIELD_BYTES,
          parts: MAX_PARTS,
        },
      });
    } catch (cause) {
      reject(new AppError('BAD_REQUEST', 'malformed multipart/form-data header', { cause }));
      return;
    }
    const spool = new UploadSpool();
    // removed once the response is over: sent, failed, or the client went away
    req.res?.once('close', () => void spool.remove());
    // by arrival order (the batch signer answers per index), whatever order the disk writes finish in
    const files: Array<UploadedFile | undefined> = [];
    const fields: Record<string, string> = {};
    const writes: Promise<void>[] = [];
    let total = 0;
    let failed = false;
    const fail = (e: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      void spool.remove();
      reject(e);
    };
    const count = (n: number): boolean => {
      total += n;
      if (total <= requestBytes) return true;
      fail(multipartErrors.requestTooLarge(requestBytes));
      return false;
    };
    const tooLarge = () => fail(multipartErrors.fileTooLarge(limits.fileBytes));
    bb.on('file', (field, stream, info) => {
      if (failed) return void stream.resume();
      const sink = new PartSink(limits.memoryPartBytes ?? 0, () => spool.create());
      const index = files.push(undefined) - 1;
      const feed = digest?.file(field, info.filename ?? '', info.mimeType);
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        feed?.(c);
        if (!count(c.length)) stream.resume();
      });
      stream.on('limit', tooLarge);
      // pipe (backpressure from a spool file) rather than stream/promises' pipeline, which sets up
      // and aborts an AbortController per call: per part that is a cost a 50-document batch pays 50 times.
      writes.push(
        new Promise<void>((resolve) => {
          const stored = (cause?: unknown) => {
            if (cause !== undefined) fail(new AppError('BAD_REQUEST', 'upload could not be stored', { cause }));
            else if (!failed) files[index] = spooledFile(field, info, size, sink.result);
            resolve();
          };
          stream.on('error', (cause: Error) => {
            fail(new AppError('BAD_REQUEST', 'malformed multipart/form-data body', { cause }));
            sink.destroy();
            resolve();
          });
          sink.once('finish', () => stored());
          sink.on('error', stored);
          stream.pipe(sink);
        }),
      );
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(multipartErrors.fieldTooLarge(name));
      else if (count(Buffer.byteLength(value))) {
        fields[name] = value;
        digest?.field(name, value);
      }
    });
    bb.on('filesLimit', () => fail(multipartErrors.tooManyFiles()));
    bb.on('fieldsLimit', () => fail(multipartErrors.tooManyFields()));
    bb.on('partsLimit', () => fail(multipartErrors.tooManyParts()));
    bb.on('error', (cause) => fail(new AppError('BAD_REQUEST', 'malformed multipart/form-data body', { cause })));
    bb.on('close', () => {
      void Promise.all(writes).then(() => {
        if (!failed) resolve({ files: files.filter((f): f is UploadedFile => f !== undefined), fields });
      });
    });
    if (buffered) {
      bb.end(buffered);
      return;
    }
    req.on('aborted', () => fail(new AppError('BAD_REQUEST', 'the client aborted the upload')));
    req.pipe(bb);
  });
}

/** Boundaries and part headers on top of the parts' bytes: a declared length over the limit by more is refused at once. */
const MULTIPART_FRAMING_ALLOWANCE = 64 * 1024;
const DEFAULT_FILES = 20;
const DEFAULT_FIELDS = 50;
const DEFAULT_FIELD_BYTES = 1_048_576;
const MAX_PARTS = 100;

function spooledFile(field: string, info: { filename?: string; mimeType: string }, size: number, where: PartSink['result']): UploadedFile {
  let data: Buffer | undefined = 'bytes' in where ? where.bytes : undefined;
  const path = 'path' in where ? where.path : '';
  return {
    field,
    filename: info.filename ?? '',
    mimeType: info.mimeType,
    size,
    get data(): Buffer {
      if (data) return data;
      try {
        data = readFileSync(path);
      } catch (cause) {
        throw new AppError('BAD_REQUEST', 'the upload is no longer available (the request ended)', { cause });
      }
      return data;
    },
  };
}

/** The one file of a field, or a VALIDATION_FAILED naming the field. */
export function requireFile(body: MultipartBody, field: string): UploadedFile {
  const f = body.files.filter((x) => x.field === field);
  if (f.length !== 1 || !f[0])
    throw new AppError('VALIDATION_FAILED', `expected exactly one file in form field "${field}"`, { details: { field } });
  return f[0];
}
