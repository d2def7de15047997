import type { Request } from 'express';
import busboy from 'busboy';
import { readFileSync } from 'node:fs';
import { UploadSpool } from './upload-spool.js';
import { PartSink } from './part-sink.js';
import { AppError } from '../core/errors.js';
import { bodyRead, hasGate } from './idempotency/gate.js';
import { MultipartDigest, rawDigest } from './idempotency/request-digest.js';

/**
 * Body readers with hard limits. A raw body (one document) is buffered, bounded by its limit.
 * Multipart parts are streamed to a private temp file each (directory 0700, files 0600) while
 * they arrive, so a request refused half way (a part over `fileBytes`, the parts together over
 * `requestBytes`) never held its parts in memory; a part's bytes are read from disk when a
 * handler asks for them (`data`). A route may keep small parts in memory (`memoryPartBytes`). The files are removed when the response ends, also on error
 * or client abort.
 */

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
    return Promise.reject(requestTooLarge(requestBytes));
  }
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fileSize: limits.fileBytes,
          files: limits.files ?? 20,
          fields: limits.fields ?? 50,
          fieldSize: limits.fieldBytes ?? 1_048_576,
          parts: 100,
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
      fail(requestTooLarge(requestBytes));
      return false;
    };
    const tooLarge = () =>
      fail(
        new AppError('PAYLOAD_TOO_LARGE', `upload exceeds ${limits.fileBytes} bytes`, {
          details: { limit: limits.fileBytes, scope: 'file' },
        }),
      );
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
      if (info.valueTruncated) fail(new AppError('PAYLOAD_TOO_LARGE', `form field ${name} too large`));
      else if (count(Buffer.byteLength(value))) {
        fields[name] = value;
        digest?.field(name, value);
      }
    });
    bb.on('filesLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many files in upload')));
    bb.on('fieldsLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many form fields')));
    bb.on('partsLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many parts in upload')));
    bb.on('error', (cause) => fail(new AppError('BAD_REQUEST', 'malformed multipart/form-data body', { cause })));
    bb.on('close', () => {
      void Promise.all(writes).then(() => {
        if (!failed) resolve({ files: files.filter((f): f is UploadedFile => f !== undefined), fields });
      });
    });
    req.on('aborted', () => fail(new AppError('BAD_REQUEST', 'the client aborted the upload')));
    req.pipe(bb);
  });
}

/** Boundaries and part headers on top of the parts' bytes: a declared length over the limit by more is refused at once. */
const MULTIPART_FRAMING_ALLOWANCE = 64 * 1024;

function requestTooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `the parts of this request exceed ${limit} bytes together`, {
    details: { limit, scope: 'request' },
  });
}

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
