import { AppError } from '../core/errors.js';
import type { OriginPolicy } from './origins.js';
import type { Prompter } from './prompter.js';

/**
 * Pairing requests (`POST /v1/pair`). Any web page may send one, so what a page not yet trusted
 * can cost the official is bounded:
 * - one pairing question at a time, whichever page asks: another request meanwhile is refused
 *   at once (AGENT_PAIRING_PENDING, HTTP 429) instead of queueing a question;
 * - the question is asked with low priority: a paired page's signature question waiting at the
 *   same time is printed first;
 * - it is withdrawn (unseen if not yet printed) when the page's request ends, and expires after
 *   `timeoutMs` without an answer; both refuse the pairing.
 */
export class Pairing {
  readonly #policy: OriginPolicy;
  readonly #prompter: Prompter;
  readonly #timeoutMs: number;
  readonly #log: (line: string) => void;
  #pending = false;

  constructor(o: { policy: OriginPolicy; prompter: Prompter; timeoutMs: number; log: (line: string) => void }) {
    this.#policy = o.policy;
    this.#prompter = o.prompter;
    this.#timeoutMs = o.timeoutMs;
    this.#log = o.log;
  }

  /** Pairs `origin` once the official allowed it (or at once when `approved`); `gone` aborts when the page's request ends. */
  async request(origin: string, body: Record<string, unknown>, gone: AbortSignal, approved: boolean): Promise<{ paired: true }> {
    if (this.#policy.isPaired(origin)) return { paired: true };
    const code = typeof body.code === 'string' && /^\d{6}$/.test(body.code) ? body.code : '';
    if (!code) throw new AppError('VALIDATION_FAILED', 'pairing needs the 6-digit code the page shows');
    if (!approved) await this.#ask(origin, code, gone);
    this.#policy.pair(origin);
    this.#log(`paired: ${origin}`);
    return { paired: true };
  }

  async #ask(origin: string, code: string, gone: AbortSignal): Promise<void> {
    if (this.#pending) throw new AppError('AGENT_PAIRING_PENDING', 'another pairing request is waiting for the official: ask again later');
    this.#pending = true;
    const expired = new AbortController();
    const timer = setTimeout(() => expired.abort(), this.#timeoutMs);
    const seconds = Math.round(this.#timeoutMs / 1000);
    try {
      // The official types the code the page shows; the agent does not show it. A stray "y" (a key
      // pressed twice, an answer typed ahead) can then never pair a page, and the official pairs
      // the page in front of them, not whichever one asked (Bluetooth's passkey entry works so).
      const answer = await this.#prompter.ask(
        `\nYêu cầu kết nối / pairing request\n  Trang web / origin: ${origin}\n` +
          `Gõ mã 6 chữ số trang đó đang hiển thị để đồng ý, Enter để từ chối (trong ${seconds} giây)\n` +
          `Type the 6-digit code that page shows to allow it, Enter refuses (within ${seconds} s): `,
        { signal: AbortSignal.any([gone, expired.signal]), priority: 'low' },
      );
      if (expired.signal.aborted) {
        this.#log(`pairing refused: ${origin} (no answer within ${seconds} s)`);
        throw new AppError('AGENT_REFUSED', `the pairing was not answered in the agent within ${seconds} s`);
      }
      if (gone.aborted) {
        this.#log(`pairing withdrawn: ${origin} (the page's request ended)`);
        throw new AppError('AGENT_REFUSED', "the page's request ended before the official answered");
      }
      if (answer !== code) {
        this.#log(`pairing refused: ${origin}`);
        throw new AppError('AGENT_REFUSED', 'the pairing was refused in the agent');
      }
    } finally {
      clearTimeout(timer);
      this.#pending = false;
    }
  }
}
