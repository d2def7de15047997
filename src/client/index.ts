/** `kyso/client`: the typed HTTP client (fetch only; nothing from the server is loaded). */
export { KysoClient, type KysoClientOptions, type WaitOptions } from './kyso-client.js';
export { KysoError, type TransportOptions } from './transport.js';
// Receivers of job webhooks check the Kyso-Signature header with this (the same code the service signs with).
export { verifyWebhookSignature, SIGNATURE_HEADER } from '../jobs/webhook-signature.js';
export type * from './types.js';
