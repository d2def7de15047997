import { AppError } from '../core/errors.js';

/**
 * Webhook URLs are accepted only on an exact origin of the configured allow-list (no suffix or
 * prefix matching: `https://a.example` does not allow `https://a.example.evil`), https, or http on
 * 127.0.0.1 for local receivers. No credentials in the URL.
 */
export function checkWebhookUrl(raw: string, allowList: readonly string[]): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError('WEBHOOK_URL_NOT_ALLOWED', 'the webhook URL is not a URL');
  }
  const schemeOk = u.protocol === 'https:' || (u.protocol === 'http:' && u.hostname === '127.0.0.1');
  if (!schemeOk || u.username || u.password || !allowList.includes(u.origin)) {
    throw new AppError('WEBHOOK_URL_NOT_ALLOWED', `webhooks may only go to the configured origins; ${u.origin} is not one of them`, {
      details: { origin: u.origin },
    });
  }
  return u;
}
