import { isIP } from 'node:net';
import { invalid, parseInteger } from './options.js';

/**
 * Which reverse proxies may name the client (X-Forwarded-For), in the two forms of Express's
 * `trust proxy` setting that cannot be talked round by the client: the number of proxies in front
 * of kyso (the client is the address the outermost of them appended), or the proxies' own
 * addresses. Behind a proxy that is not trusted every client has the proxy's address, so they
 * all share one per-IP sign-in counter and one bucket of each per-IP rate limit.
 *
 * `true` (and a /0 subnet, its equivalent) is refused: it trusts every hop, so the client's own
 * X-Forwarded-For entries would choose its address and escape every per-IP limit.
 */
export type TrustProxy = number | readonly string[];

/** Express's (proxy-addr's) names for the reserved ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const KEY = 'trustProxy';

export function parseTrustProxy(raw: string | undefined): TrustProxy | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return parseInteger(KEY, text, 0, 32);
  if (/^(true|yes|on|all|\*)$/i.test(text))
    invalid(
      KEY,
      `${JSON.stringify(text)} would trust every X-Forwarded-For hop, so any client could pick its own IP address and escape the per-IP limits; give the number of proxies in front of kyso or their addresses`,
    );
  return Object.freeze(text.split(',').map((s) => proxyEntry(s.trim())));
}

function proxyEntry(entry: string): string {
  if (NAMED_RANGES.includes(entry)) return entry;
  const [address = '', prefix, extra] = entry.split('/');
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || extra !== undefined)
    invalid(
      KEY,
      `${JSON.stringify(entry)} is not a hop count, an IP address, a subnet (address/prefix length) or one of ${NAMED_RANGES.join(', ')}`,
    );
  if (prefix === undefined) return entry;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max)
    invalid(KEY, `${JSON.stringify(entry)}: the prefix length must be a whole number from 1 to ${max}`);
  if (Number(prefix) === 0) invalid(KEY, `${JSON.stringify(entry)} covers every address, so any client could pick its own IP address`);
  return entry;
}
