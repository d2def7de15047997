import { describe, expect, it } from 'vitest';
import { createPublicKey, randomBytes } from 'node:crypto';
import { FakeClock } from '../../../src/core/clock.js';
import { verifyWithKey } from '../../../src/core/signature-algorithms.js';
import { EncryptedKeyStore } from '../../../src/keys/adapters/encrypted-key-store.js';
import { deriveMasterKey } from '../../../src/keys/adapters/master-key.js';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { DIALECTS } from '../../contract/store/support/test-db.js';
import { storePerDialect } from '../../contract/store/support/store-per-dialect.js';
import { errorCode } from '../../fixtures/error-code.js';

/** The credential service on the real repositories, key store and audit log. */
describe.each(DIALECTS)('server-held credentials on the %s store', (dialect) => {
  const ctx = storePerDialect(dialect);

  it('ok/register an imported key, sign with the PIN, lock after concurrent wrong PINs, batch budget holds', async () => {
    const signer = issueSigner(sharedTestCa(), { cn: 'Phạm Văn Ký' });
    const clock = new FakeClock(Date.now() + 60_000);
    const keyStore = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: deriveMasterKey(randomBytes(32), 'env'), clock });
    const svc = new CredentialService({
      keyStore,
      credentials: ctx.store.credentials,
      authorizations: ctx.store.signingAuthorizations,
      audit: ctx.store.audit,
      clock,
      pinHashParams: { N: 1 << 10, r: 8, p: 1 },
    });
    const ref = await keyStore.importPkcs8(signer.key.export({ format: 'der', type: 'pkcs8' }), 'second certificate');
    const info = await svc.register({ ownerId: 'u-signer', keyUri: ref.uri, certificates: signer.chain, pin: '246810' });

    const u = await svc.unlockWithPin(info.id, 'u-signer', '246810');
    const sig = await u.signer.sign(Buffer.from('văn bản'));
    expect(verifyWithKey(u.signer.algorithm, createPublicKey(signer.certPem), Buffer.from('văn bản'), sig)).toBe(true);

    const batch = await svc.authorizeBatch(info.id, 'u-signer', '246810', 3);
    const uses = await Promise.all(Array.from({ length: 5 }, () => errorCode(svc.unlockWithAuthorization(batch.id, 'u-signer'))));
    expect(uses.filter((c) => c === undefined)).toHaveLength(3);
    expect(uses.filter((c) => c === 'FORBIDDEN')).toHaveLength(2);

    const wrong = await Promise.all(Array.from({ length: 6 }, (_, i) => errorCode(svc.unlockWithPin(info.id, 'u-signer', `bad-${i}`))));
    expect(wrong.every((c) => c === 'PIN_INVALID' || c === 'CREDENTIAL_LOCKED')).toBe(true);
    expect(await errorCode(svc.unlockWithPin(info.id, 'u-signer', '246810'))).toBe('CREDENTIAL_LOCKED');
    const row = await ctx.store.credentials.get(info.id);
    expect(row?.lockedAt).not.toBeNull();
    expect(row?.failedAttempts).toBeGreaterThanOrEqual(5);

    const audit = JSON.stringify(await ctx.store.audit.list({ limit: 1000 }));
    expect(audit).not.toContain('246810');
    expect(audit).not.toContain('bad-1');
    expect(await ctx.store.audit.verifyChain()).toMatchObject({ ok: true });
  });
});
