import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { TokenSession } from './token-access.js';

/**
 * Declared batches of `kyso agent`: the page declares up front how many documents it will have
 * signed and their names, the official confirms that once, the token logs in once, and the page
 * then sends the documents' signed attributes in several calls (while the server prepares the
 * next ones and completes the previous ones). This is the batch authorization of the Cloud
 * Signature Consortium API (credentials/authorize with numSignatures) and of SCAL2
 * (CEN/TS 119 432: the signer's one authorization covers an announced set of documents).
 *
 * What keeps the held login bounded:
 * - never more signatures than declared, each declared index signed at most once;
 * - only the origin that opened the batch may use or end it (checked on every call);
 * - the batch ends — C_Logout and C_CloseSession — when every declared document was signed, on
 *   DELETE, after `idleMs` without a call (none running), on any error of a call, and when the
 *   agent stops;
 * - the id is 256 random bits, never logged.
 */
export interface DeclaredBatch {
  readonly origin: string;
  /** The token's label, for the agent's log. */
  readonly token: string;
  readonly algorithm: string;
  readonly names: readonly string[];
}

/** A batch being used by a call: what was declared and the held login. */
export interface HeldBatch extends DeclaredBatch {
  readonly session: TokenSession;
}

interface Open extends HeldBatch {
  /** Indexes given to a call so far (being signed or signed). */
  readonly claimed: Set<number>;
  signed: number;
  running: number;
  timer: NodeJS.Timeout | undefined;
}

export class DeclaredBatches {
  readonly #open = new Map<string, Open>();
  readonly #idleMs: number;
  readonly #log: (line: string) => void;

  constructor(o: { idleMs: number; log: (line: string) => void }) {
    this.#idleMs = o.idleMs;
    this.#log = o.log;
  }

  get idleMs(): number {
    return this.#idleMs;
  }

  /** Registers a confirmed batch whose login `session` holds; returns its id. */
  add(batch: DeclaredBatch, session: TokenSession): string {
    const id = randomBytes(32).toString('base64url');
    const open: Open = { ...batch, session, claimed: new Set(), signed: 0, running: 0, timer: undefined };
    this.#open.set(id, open);
    this.#arm(id, open);
    this.#log(`batch opened: ${batch.names.length} documents for ${batch.origin} (${batch.token}), login held until it ends`);
    return id;
  }

  /**
   * Runs one call of the batch `id` from `origin`: `work` gets the batch and its result is
   * returned. No idle timeout runs meanwhile, so `work` must not wait on the page (its request
   * body is read before); any error ends the batch (and is rethrown).
   */
  async use<T>(id: string, origin: string, work: (b: HeldBatch, claim: (indexes: readonly number[]) => void) => Promise<T>): Promise<T> {
    const open = this.#find(id, origin);
    clearTimeout(open.timer);
    open.running++;
    try {
      return await work(open, (indexes) => this.#claim(open, indexes));
    } catch (e) {
      void this.end(id, 'an error');
      throw e;
    } finally {
      open.running--;
      if (this.#open.get(id) === open) this.#arm(id, open);
    }
  }

  /** A call of `id` from `origin` that failed before it could run (its body unreadable): the batch ends as on any error of a call. */
  fail(id: string, origin: string, error: unknown): Promise<never> {
    this.#find(id, origin);
    void this.end(id, 'an error');
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  /** Counts `n` more signatures made; the batch ends (logout) once every declared document is signed. */
  signed(id: string, n: number): number {
    const open = this.#open.get(id);
    if (!open) return 0;
    open.signed += n;
    const left = open.names.length - open.signed;
    if (left === 0) void this.end(id, 'every document signed');
    return left;
  }

  /** Ends the batch `id` for `origin` (the page's DELETE). */
  async close(id: string, origin: string): Promise<void> {
    this.#find(id, origin);
    await this.end(id, 'ended by the page');
  }

  /** Ends the batch: refused from now on, logged out once any signature already running is done. */
  async end(id: string, why: string): Promise<void> {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    clearTimeout(open.timer);
    await open.session.close().catch(() => undefined);
    this.#log(`batch ended (${why}): ${open.signed} of ${open.names.length} signed for ${open.origin}, token logged out`);
  }

  /** Ends every batch (the agent stops). */
  async endAll(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((id) => this.end(id, 'the agent stops')));
  }

  #find(id: string, origin: string): Open {
    const open = this.#open.get(id);
    if (!open)
      throw new AppError('NOT_FOUND', 'no such batch: it has ended (all signed, ended by the page, idle, or an error) or never existed');
    if (open.origin !== origin) {
      // Someone else holds this batch's id: the batch is not trusted any more.
      void this.end(id, `used from another origin, ${origin}`);
      throw new AppError('AGENT_ORIGIN_NOT_ALLOWED', 'this batch was opened by another origin');
    }
    return open;
  }

  /** Takes `indexes` for one call: each a declared index, not taken before, not twice. */
  #claim(open: Open, indexes: readonly number[]): void {
    const n = open.names.length;
    const seen = new Set<number>();
    for (const i of indexes) {
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new AppError('VALIDATION_FAILED', `index ${String(i)} is not one of the ${n} documents declared`);
      if (open.claimed.has(i) || seen.has(i)) throw new AppError('CONFLICT', `document ${i} of the batch was already given to sign`);
      seen.add(i);
    }
    for (const i of seen) open.claimed.add(i);
  }

  #arm(id: string, open: Open): void {
    if (open.running > 0) return;
    clearTimeout(open.timer);
    open.timer = setTimeout(() => void this.end(id, `idle for ${Math.round(this.#idleMs / 1000)} s`), this.#idleMs);
    open.timer.unref();
  }
}
