import { AppError } from '../core/errors.js';
import type { HashName } from '../core/signature-algorithms.js';
import { digestOf, randomNonce, type TimestampClient } from './timestamp-client.js';
import { encodeTimestampRequest } from './timestamp-request.js';
import { checkTimestampToken, parseTimestampResponse } from './timestamp-token.js';

/** The part of WHATWG fetch we use; injected so the domain stays free of real I/O in tests. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface HttpTimestampClientOptions {
  readonly url: string;
  readonly fetch?: FetchLike;
  /** Per attempt, default 10 s. */
  readonly timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts and 5xx; default 2. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** Upper bound on response size, default 256 KiB. */
  readonly maxResponseBytes?: number;
  readonly policyOid?: string;
  /** TSA certificates to use when the token carries none. */
  readonly certificates?: readonly Buffer[];
  readonly headers?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * RFC 3161 §3.4 HTTP transport: POST application/timestamp-query, expect
 * application/timestamp-reply. Bounded: every attempt has a timeout (AbortSignal) and the
 * number of attempts is fixed, so a signing request never hangs on a TSA.
 * Errors: TSA_UNAVAILABLE (network, timeout, HTTP error), TSA_RESPONSE_INVALID (garbage,
 * wrong imprint/nonce, bad signature), TSA_REQUEST_REJECTED (status not granted).
 */
export function createHttpTimestampClient(o: HttpTimestampClientOptions): TimestampClient {
  const doFetch: FetchLike = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const retries = o.retries ?? 2;
  const maxBytes = o.maxResponseBytes ?? 256 * 1024;

  async function attempt(body: Buffer): Promise<Buffer> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await doFetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply', ...o.headers },
        body,
        signal: ctl.signal,
      });
      if (res.status >= 500 || res.status === 429)
        throw new AppError('TSA_UNAVAILABLE', `timestamp authority answered HTTP ${res.status}`, { details: { retry: true } });
      if (res.status !== 200) throw new AppError('TSA_UNAVAILABLE', `timestamp authority answered HTTP ${res.status}`);
      const len = Number(res.headers.get('content-length') ?? '0');
      if (len > maxBytes) throw new AppError('TSA_RESPONSE_INVALID', 'timestamp response too large');
      const buf = Buffer.from(await res.arrayBuffer());
      if (buf.length > maxBytes) throw new AppError('TSA_RESPONSE_INVALID', 'timestamp response too large');
      return buf;
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError(
        'TSA_UNAVAILABLE',
        ctl.signal.aborted ? 'timestamp authority did not answer in time' : 'timestamp authority unreachable',
        {
          cause: e,
          details: { retry: true },
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async timestamp(input, hash: HashName = 'sha256') {
      const digest = digestOf(input, hash);
      const nonce = randomNonce();
      const body = encodeTimestampRequest({ hash, digest, nonce, certReq: true, ...(o.policyOid ? { policyOid: o.policyOid } : {}) });
      let raw: Buffer | undefined;
      let last: unknown;
      for (let i = 0; i <= retries && !raw; i++) {
        if (i > 0) await sleep((o.retryDelayMs ?? 200) * i);
        try {
          raw = await attempt(body);
        } catch (e) {
          last = e;
          if (!(e instanceof AppError) || e.details?.retry !== true) throw e;
        }
      }
      if (!raw) throw last instanceof AppError ? last : new AppError('TSA_UNAVAILABLE', 'timestamp authority unreachable', { cause: last });
      const resp = parseTimestampResponse(raw);
      if (resp.status !== 0 && resp.status !== 1) {
        throw new AppError('TSA_REQUEST_REJECTED', 'timestamp authority rejected the request', {
          details: { status: resp.status, failInfo: resp.failInfo, text: resp.statusText.join('; ') },
        });
      }
      if (!resp.token) throw new AppError('TSA_RESPONSE_INVALID', 'granted timestamp response without a token');
      checkTimestampToken(resp.token, { digest, hash, nonce, ...(o.certificates ? { certificates: o.certificates } : {}) });
      return resp.token;
    },
  };
}
