import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { checkWebhookUrl } from '../../../src/jobs/webhook-allow-list.js';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/jobs/webhook-signature.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('webhook allow-list', () => {
  const allow = ['https://hooks.mot-cua.gov.vn', 'http://127.0.0.1:8080'];

  it('ok/exact origins only, any path on them', () => {
    expect(checkWebhookUrl('https://hooks.mot-cua.gov.vn/kyso/done?x=1', allow).origin).toBe('https://hooks.mot-cua.gov.vn');
    expect(checkWebhookUrl('http://127.0.0.1:8080/h', allow).port).toBe('8080');
  });

  it('fail/look-alikes, other ports, other schemes, credentials → WEBHOOK_URL_NOT_ALLOWED', () => {
    for (const u of [
      'https://hooks.mot-cua.gov.vn.evil.example/x',
      'https://evil.example/https://hooks.mot-cua.gov.vn',
      'http://hooks.mot-cua.gov.vn/x',
      'https://hooks.mot-cua.gov.vn:8443/x',
      'http://127.0.0.1:8081/h',
      'http://localhost:8080/h',
      'https://user:pw@hooks.mot-cua.gov.vn/x',
      'ftp://hooks.mot-cua.gov.vn/x',
      '',
    ])
      expect(
        codeOf(() => checkWebhookUrl(u, allow)),
        u,
      ).toBe('WEBHOOK_URL_NOT_ALLOWED');
  });

  it('config: entries are origins; http only for 127.0.0.1 (CONFIG_INVALID otherwise)', () => {
    const c = loadConfig({ env: { KYSO_WEBHOOK_ALLOW: ' https://a.example/ , http://127.0.0.1:9000 ' } });
    expect(c.webhookAllowList).toEqual(['https://a.example', 'http://127.0.0.1:9000']);
    expect(loadConfig({ env: {} }).webhookAllowList).toEqual([]);
    for (const bad of ['http://a.example', 'https://a.example/hook', 'https://u:p@a.example', 'not a url'])
      expect(
        codeOf(() => loadConfig({ env: { KYSO_WEBHOOK_ALLOW: bad } })),
        bad,
      ).toBe('CONFIG_INVALID');
  });
});

describe('Kyso-Signature', () => {
  it('ok/verifies; fail/other body, other secret, stale time', () => {
    const h = signWebhookBody('whsec_k', '{"a":1}', 1_800_000_000);
    expect(h).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('whsec_k', '{"a":1}', h, 1_800_000_010)).toBe(true);
    expect(verifyWebhookSignature('whsec_k', '{"a":2}', h, 1_800_000_010)).toBe(false);
    expect(verifyWebhookSignature('whsec_x', '{"a":1}', h, 1_800_000_010)).toBe(false);
    expect(verifyWebhookSignature('whsec_k', '{"a":1}', h, 1_800_001_000)).toBe(false);
    expect(verifyWebhookSignature('whsec_k', '{"a":1}', 'garbage', 1_800_000_010)).toBe(false);
  });
});
