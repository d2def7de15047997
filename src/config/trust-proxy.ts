import { BlockList, isIP } from 'node:net';
import { invalid, parseInteger } from './options.js';

/**
 * Which reverse proxies may name the client (X-Forwarded-For), in the two forms of Express's
 * `trust proxy` setting that cannot be talked round by the client: the number of proxies in front
 * of kyso (the client is the address the outermost of them appended), or the proxies' own
 * addresses. Behind a proxy that is not trusted every client has the proxy's address, so they
 * all share one per-IP sign-in counter and one bucket of each per-IP rate limit.
 *
 * `true` is refused, and so is a subnet wide enough to hold clients (see tooWide): either trusts
 * hops that are not the operator's proxies, so a client's own X-Forwarded-For entries would choose
 * its address and escape every per-IP limit.
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
  const family = address.includes('%') ? 0 : (isIP(address) as 0 | 4 | 6);
  if (family === 0 || extra !== undefined)
    invalid(
      KEY,
      `${JSON.stringify(entry)} is not a hop count, an IP address, a subnet (address/prefix length) or one of ${NAMED_RANGES.join(', ')}`,
    );
  if (prefix === undefined) return entry;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max)
    invalid(KEY, `${JSON.stringify(entry)}: the prefix length must be a whole number from 1 to ${max}`);
  if (tooWide(address, family, Number(prefix)))
    invalid(
      KEY,
      `${JSON.stringify(entry)} is wider than a proxy network (at most an IPv4 /8 or an IPv6 /8, IPv4-mapped addresses counting as IPv4), so clients in it could pick their own IP address`,
    );
  return entry;
}

/**
 * Proxies sit in the operator's own network: a range wider than an IPv4 /8 (10.0.0.0/8, RFC 1918)
 * or an IPv6 /8 (fd00::/8, RFC 4193) trusts clients too. An IPv6 range can hold IPv4 clients as IPv4-mapped addresses (::ffff:0:0/96,
 * RFC 4291 §2.5.5.2, which Node's socket addresses use on a dual-stack listener), so it is also
 * held to the IPv4 limit: it may not reach into two IPv4 /8 blocks.
 */
function tooWide(address: string, family: 4 | 6, prefix: number): boolean {
  if (prefix < 8) return true;
  const range = new BlockList();
  range.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  let blocks = 0;
  for (let first = 0; first < 256 && blocks < 2; first++) if (range.check(`${first}.1.2.3`, 'ipv4')) blocks++;
  return blocks > 1;
}
