import { describe, expect, it } from 'vitest';
import { createPublicKey, randomBytes } from 'node:crypto';
import { FakeClock } from '../../../src/core/clock.js';
import { verifyWithKey } from '../../../src/core/signature-algorithms.js';
import { EncryptedKeyStore } from '../../../src/keys/adapters/encrypted-key-store.js';
import { deriveMasterKey, type MasterKey } from '../../../src/keys/adapters/master-key.js';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { DIALECTS } from '../../contract/store/support/test-db.js';
import { storePerDialect } from '../../contract/store/support/store-per-dialect.js';
import { errorCode } from '../../fixtures/error-code.js';
import { legacyScryptVerifier } from '../../fixtures/pin-verifier.js';

/** The credential service on the real repositories, key store and audit log. */
describe.each(DIALECTS)('server-held credentials on the %s store', (dialect) => {
  const ctx = storePerDialect(dialect);
  /** The service as a process holding master key `m` wires it: keys sealed under `m`, PIN verifiers under its derived key. */
  const service = (m: MasterKey, clock: FakeClock, holders?: (certificate: Buffer) => readonly string[] | undefined) => {
    const keyStore = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: m, clock });
    const svc = new CredentialService({
      keyStore,
      credentials: ctx.store.credentials,
      authorizations: ctx.store.signingAuthorizations,
      audit: ctx.store.audit,
      clock,
      pinVerifierKey: () => ({ key: m.pinVerifierKey, id: m.kekId }),
      ...(holders ? { certificateHolders: { holders: async (c: Buffer) => holders(c) } } : {}),
    });
    return { keyStore, svc };
  };

  it('ok/register an imported key, sign with the PIN, lock after concurrent wrong PINs, batch budget holds', async () => {
    const signer = issueSigner(sharedTestCa(), { cn: 'Phạm Văn Ký' });
    const clock = new FakeClock(Date.now() + 60_000);
    const { keyStore, svc } = service(deriveMasterKey(randomBytes(32), 'env'), clock);
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

  it("ok/a legacy scrypt PIN verifier still opens, is replaced by the keyed form at the first right PIN; another master key's verifier counts no guess", async () => {
    const signer = issueSigner(sharedTestCa(), { cn: 'Võ Thị Nâng Cấp' });
    const clock = new FakeClock(Date.now() + 60_000);
    const master = deriveMasterKey(randomBytes(32), 'env');
    const { keyStore, svc } = service(master, clock);
    const ref = await keyStore.importPkcs8(signer.key.export({ format: 'der', type: 'pkcs8' }), 'second certificate');
    const info = await svc.register({ ownerId: 'u-old', keyUri: ref.uri, certificates: signer.chain, pin: '135790' });
    const keyed = (await ctx.store.credentials.get(info.id))!.pinHash;
    expect(keyed).toMatch(new RegExp(`^hmac-sha256\\$${master.kekId}\\$`));
    expect(keyed).not.toContain('135790');

    // A row as an earlier release wrote it. The compare-and-set refuses a stale expected value.
    const legacy = legacyScryptVerifier('135790');
    expect(await ctx.store.credentials.replacePinVerifier(info.id, 'not-the-stored-one', legacy, clock.now())).toBe(false);
    expect(await ctx.store.credentials.replacePinVerifier(info.id, keyed, legacy, clock.now())).toBe(true);

    expect(await errorCode(svc.unlockWithPin(info.id, 'u-old', '000000'))).toBe('PIN_INVALID');
    expect((await ctx.store.credentials.get(info.id))!).toMatchObject({ pinHash: legacy, failedAttempts: 1 });
    await svc.unlockWithPin(info.id, 'u-old', '135790');
    const upgraded = (await ctx.store.credentials.get(info.id))!;
    expect(upgraded.failedAttempts).toBe(0);
    expect(upgraded.pinHash).toMatch(/^hmac-sha256\$/);
    const events = await ctx.store.audit.list({ limit: 1000 });
    expect(events.filter((e) => e.action === 'signing.credential.pin-verifier' && e.target === info.id)).toHaveLength(1);
    // The keyed verifier opens with the same PIN, and only with it; it is not replaced again.
    expect(await errorCode(svc.unlockWithPin(info.id, 'u-old', '135791'))).toBe('PIN_INVALID');
    await svc.unlockWithPin(info.id, 'u-old', '135790');
    expect((await ctx.store.credentials.get(info.id))!.pinHash).toBe(upgraded.pinHash);

    // Under another master key no guess can be checked: refused, and nothing is counted.
    const elsewhere = service(deriveMasterKey(randomBytes(32), 'env'), clock).svc;
    for (let i = 0; i < 7; i++) expect(await errorCode(elsewhere.unlockWithPin(info.id, 'u-old', '135790'))).toBe('KEY_DECRYPT_FAILED');
    expect((await ctx.store.credentials.get(info.id))!).toMatchObject({ failedAttempts: 0, lockedAt: null });
    await svc.unlockWithPin(info.id, 'u-old', '135790');
  });

  it('fail/a process with another master key cannot set a PIN (refused before the activation code is used, which still works under the right key) nor rewrite a legacy verifier', async () => {
    const signer = issueSigner(sharedTestCa(), { cn: 'Đỗ Văn Kích Hoạt' });
    const clock = new FakeClock(Date.now() + 60_000);
    const right = service(deriveMasterKey(randomBytes(32), 'env'), clock);
    const stray = service(deriveMasterKey(randomBytes(32), 'env'), clock);
    const ref = await right.keyStore.importPkcs8(signer.key.export({ format: 'der', type: 'pkcs8' }), 'second certificate');
    const { credential, activation } = await right.svc.registerAwaitingActivation({
      ownerId: 'u-new',
      keyUri: ref.uri,
      certificates: signer.chain,
      actor: 'ra-2',
    });
    expect(await errorCode(stray.svc.activate(credential.id, 'u-new', activation.code, '864209'))).toBe('KEY_DECRYPT_FAILED');
    expect(await errorCode(stray.svc.register({ ownerId: 'u-x', keyUri: ref.uri, certificates: signer.chain, pin: '864209' }))).toBe(
      'KEY_DECRYPT_FAILED',
    );
    expect((await ctx.store.credentials.get(credential.id))!).toMatchObject({ pinHash: '', activationCodeHash: expect.any(String) });
    await right.svc.activate(credential.id, 'u-new', activation.code, '864209');
    await right.svc.unlockWithPin(credential.id, 'u-new', '864209');

    // A legacy verifier is never rewritten by such a process: neither keyed at its start nor
    // replaced after a right PIN (its scrypt hash could not be brought back).
    const keyed = (await ctx.store.credentials.get(credential.id))!.pinHash;
    const legacy = legacyScryptVerifier('864209');
    expect(await ctx.store.credentials.replacePinVerifier(credential.id, keyed, legacy, clock.now())).toBe(true);
    expect(await stray.svc.keyLegacyPinVerifiers()).toBe(0);
    expect(await errorCode(stray.svc.unlockWithPin(credential.id, 'u-new', '864209'))).toBe('KEY_DECRYPT_FAILED');
    expect((await ctx.store.credentials.get(credential.id))!.pinHash).toBe(legacy);
    expect(await right.svc.keyLegacyPinVerifiers()).toBeGreaterThanOrEqual(1);
    expect((await ctx.store.credentials.get(credential.id))!.pinHash).toMatch(/^hmac-scrypt\$/);
    await right.svc.unlockWithPin(credential.id, 'u-new', '864209');
  });

  it('fail/two approvals give one seal credential to two new custodians at once → one transfer wins, the other is CREDENTIAL_KEY_BOUND; the former custodian is out and their authorization revoked', async () => {
    const signer = issueSigner(sharedTestCa(), { cn: 'Ủy ban nhân dân xã Chuyển Giao' });
    const clock = new FakeClock(Date.now() + 60_000);
    // the authority names custodians u-b and u-c now; u-a, the credential's owner, no longer
    const { keyStore, svc } = service(deriveMasterKey(randomBytes(32), 'env'), clock, () => ['u-b', 'u-c']);
    const ref = await keyStore.importPkcs8(signer.key.export({ format: 'der', type: 'pkcs8' }), 'seal');
    const { credential, activation } = await svc.registerAwaitingActivation({
      ownerId: 'u-a',
      keyUri: ref.uri,
      certificates: signer.chain,
      actor: 'ra',
    });
    expect(await errorCode(svc.activate(credential.id, 'u-a', activation.code, '135790'))).toBe('FORBIDDEN_SCOPE');
    // an authorization opened while u-a held the seal (written as the repository would have)
    await ctx.store.credentials.activate(
      credential.id,
      (await ctx.store.credentials.get(credential.id))!.activationCodeHash!,
      'x',
      clock.now(),
    );
    const now = clock.now();
    await ctx.store.signingAuthorizations.create({
      id: 'sa_before_transfer',
      credentialId: credential.id,
      ownerId: 'u-a',
      maxDocuments: 5,
      usedDocuments: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 600_000),
      revokedAt: null,
    });

    const both = await Promise.allSettled([svc.transfer(credential.id, 'u-b', 'ra-2'), svc.transfer(credential.id, 'u-c', 'ra-3')]);
    const won = both.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(both.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok')).sort()).toEqual([
      'CREDENTIAL_KEY_BOUND',
      'ok',
    ]);
    const { credential: moved, activation: code } = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof svc.transfer>>>).value;
    const other = moved.ownerId === 'u-b' ? 'u-c' : 'u-b';
    expect(await ctx.store.credentials.get(credential.id)).toMatchObject({ ownerId: moved.ownerId, pinHash: '' });
    expect((await ctx.store.signingAuthorizations.get('sa_before_transfer'))!.revokedAt).not.toBeNull();
    expect(await errorCode(svc.activate(credential.id, other, code.code, '975310'))).toBe('FORBIDDEN');
    expect(await errorCode(svc.activate(credential.id, 'u-a', code.code, '975310'))).toBe('FORBIDDEN');
    await svc.activate(credential.id, moved.ownerId, code.code, '975310');
    await svc.unlockWithPin(credential.id, moved.ownerId, '975310');
    // the credential of someone who still holds it is never taken
    expect(await errorCode(svc.transfer(credential.id, other, 'ra-4'))).toBe('CREDENTIAL_KEY_BOUND');
  });
});
