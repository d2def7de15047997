import type { Problem } from './types.js';

type RequestBody = NonNullable<RequestInit['body']>;

/** A failure answered by the service (problem+json), or the last network error after the retries. */
export class KysoError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;

  constructor(status: number, code: string, message: string, problem?: Problem) {
    super(`${code}: ${message}`);
    this.name = 'KysoError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
  /** Retries after the first try, on network errors, 5xx and 429. Default 3. */
  readonly retries?: number;
  /** First backoff; doubles per retry (a 429's Retry-After wins when longer). Default 250 ms. */
  readonly backoffMs?: number;
}

export interface CallOptions {
  readonly method: string;
  readonly path: string;
  /** Built again for each try (a FormData's streams are consumed by a send). */
  readonly body?: () => RequestBody;
  readonly json?: unknown;
  /**
   * Creating calls send one Idempotency-Key for the logical call and keep it across retries, so
   * the service can answer a retry with the first result instead of doing the work twice.
   */
  readonly idempotent?: boolean;
  readonly accept?: string;
}

/** fetch with the bearer token, bounded retries and one idempotency key per logical call. */
export class Transport {
  readonly #o: TransportOptions;
  readonly #fetch: typeof fetch;

  constructor(o: TransportOptions) {
    this.#o = o;
    this.#fetch = o.fetch ?? globalThis.fetch;
  }

  async call(c: CallOptions): Promise<Response> {
    const key = c.idempotent ? globalThis.crypto.randomUUID() : undefined;
    const retries = this.#o.retries ?? 3;
    let delay = this.#o.backoffMs ?? 250;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: c.accept ?? 'application/json' };
      if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
      if (key) headers['idempotency-key'] = key;
      let body: RequestBody | undefined = c.body?.();
      if (c.json !== undefined) {
        body = JSON.stringify(c.json);
        headers['content-type'] = 'application/json';
      }
      let res: Response;
      try {
        res = await this.#fetch(new URL(c.path, this.#o.baseUrl), { method: c.method, headers, ...(body !== undefined ? { body } : {}) });
      } catch (e) {
        if (attempt >= retries) throw new KysoError(0, 'NETWORK', e instanceof Error ? e.message : String(e));
        await sleep(delay);
        delay *= 2;
        continue;
      }
      if ((res.status >= 500 || res.status === 429) && attempt < retries) {
        const after = Number(res.headers.get('retry-after'));
        await res.arrayBuffer().catch(() => undefined);
        await sleep(Number.isFinite(after) && after > 0 ? Math.max(delay, after * 1000) : delay);
        delay *= 2;
        continue;
      }
      if (!res.ok) throw await problemOf(res);
      return res;
    }
  }

  async json<T>(c: CallOptions): Promise<T> {
    return (await (await this.call(c)).json()) as T;
  }

  async bytes(c: CallOptions): Promise<Uint8Array> {
    return new Uint8Array(await (await this.call({ accept: 'application/pdf', ...c })).arrayBuffer());
  }
}

async function problemOf(res: Response): Promise<KysoError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as Problem;
    if (typeof p.code === 'string') return new KysoError(res.status, p.code, p.detail ?? p.title ?? '', p);
  } catch {
    // not a problem document
  }
  return new KysoError(res.status, 'HTTP_' + res.status, text.slice(0, 200));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
