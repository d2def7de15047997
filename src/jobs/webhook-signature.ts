import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook body signature, in the shape `Kyso-Signature: t=<unix seconds>,v1=<hex>` where v1 is
 * HMAC-SHA256 (RFC 2104) under the caller's webhook secret over `<t>.<body>`. The time is inside
 * the MAC so a receiver can refuse an old body replayed later.
 */
export const SIGNATURE_HEADER = 'Kyso-Signature';

export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Receiver side: true when the header's MAC matches the body and its time is within `toleranceSeconds` of `nowSeconds`. */
export function verifyWebhookSignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string' || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookBody(secret, body, t).split('v1=')[1]!, 'hex');
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
