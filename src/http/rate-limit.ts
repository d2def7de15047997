import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';

/**
 * In-memory token bucket per client IP for the public endpoints (verify, lookup, OCSP, CRL).
 * One bucket per IP: `burst` tokens, refilled at `perMinute`/60 tokens per second. Memory is
 * bounded: at most `maxClients` buckets, the least recently seen evicted first (Map keeps
 * insertion order; a touched bucket is re-inserted). Per-process only; behind several instances
 * a shared limiter at the reverse proxy is the right tool.
 */
export interface RateLimitOptions {
  readonly perMinute: number;
  readonly burst: number;
  readonly clock: Clock;
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #ratePerMs: number;
  readonly #max: number;
  constructor(private readonly o: RateLimitOptions) {
    this.#ratePerMs = o.perMinute / 60_000;
    this.#max = o.maxClients ?? 50_000;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until a token is available. */
  take(key: string): number {
    if (this.o.perMinute === 0) return 0;
    const now = this.o.clock.now().getTime();
    const b = this.#buckets.get(key) ?? { tokens: this.o.burst, at: now };
    this.#buckets.delete(key);
    b.tokens = Math.min(this.o.burst, b.tokens + Math.max(0, now - b.at) * this.#ratePerMs);
    b.at = now;
    let wait = 0;
    if (b.tokens >= 1) b.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - b.tokens) / this.#ratePerMs / 1000));
    this.#buckets.set(key, b);
    if (this.#buckets.size > this.#max) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return wait;
  }
}

export function rateLimit(limiter: TokenBucketLimiter): RequestHandler {
  return (req, res, next) => {
    const wait = limiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    next(new AppError('RATE_LIMITED', `too many requests; retry after ${wait} s`, { details: { retryAfterSeconds: wait } }));
  };
}
