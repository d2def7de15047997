import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { TokenBucketLimiter } from '../../../src/http/rate-limit.js';
import { redact } from '../../../src/http/log.js';
import { toProblem } from '../../../src/http/problem.js';
import { AppError } from '../../../src/core/errors.js';

describe('token bucket', () => {
  it('allows a burst, then refuses with a retry time, then refills with time', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const l = new TokenBucketLimiter({ perMinute: 60, burst: 3, clock });
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    expect(l.take('a')).toBe(1);
    expect(l.take('b')).toBe(0); // per client
    clock.advance(1000);
    expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBeGreaterThan(0);
  });
  it('perMinute 0 disables limiting', () => {
    const l = new TokenBucketLimiter({ perMinute: 0, burst: 1, clock: new FakeClock(0) });
    for (let i = 0; i < 10; i++) expect(l.take('x')).toBe(0);
  });
  it('keeps at most maxClients buckets', () => {
    const clock = new FakeClock(0);
    const l = new TokenBucketLimiter({ perMinute: 1, burst: 1, clock, maxClients: 2 });
    l.take('a');
    l.take('b');
    l.take('c'); // evicts a
    expect(l.take('a')).toBe(0);
  });
});

describe('logs and problems hide secrets', () => {
  it('redacts secret-looking fields recursively', () => {
    expect(redact({ token: 'kyso_x', nested: { pin: '1234', password: 'p', ok: 1 }, authorization: 'Bearer x' })).toEqual({
      token: '[redacted]',
      nested: { pin: '[redacted]', password: '[redacted]', ok: 1 },
      authorization: '[redacted]',
    });
    expect(redact({ activationCode: 'c0de', credentialId: 'cred_1' })).toEqual({ activationCode: '[redacted]', credentialId: 'cred_1' });
  });
  it('non-AppErrors and 500s become "internal error" without internals', () => {
    const p = toProblem(new Error('SQLITE_BUSY at /secret/path'), '/x');
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'internal error' });
    const q = toProblem(new AppError('KEY_DECRYPT_FAILED', 'kek mismatch for key k_1'), '/x');
    expect(q.detail).toBe('internal error');
    const r = toProblem(new AppError('CERT_ALREADY_REVOKED', 'already revoked', { details: { serial: '0a' } }), '/x', 'rid');
    expect(r).toMatchObject({ status: 409, detail: 'already revoked', details: { serial: '0a' }, requestId: 'rid' });
  });
});
