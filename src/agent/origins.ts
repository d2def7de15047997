import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Which web pages may use the agent. A page is identified by its origin (scheme, host, port:
 * RFC 6454), which the browser sets on every cross-origin request and a page cannot forge.
 *
 * - paired: the official confirmed the pairing in the agent (or listed it with --allow-origin);
 *   kept in the `--origins-file` when one is given, else for this run only;
 * - trusted for the session: the official answered "always" to a signature request; signatures
 *   from that origin are no longer confirmed one by one until the agent stops (never persisted).
 */
export class OriginPolicy {
  readonly #paired = new Set<string>();
  readonly #session = new Set<string>();
  readonly #file: string | undefined;

  constructor(o: { allowed?: readonly string[]; file?: string | undefined }) {
    this.#file = o.file;
    for (const a of o.allowed ?? []) this.#paired.add(requireOrigin(a));
    if (this.#file && existsSync(this.#file)) {
      const saved = JSON.parse(readFileSync(this.#file, 'utf8')) as { origins?: unknown };
      if (Array.isArray(saved.origins)) for (const a of saved.origins) if (typeof a === 'string' && normalOrigin(a)) this.#paired.add(a);
    }
  }

  isPaired(origin: string): boolean {
    return this.#paired.has(origin);
  }

  pair(origin: string): void {
    this.#paired.add(origin);
    if (this.#file) writeFileSync(this.#file, JSON.stringify({ origins: [...this.#paired].sort() }, null, 2) + '\n', { mode: 0o600 });
  }

  trustForSession(origin: string): void {
    this.#session.add(origin);
  }

  isTrustedForSession(origin: string): boolean {
    return this.#session.has(origin);
  }

  paired(): string[] {
    return [...this.#paired].sort();
  }
}

/** The serialised origin of an http(s) URL or origin string, or undefined (`null`, file:, data:, junk). */
export function normalOrigin(value: string | undefined): string | undefined {
  if (!value || value === 'null') return undefined;
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

function requireOrigin(value: string): string {
  const o = normalOrigin(value);
  if (!o) throw new TypeError(`not an http(s) origin: ${value}`);
  return o;
}

/**
 * DNS rebinding defence: a page on evil.example whose name is made to resolve to 127.0.0.1 still
 * sends `Host: evil.example`; only the loopback names with the agent's own port are accepted.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}
