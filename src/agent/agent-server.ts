import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, isAppError } from '../core/errors.js';
import { isAlways, isYes, type Prompter } from './prompter.js';
import { Pairing } from './pairing.js';
import { isLoopbackHost, normalOrigin, type OriginPolicy } from './origins.js';
import { digestOf, tokenHeld, type AgentCertificate, type TokenAccess } from './token-access.js';
import { DeclaredBatches, type HeldBatch } from './declared-batches.js';

/**
 * `kyso agent`: the local signing service the workstation page calls for USB-token signatures
 * (the role of DSS NexU and the token vendors' browser plug-ins). HTTP on 127.0.0.1 only.
 *
 * Every request is checked before anything else: the Host header must be the loopback name
 * and port (DNS rebinding), the Origin header must be present and, except for the presence
 * probe and the pairing request, paired. CORS headers (Fetch standard §3.2) are sent only to
 * the origins allowed for that path, preflights included, so a page of another origin cannot
 * even read an answer. Nothing is signed without the official's confirmation in the agent
 * (unless they trusted that origin for this run), and the PIN is never logged.
 */
export const DEFAULT_AGENT_PORTS = [17650, 17651, 17652] as const;

export interface AgentOptions {
  readonly policy: OriginPolicy;
  readonly tokens: TokenAccess;
  readonly prompter: Prompter;
  /** Origins approved without asking (pairing and signatures). For automated tests only. */
  readonly autoApprove?: readonly string[];
  /** A declared batch ends after this long without a call (default 60 000 ms). */
  readonly batchIdleMs?: number;
  /** A pairing question not answered within this long is withdrawn and the pairing refused (default 60 000 ms). */
  readonly pairTimeoutMs?: number;
  /** Time a client has to send a whole request, headers and body (default 15 000 ms). */
  readonly requestTimeoutMs?: number;
  /**
   * Writes one log entry: a line, or several lines joined by '\n' (the signatures of one call
   * are logged in one write, a line per document; the texts the page sends contain no line breaks,
   * promptText refuses control characters).
   */
  readonly log: (lines: string) => void;
}

/** Paths any well-formed origin may call (they reveal nothing and change nothing without the official). */
const OPEN_PATHS = new Set(['/v1/hello', '/v1/pair']);
const MAX_BODY = 256 * 1024;
/** A batch: at most this many documents (one confirmation, one login), and the body size of a request. */
export const MAX_BATCH_ITEMS = 100;
const MAX_BATCH_BODY = 1024 * 1024;
/** Document names the batch prompt shows; the rest are counted. */
const PROMPT_NAMES = 10;

const STATUS: Record<string, number> = {
  AGENT_ORIGIN_NOT_ALLOWED: 403,
  AGENT_REFUSED: 403,
  AGENT_PAIRING_PENDING: 429,
  PIN_INVALID: 403,
  KEY_LOCKED: 423,
  KEY_NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
};
/** A declared batch's path: /v1/sign/batches/<the id DeclaredBatches made: 32 random bytes, base64url>. */
const BATCH_PATH = /^\/v1\/sign\/batches\/([A-Za-z0-9_-]{43})$/;

export class AgentServer {
  readonly #o: AgentOptions;
  readonly #server: Server;
  readonly #batches: DeclaredBatches;
  readonly #pairing: Pairing;
  #port = 0;

