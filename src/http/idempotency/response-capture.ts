import type { Response } from 'express';
import type { StoredResponse } from '../../store/ports/idempotency-keys.js';

/**
 * Headers that belong to one exchange, not to the answer: never stored for replay. The request id
 * is the retry's own; lengths and framing are recomputed; cookies are never replayed.
 */
const NOT_REPLAYED = new Set([
  'x-request-id',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'set-cookie',
  'retry-after',
  'idempotent-replayed',
]);

/**
 * Keeps a copy of everything the handler sends and, when the handler ends the response, hands
 * the whole answer to `settle` before the last bytes go out: by the time a client has the answer,
 * its record is stored, so a retry after a received answer is replayed rather than told to wait.
 * The answer is held in memory only for this request; `settle` decides what is kept.
 */
export function captureResponse(res: Response, settle: (r: StoredResponse, clientGone: boolean) => Promise<void>): void {
  const chunks: Buffer[] = [];
  // The client may give up (a time-out) while the handler still works; the handler then goes on.
  let ended = false;
  let clientGone = false;
  res.once('close', () => {
    if (!ended) clientGone = true;
  });
  const keep = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  const patched = res as unknown as { write: (...a: unknown[]) => boolean; end: (...a: unknown[]) => Response };
  patched.write = (...a: unknown[]) => {
    keep(a[0], a[1]);
    return write(...a);
  };
  patched.end = (...a: unknown[]) => {
    ended = true;
    keep(a[0], a[1]);
    patched.write = write;
    patched.end = end;
    void settle({ status: res.statusCode, headers: replayHeaders(res), body: Buffer.concat(chunks) }, clientGone).finally(() => end(...a));
    return res;
  };
}

function replayHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined || NOT_REPLAYED.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
