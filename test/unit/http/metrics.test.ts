import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../../src/http/metrics.js';

/** Which audit events feed which business counter. */
async function value(m: ServiceMetrics, name: string): Promise<number> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('ServiceMetrics from audit events', () => {
  it('ok/a wrong PIN counts as a failure; a refusal of an already locked credential does not; a lock counts once', async () => {
    const m = new ServiceMetrics();
    m.observeAuditEvent({ action: 'signing.credential.pin', outcome: 'failure', details: { error: 'PIN_INVALID', failedAttempts: 1 } });
    m.observeAuditEvent({ action: 'signing.credential.pin', outcome: 'failure', details: { error: 'PIN_INVALID', failedAttempts: 2 } });
    m.observeAuditEvent({ action: 'signing.credential.pin', outcome: 'failure', details: { error: 'CREDENTIAL_LOCKED' } });
    m.observeAuditEvent({ action: 'signing.credential.lock', outcome: 'success', details: { failedAttempts: 5 } });
    expect(await value(m, 'kyso_pin_failures_total')).toBe(2);
    expect(await value(m, 'kyso_pin_locks_total')).toBe(1);
  });

  it('ok/signatures (one-shot and two-phase), issuances and copies count successes only', async () => {
    const m = new ServiceMetrics();
    m.observeAuditEvent({ action: 'signing.sign', outcome: 'success' });
    m.observeAuditEvent({ action: 'signing.sign', outcome: 'failure', details: { error: 'PIN_INVALID' } });
    m.observeAuditEvent({ action: 'signing.complete', outcome: 'success' });
    m.observeAuditEvent({ action: 'certificate.issue', outcome: 'success' });
    m.observeAuditEvent({ action: 'copy.certified', outcome: 'success' });
    m.observeAuditEvent({ action: 'copy.certified', outcome: 'failure' });
    expect(await value(m, 'kyso_signatures_total')).toBe(2);
    expect(await value(m, 'kyso_certificates_issued_total')).toBe(1);
    expect(await value(m, 'kyso_copies_certified_total')).toBe(1);
    expect(await value(m, 'kyso_audit_events_total')).toBe(6);
  });

  it('ok/a B-B batch is one event listing its signatures: each listed one counts, also when another document failed', async () => {
    const m = new ServiceMetrics();
    const sig = (index: number) => ({ index, signedDigest: 'ab'.repeat(32), inputBytes: 1, outputBytes: 2 });
    m.observeAuditEvent({ action: 'signing.batch', outcome: 'success', details: { signed: 2, signatures: [sig(0), sig(1)] } });
    m.observeAuditEvent({
      action: 'signing.batch',
      outcome: 'failure',
      details: { signed: 1, signatures: [sig(0)], failed: [{ index: 1 }] },
    });
    // one document by document (B-T and above): the signing.sign events count, the summary does not
    m.observeAuditEvent({ action: 'signing.batch', outcome: 'success', details: { signed: 3 } });
    expect(await value(m, 'kyso_signatures_total')).toBe(3);
  });

  it('ok/a batch of two-phase completions is one event listing its signatures; the prepare batch signs nothing', async () => {
    const m = new ServiceMetrics();
    const sig = (index: number) => ({ index, session: `ss_${index}`, outputBytes: 2 });
    m.observeAuditEvent({ action: 'signing.prepare.batch', outcome: 'success', details: { signed: 2, sessions: [sig(0), sig(1)] } });
    m.observeAuditEvent({
      action: 'signing.complete.batch',
      outcome: 'failure',
      details: { signed: 2, signatures: [sig(0), sig(2)], failed: [{ index: 1, code: 'FORBIDDEN' }] },
    });
    expect(await value(m, 'kyso_signatures_total')).toBe(2);
  });

  it('ok/OCSP and TSA answers are counted by operation, with the HTTP status', async () => {
    const m = new ServiceMetrics();
    m.observeRequest({ method: 'POST', route: '/pki/ocsp', operationId: 'ocspPost', status: 200, seconds: 0.001 });
    m.observeRequest({ method: 'GET', route: '/pki/ocsp/*request', operationId: 'ocspGet', status: 200, seconds: 0.001 });
    m.observeRequest({ method: 'POST', route: '/tsa', operationId: 'timestamp', status: 400, seconds: 0.001 });
    m.observeRequest({ method: 'GET', route: 'unmatched', status: 404, seconds: 0.001 });
    expect(await value(m, 'kyso_ocsp_requests_total')).toBe(2);
    expect(await value(m, 'kyso_tsa_requests_total')).toBe(1);
    expect(await value(m, 'kyso_http_requests_total')).toBe(4);
  });
});