  constructor(o: AgentOptions) {
    this.#o = o;
    this.#batches = new DeclaredBatches({ idleMs: o.batchIdleMs ?? 60_000, log: o.log });
    this.#pairing = new Pairing({ policy: o.policy, prompter: o.prompter, timeoutMs: o.pairTimeoutMs ?? 60_000, log: o.log });
    // Node's defaults let a client take 300 s to send a request (60 s for the headers); every
    // request to the agent is small and local, so a slow one is cut short. The limit covers
    // receiving the request only, not the time the official takes to answer a question. The
    // connections are checked every second (default 30 s) so that the limit is kept.
    const requestTimeout = o.requestTimeoutMs ?? 15_000;
    this.#server = createServer(
      { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout) },
      (req, res) => void this.#handle(req, res),
    );
  }

  /** Listens on 127.0.0.1 at the first free port of `ports` (0 = any). */
  async listen(ports: readonly number[]): Promise<number> {
    let last: unknown;
    for (const p of ports) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: unknown): void => reject(e);
          this.#server.once('error', onError);
          this.#server.listen(p, '127.0.0.1', () => {
            this.#server.off('error', onError);
            resolve();
          });
        });
        this.#port = (this.#server.address() as AddressInfo).port;
        return this.#port;
      } catch (e) {
        last = e;
      }
    }
    throw new AppError('CONFIG_INVALID', `no free port for the agent among ${ports.join(', ')}`, { cause: last });
  }

  /** Stops listening; every declared batch ends (its token logged out). */
  async close(): Promise<void> {
    await this.#batches.endAll();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const origin = normalOrigin(req.headers.origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Aborts when the page's request ends before the answer is sent (the page gave up, the tab
    // closed): a question asked for it is then dropped or withdrawn.
    const ended = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ended.abort();
    });
    const gone = ended.signal;
    try {
      if (!isLoopbackHost(req.headers.host, this.#port)) throw new AppError('AGENT_ORIGIN_NOT_ALLOWED', 'foreign Host header');
      if (!origin) throw new AppError('AGENT_ORIGIN_NOT_ALLOWED', 'the request has no web origin');
      const open = OPEN_PATHS.has(path);
      const allowed = open || this.#o.policy.isPaired(origin);
      if (allowed) this.#cors(req, res, origin);
      if (req.method === 'OPTIONS') {
        if (!allowed) throw new AppError('AGENT_ORIGIN_NOT_ALLOWED', `${origin} is not paired with this agent`);
        res.writeHead(204).end();
        return;
      }
      if (!allowed) {
        this.#o.log(`refused: ${origin} (not paired) ${req.method} ${path}`);
        throw new AppError('AGENT_ORIGIN_NOT_ALLOWED', `${origin} is not paired with this agent`);
      }
      const route = `${req.method} ${path}`;
      if (route === 'GET /v1/hello') return this.#json(res, 200, { agent: 'kyso', version: 1, paired: this.#o.policy.isPaired(origin) });
      if (route === 'POST /v1/pair')
        return this.#json(res, 200, await this.#pairing.request(origin, await readJson(req), gone, this.#auto(origin)));
      if (route === 'GET /v1/certificates') return this.#json(res, 200, { certificates: await this.#o.tokens.list() });
      if (route === 'POST /v1/sign') return this.#json(res, 200, await this.#sign(origin, await readJson(req), gone));
      if (route === 'POST /v1/sign/batch')
        return this.#json(res, 200, await this.#signBatch(origin, await readJson(req, MAX_BATCH_BODY), gone));
      if (route === 'POST /v1/sign/batches')
        return this.#json(res, 201, await this.#openBatch(origin, await readJson(req, MAX_BATCH_BODY), gone));
      const batchId = BATCH_PATH.exec(path)?.[1];
      if (batchId && req.method === 'POST') {
        // The body is read before the batch is used: while a call is in use() the batch's idle
        // timeout is stopped, and a body that never ends must not keep the token logged in.
        const body = await readJson(req, MAX_BATCH_BODY).catch((e: unknown) => this.#batches.fail(batchId, origin, e));
        return this.#json(res, 200, await this.#batches.use(batchId, origin, (b, claim) => this.#signInBatch(batchId, b, claim, body)));
      }
      if (batchId && req.method === 'DELETE') {
        await this.#batches.close(batchId, origin);
        res.writeHead(204).end();
        return;
      }
      throw new AppError('NOT_FOUND', `no route ${route}`);
    } catch (err) {
      const e = isAppError(err) ? err : new AppError('INTERNAL', 'agent error', { cause: err });
      this.#json(res, STATUS[e.code] ?? 500, { title: e.code, code: e.code, detail: e.message }, 'application/problem+json');
    }
  }

  #cors(req: IncomingMessage, res: ServerResponse, origin: string): void {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '60');
    // Private Network Access: a public https page may reach the loopback agent only if it says so.
    if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }

  #json(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
    res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8` }).end(JSON.stringify(body));
  }

  #auto(origin: string): boolean {
    return (this.#o.autoApprove ?? []).includes(origin);
  }

  async #sign(origin: string, body: Record<string, unknown>, gone: AbortSignal): Promise<{ signature: string }> {
    const certificateId = promptText(body.certificateId, 'certificateId', 600);
    const algorithm = promptText(body.algorithm, 'algorithm', 40);
    const documentName = promptText(body.documentName, 'documentName', 300);
    const data = b64(body.signedAttributes, 'signedAttributes');
    // The page also sends the server's digest: a mismatch means the page is confused, sign nothing.
    if (body.digest !== undefined && !digestOf(algorithm, data).equals(b64(body.digest, 'digest')))
      throw new AppError('VALIDATION_FAILED', 'the digest does not match the signed attributes');
    const cert = await this.#certificate(certificateId);
    const who = cert.subject.replace(/\n/g, ', ');
    if (!this.#auto(origin) && !this.#o.policy.isTrustedForSession(origin)) {
      const a = await this.#o.prompter.ask(
        `\nYêu cầu ký / signature request\n  Trang web / origin: ${origin}\n  Văn bản / document: ${documentName}\n  Chứng thư / certificate: ${who}\n` +
          `Ký? / Sign? [y = có, a = có và không hỏi lại trang này đến khi tắt agent / always for this origin, N = không] `,
        { signal: gone },
      );
      stillAsked(gone);
      if (isAlways(a)) this.#o.policy.trustForSession(origin);
      else if (!isYes(a)) {
        this.#o.log(`signature refused: ${documentName} for ${origin}`);
        throw new AppError('AGENT_REFUSED', 'the signature was refused in the agent');
      }
    }
    const pin = await this.#pin(body, cert.token, gone);
    const signature = await this.#o.tokens.sign(certificateId, algorithm, data, pin);
    this.#o.log(`signed: ${documentName} for ${origin} (${cert.token})`);
    return { signature: signature.toString('base64') };
  }

  /**
   * A selection signed as one ("ký hàng loạt"): every item is checked as in /v1/sign before
   * anything is asked, the official confirms the batch once (its size and the documents' names,
   * the first PROMPT_NAMES shown), and the token signs every item in one login (C_Logout at the
   * end, also on failure). The signatures come back in the items' order.
   */
  async #signBatch(origin: string, body: Record<string, unknown>, gone: AbortSignal): Promise<{ signatures: string[] }> {
    const certificateId = promptText(body.certificateId, 'certificateId', 600);
    const algorithm = promptText(body.algorithm, 'algorithm', 40);
    if (!Array.isArray(body.items) || body.items.length === 0 || body.items.length > MAX_BATCH_ITEMS)
      throw new AppError('VALIDATION_FAILED', `items must list 1 to ${MAX_BATCH_ITEMS} documents`);
    const items = body.items.map((raw: unknown, i) => {
      const item = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
      const documentName = promptText(item.documentName, `items[${i}].documentName`, 300);
      const data = b64(item.signedAttributes, `items[${i}].signedAttributes`);
      if (item.digest !== undefined && !digestOf(algorithm, data).equals(b64(item.digest, `items[${i}].digest`)))
        throw new AppError('VALIDATION_FAILED', `items[${i}]: the digest does not match the signed attributes`);
      return { documentName, data };
    });
    const cert = await this.#certificate(certificateId);
    await this.#confirmBatch(
      origin,
      items.map((x) => x.documentName),
      cert.subject,
      gone,
    );
    const pin = await this.#pin(body, cert.token, gone);
    const signatures = await this.#o.tokens.signMany(
      certificateId,
      algorithm,
      items.map((x) => x.data),
      pin,
    );
    this.#o.log(items.map((x) => `signed: ${x.documentName} for ${origin} (${cert.token})`).join('\n'));
    return { signatures: signatures.map((s) => s.toString('base64')) };
  }

  /**
   * Opens a declared batch (POST /v1/sign/batches {certificateId, algorithm, documentNames, pin?}):
   * the official confirms the count and the names as for /v1/sign/batch, the token logs in once and
   * stays logged in for this batch only (DeclaredBatches says until when). A wrong PIN fails here.
   */
  async #openBatch(
    origin: string,
    body: Record<string, unknown>,
    gone: AbortSignal,
  ): Promise<{ batchId: string; documents: number; idleSeconds: number }> {
    const certificateId = promptText(body.certificateId, 'certificateId', 600);
    const algorithm = promptText(body.algorithm, 'algorithm', 40);
    const raw = body.documentNames;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH_ITEMS)
      throw new AppError('VALIDATION_FAILED', `documentNames must list 1 to ${MAX_BATCH_ITEMS} documents`);
    const names = raw.map((n: unknown, i) => promptText(n, `documentNames[${i}]`, 300));
    const cert = await this.#certificate(certificateId);
    await this.#confirmBatch(origin, names, cert.subject, gone);
    const pin = await this.#pin(body, cert.token, gone);
    const session = await this.#o.tokens.openSession(certificateId, algorithm, pin);
    const batchId = this.#batches.add({ origin, token: cert.token, names, algorithm }, session);
    return { batchId, documents: names.length, idleSeconds: Math.round(this.#batches.idleMs / 1000) };
  }

  /**
   * One call of a declared batch (POST /v1/sign/batches/{id} {items: [{index, signedAttributes,
   * digest?}]}): every item is checked and its index taken before anything is signed; the
   * signatures come back in the items' order with the number of documents still to sign.
   */
  async #signInBatch(
    batchId: string,
    b: HeldBatch,
    claim: (indexes: readonly number[]) => void,
    body: Record<string, unknown>,
  ): Promise<{ signatures: string[]; remaining: number }> {
    if (!Array.isArray(body.items) || body.items.length === 0 || body.items.length > b.names.length)
      throw new AppError('VALIDATION_FAILED', `items must list 1 to ${b.names.length} documents`);
    const items = body.items.map((raw: unknown, k) => {
      const item = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
      const data = b64(item.signedAttributes, `items[${k}].signedAttributes`);
      if (item.digest !== undefined && !digestOf(b.algorithm, data).equals(b64(item.digest, `items[${k}].digest`)))
        throw new AppError('VALIDATION_FAILED', `items[${k}]: the digest does not match the signed attributes`);
      return { index: item.index as number, data };
    });
    claim(items.map((x) => x.index));
    const signatures = await b.session.sign(items.map((x) => x.data));
    this.#o.log(items.map((x) => `signed: ${b.names[x.index]!} for ${b.origin} (${b.token})`).join('\n'));
    return { signatures: signatures.map((s) => s.toString('base64')), remaining: this.#batches.signed(batchId, items.length) };
  }

  /** One question for a selection: the origin, the count, the first PROMPT_NAMES names, the certificate. */
  async #confirmBatch(origin: string, names: readonly string[], subject: string, gone: AbortSignal): Promise<void> {
    if (this.#auto(origin) || this.#o.policy.isTrustedForSession(origin)) return;
    const who = subject.replace(/\n/g, ', ');
    const shown = names
      .slice(0, PROMPT_NAMES)
      .map((x, i) => `    ${i + 1}. ${x}\n`)
      .join('');
    const more =
      names.length > PROMPT_NAMES ? `    … và ${names.length - PROMPT_NAMES} văn bản khác / and ${names.length - PROMPT_NAMES} more\n` : '';
    const a = await this.#o.prompter.ask(
      `\nYêu cầu ký hàng loạt / batch signature request\n  Trang web / origin: ${origin}\n` +
        `  Số văn bản / documents: ${names.length}\n${shown}${more}  Chứng thư / certificate: ${who}\n` +
        `Ký tất cả? / Sign all? [y = có, a = có và không hỏi lại trang này đến khi tắt agent / always for this origin, N = không] `,
      { signal: gone },
    );
    stillAsked(gone);
    if (isAlways(a)) this.#o.policy.trustForSession(origin);
    else if (!isYes(a)) {
      this.#o.log(`batch of ${names.length} refused for ${origin}`);
      throw new AppError('AGENT_REFUSED', 'the signatures were refused in the agent');
    }
  }

  /** The certificate on a token present, refused before any question when a declared batch holds its token. */
  async #certificate(certificateId: string): Promise<AgentCertificate> {
    const cert = await this.#o.tokens.certificate(certificateId);
    if (!cert) throw new AppError('KEY_NOT_FOUND', 'no such certificate on the tokens present');
    if (this.#o.tokens.isHeld(cert)) throw tokenHeld();
    return cert;
  }

  /** The PIN the page sent, else asked in the agent's terminal; used for one login, never logged. */
  async #pin(body: Record<string, unknown>, token: string, gone: AbortSignal): Promise<string> {
    let pin = typeof body.pin === 'string' ? body.pin : '';
    if (!pin) pin = await this.#o.prompter.askSecret(`PIN của token ${token} / token PIN: `, { signal: gone });
    stillAsked(gone);
    if (!pin) throw new AppError('PIN_INVALID', 'no PIN was given');
    return pin;
  }
}

/** After a question: the page's request ended meanwhile, so nothing more is done for it. */
function stillAsked(gone: AbortSignal): void {
  if (gone.aborted) throw new AppError('AGENT_REFUSED', "the page's request ended before the official answered");
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const PROMPT_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

/** `v` as text the agent may print in its prompt (at most `max` UTF-16 units), else VALIDATION_FAILED. */
export function promptText(v: unknown, what: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new AppError('VALIDATION_FAILED', `${what} is required (text)`);
  // Shown in the official's terminal: no control characters that could rewrite the prompt, and no
  // invisible or direction-changing characters (Unicode bidi controls, UAX #9 §2; zero-width and
  // line/paragraph separators) that could make one name read as another.
  if (PROMPT_UNSAFE.test(v)) throw new AppError('VALIDATION_FAILED', `${what} contains control characters`);
  return v;
}

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) throw new AppError('VALIDATION_FAILED', `${what} must be base64`);
  return Buffer.from(v, 'base64');
}

async function readJson(req: IncomingMessage, maxBytes = MAX_BODY): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new AppError('BAD_REQUEST', 'the body must be application/json');
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'request too large');
    chunks.push(c);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new AppError('BAD_REQUEST', 'the body is not a JSON object');
}
