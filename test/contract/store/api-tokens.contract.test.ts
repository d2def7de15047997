import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { isAppError } from '../../../src/core/errors.js';
import { hashApiToken } from '../../../src/store/index.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';

const T0 = new Date('2026-02-01T00:00:00.000Z');

describe.each(DIALECTS)('ApiTokenRepository contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  it('ok/stores only the SHA-256 of the token; find by hash; revoke once; touch', async () => {
    const token = randomBytes(32).toString('base64url');
    const rec = await ctx.store.apiTokens.create({
      id: 'tok_1',
      tokenHash: hashApiToken(token),
      role: 'certifier',
      organizationId: 'sub_org',
      authorityId: 'ubnd-ha-long',
      officialId: 'off_hang',
      label: 'RA Sở Tư pháp',
      createdAt: T0,
    });
    expect(rec).toEqual({
      id: 'tok_1',
      tokenHash: hashApiToken(token),
      role: 'certifier',
      organizationId: 'sub_org',
      authorityId: 'ubnd-ha-long',
      officialId: 'off_hang',
      label: 'RA Sở Tư pháp',
      createdAt: T0,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(await ctx.store.apiTokens.findByHash(hashApiToken(token))).toEqual(rec);
    expect(await ctx.store.apiTokens.findByHash(hashApiToken(token + 'x'))).toBeUndefined();
    const onDisk = JSON.stringify(await ctx.db.raw('SELECT * FROM api_tokens'));
    expect(onDisk).not.toContain(token);
    await ctx.store.apiTokens.touch('tok_1', new Date('2026-02-02T00:00:00Z'));
    expect((await ctx.store.apiTokens.get('tok_1'))?.lastUsedAt).toEqual(new Date('2026-02-02T00:00:00Z'));
    expect(await ctx.store.apiTokens.revoke('tok_1', new Date('2026-02-03T00:00:00Z'))).toBe(true);
    expect(await ctx.store.apiTokens.revoke('tok_1', new Date('2026-02-04T00:00:00Z'))).toBe(false);
    expect((await ctx.store.apiTokens.findByHash(hashApiToken(token)))?.revokedAt).toEqual(new Date('2026-02-03T00:00:00Z'));
    expect(await ctx.store.apiTokens.revoke('tok_missing', T0)).toBe(false);
  });

  it('fail/duplicate id or hash → STORE_CONSTRAINT; unknown role or non-hash → TypeError', async () => {
    const h = hashApiToken('admin-token');
    await ctx.store.apiTokens.create({ id: 'tok_a', tokenHash: h, role: 'admin', createdAt: T0 });
    const dup = await ctx.store.apiTokens.create({ id: 'tok_b', tokenHash: h, role: 'auditor', createdAt: T0 }).catch((e: unknown) => e);
    expect(isAppError(dup, 'STORE_CONSTRAINT')).toBe(true);
    const dupId = await ctx.store.apiTokens
      .create({ id: 'tok_a', tokenHash: hashApiToken('other'), role: 'auditor', createdAt: T0 })
      .catch((e: unknown) => e);
    expect(isAppError(dupId, 'STORE_CONSTRAINT')).toBe(true);
    await expect(ctx.store.apiTokens.create({ id: 'tok_c', tokenHash: h, role: 'root' as 'admin', createdAt: T0 })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      ctx.store.apiTokens.create({ id: 'tok_d', tokenHash: 'plain-token', role: 'admin', createdAt: T0 }),
    ).rejects.toBeInstanceOf(TypeError);
    expect((await ctx.store.apiTokens.list()).map((x) => x.id)).toEqual(expect.arrayContaining(['tok_1', 'tok_a']));
  });
});
