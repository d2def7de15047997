import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { ApiTokenService, MemoryApiTokenRepository } from '../../../src/http/auth/api-tokens.js';

describe('API token lastUsedAt', () => {
  it('ok/is written on first use and again only once a minute has passed since the recorded use', async () => {
    const repo = new MemoryApiTokenRepository();
    const clock = new FakeClock('2026-03-01T08:00:00Z');
    const tokens = new ApiTokenService(repo, clock);
    const { token, record } = await tokens.create({ role: 'auditor', organizationId: 'org_a' });
    const lastUsed = async () => (await repo.get(record.id))?.lastUsedAt?.toISOString() ?? null;
    expect(await lastUsed()).toBeNull();

    await tokens.authenticate(token);
    expect(await lastUsed()).toBe('2026-03-01T08:00:00.000Z');
    clock.advance(59_999);
    await tokens.authenticate(token);
    expect(await lastUsed()).toBe('2026-03-01T08:00:00.000Z');
    clock.advance(1);
    await tokens.authenticate(token);
    expect(await lastUsed()).toBe('2026-03-01T08:01:00.000Z');
  });
});
