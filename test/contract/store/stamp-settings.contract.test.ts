import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { SigningCredential } from '../../../src/signing/ports.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';
import { errorCode } from '../../fixtures/error-code.js';

const T0 = new Date('2026-06-01T01:00:00.000Z');
const id = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

describe.each(DIALECTS)('stamp settings repository contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  async function authority(): Promise<string> {
    const a = id('ubnd');
    await ctx.store.authorities.create({
      id: a,
      name: 'UBND xã Hạ Long',
      place: 'xã Hạ Long',
      organizationId: null,
      sealCredentialId: null,
      sealCustodianId: null,
      createdAt: T0,
    });
    return a;
  }

  it('ok/authority settings: absent, inserted, replaced; the seal image bytes round-trip exactly', async () => {
    const a = await authority();
    expect(await ctx.store.stampSettings.getAuthority(a)).toBeUndefined();
    const seal = randomBytes(3000);
    const first = {
      authorityId: a,
      sealImage: seal,
      sealDiameterMm: 35.5,
      title: 'Phó Chủ tịch',
      authorityLines: ['TM. Ủy ban nhân dân', 'KT. Chủ tịch'],
      textOnlyStamps: false,
      updatedAt: T0,
      updatedBy: 'admin-1',
    };
    await ctx.store.stampSettings.putAuthority(first);
    expect(await ctx.store.stampSettings.getAuthority(a)).toEqual(first);
    const second = {
      ...first,
      sealImage: null,
      sealDiameterMm: null,
      title: null,
      authorityLines: [],
      textOnlyStamps: true,
      updatedBy: 'admin-2',
    };
    await ctx.store.stampSettings.putAuthority(second);
    expect(await ctx.store.stampSettings.getAuthority(a)).toEqual(second);
  });

  it('fail/settings for an unknown authority → STORE_CONSTRAINT (foreign key)', async () => {
    expect(
      await errorCode(
        ctx.store.stampSettings.putAuthority({
          authorityId: 'khong-co',
          sealImage: null,
          sealDiameterMm: null,
          title: null,
          authorityLines: [],
          textOnlyStamps: false,
          updatedAt: T0,
          updatedBy: 'x',
        }),
      ),
    ).toBe('STORE_CONSTRAINT');
  });

  it('ok/signature images per credential: set, replace; none for another credential', async () => {
    const c: SigningCredential = {
      id: id('cred'),
      ownerId: 'official-9',
      label: 'Chữ ký',
      keyUri: 'kyso-key:k_x',
      certificates: [randomBytes(500)],
      algorithm: null,
      pinHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
      failedAttempts: 0,
      lockedAt: null,
      activationCodeHash: null,
      activationExpiresAt: null,
      createdAt: T0,
      updatedAt: T0,
    };
    await ctx.store.credentials.create(c);
    const img = randomBytes(2000);
    await ctx.store.stampSettings.putSignatureImage(c.id, img, T0, 'admin-1');
    expect((await ctx.store.stampSettings.getSignatureImage(c.id))?.equals(img)).toBe(true);
    const img2 = randomBytes(100);
    await ctx.store.stampSettings.putSignatureImage(c.id, img2, T0, 'official-9');
    expect((await ctx.store.stampSettings.getSignatureImage(c.id))?.equals(img2)).toBe(true);
    expect(await ctx.store.stampSettings.getSignatureImage('cred_other')).toBeUndefined();
  });
});
