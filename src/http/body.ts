import type { Request } from 'express';
import busboy from 'busboy';
import { AppError } from '../core/errors.js';

/**
 * Body readers with hard limits. Uploads are buffered in memory (bounded by the limit) because
 * every consumer (PDF reader, CSR parser) needs random access to the bytes anyway.
 */

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

export interface MultipartBody {
  readonly files: readonly UploadedFile[];
  readonly fields: Readonly<Record<string, string>>;
}

export interface MultipartLimits {
  readonly fileBytes: number;
  readonly files?: number;
  readonly fields?: number;
  readonly fieldBytes?: number;
}

/** Reads the whole body as bytes (e.g. application/ocsp-request, application/pdf). */
export function readRawBody(req: Request, limit: number): Promise<Buffer> {
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

/** Parses multipart/form-data (RFC 7578) with busboy; files and fields are bounded. */
export function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartBody> {
  const ct = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(ct)) {
    return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE', 'expected multipart/form-data'));
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
    const files: UploadedFile[] = [];
    const fields: Record<string, string> = {};
    let failed = false;
    const fail = (e: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    const tooLarge = () =>
      fail(new AppError('PAYLOAD_TOO_LARGE', `upload exceeds ${limits.fileBytes} bytes`, { details: { limit: limits.fileBytes } }));
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', tooLarge);
      stream.on('error', (cause: Error) => fail(new AppError('BAD_REQUEST', 'malformed multipart/form-data body', { cause })));
      stream.on('close', () => {
        if (!failed) files.push({ field, filename: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new AppError('PAYLOAD_TOO_LARGE', `form field ${name} too large`));
      else fields[name] = value;
    });
    bb.on('filesLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many files in upload')));
    bb.on('fieldsLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many form fields')));
    bb.on('partsLimit', () => fail(new AppError('PAYLOAD_TOO_LARGE', 'too many parts in upload')));
    bb.on('error', (cause) => fail(new AppError('BAD_REQUEST', 'malformed multipart/form-data body', { cause })));
    bb.on('close', () => {
      if (!failed) resolve({ files, fields });
    });
    req.pipe(bb);
  });
}

/** The one file of a field, or a VALIDATION_FAILED naming the field. */
export function requireFile(body: MultipartBody, field: string): UploadedFile {
  const f = body.files.filter((x) => x.field === field);
  if (f.length !== 1 || !f[0])
    throw new AppError('VALIDATION_FAILED', `expected exactly one file in form field "${field}"`, { details: { field } });
  return f[0];
}
