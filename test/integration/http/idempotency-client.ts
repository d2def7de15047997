/** A fetch wrapper for the Idempotency-Key tests: one request with a key, and "retry while in progress". */
export interface KeyedAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  text(): string;
  json(): Record<string, any>;
}

export async function sendWithKey(
  baseUrl: string,
  method: string,
  path: string,
  o: { token: string; key: string; form?: FormData; json?: unknown; raw?: string },
): Promise<KeyedAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}`, 'idempotency-key': o.key };
  let body: string | FormData | undefined = o.form;
  if (o.json !== undefined || o.raw !== undefined) {
    body = o.raw ?? JSON.stringify(o.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  return answer(res);
}

/** The same request whose answer is lost: the client gives up as soon as the answer starts (a time-out after the server did the work). */
export async function sendAndDrop(
  baseUrl: string,
  method: string,
  path: string,
  o: { token: string; key: string; form: FormData },
): Promise<void> {
  const abort = new AbortController();
  await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${o.token}`, 'idempotency-key': o.key },
    body: o.form,
    signal: abort.signal,
  });
  abort.abort();
}

async function answer(res: Response): Promise<KeyedAnswer> {
  const buf = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    body: buf,
    text: () => buf.toString('utf8').slice(0, 500),
    json: () => JSON.parse(buf.toString('utf8')) as Record<string, unknown>,
  };
}

/** Sends again while the first request with the key is still running (409 IDEMPOTENCY_IN_PROGRESS), as a client honouring Retry-After would. */
export async function untilAnswered(send: () => Promise<KeyedAnswer>, seen: number[] = []): Promise<KeyedAnswer> {
  for (;;) {
    const a = await send();
    if (a.status !== 409 || a.json().code !== 'IDEMPOTENCY_IN_PROGRESS') return a;
    seen.push(a.status);
    await new Promise((r) => setTimeout(r, 100));
  }
}
