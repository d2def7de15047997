import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { MemoryCredentialRepository, MemorySigningAuthorizationRepository } from '../../../src/signing/memory-repositories.js';
import { keyLegacyVerifier, newPinVerifier, pinVerifierState, verifyPin } from '../../../src/signing/pin-hash.js';
import { legacyScryptVerifier, testPinVerifierKey } from '../../fixtures/pin-verifier.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { ArrayAuditLog, MapKeyStore, errorCode } from './helpers.js';

function setup(lockAfter?: number) {
  const ca = sharedTestCa();
  const signer = issueSigner(ca, { cn: 'Trần Thị Phê Duyệt' });
  const keyStore = new MapKeyStore();
  const keyUri = keyStore.add(signer.key);
  const audit = new ArrayAuditLog();
  const clock = new FakeClock(new Date());
  const credentials = new MemoryCredentialRepository();
  const svc = new CredentialService({
    keyStore,
    credentials,
    authorizations: new MemorySigningAuthorizationRepository(),
    audit,
    clock,
    pinVerifierKey: testPinVerifierKey,
    ...(lockAfter ? { lockAfter } : {}),
  });
  return { svc, keyUri, signer, audit, clock, credentials, keyStore };
}

describe('PIN verifier', () => {
  const key = testPinVerifierKey();
  const otherKey = { key: Buffer.alloc(32, 9), id: 'another-master-key' };

  it('keyed and salted: only the right PIN under the same key verifies', async () => {
    const a = newPinVerifier('123456', key);
    const b = newPinVerifier('123456', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('123456');
    expect(a.startsWith('hmac-sha256$test-pin-key$')).toBe(true);
    expect(await verifyPin('123456', a, key)).toBe(true);
    expect(await verifyPin('123457', a, key)).toBe(false);
    expect(await verifyPin('', a, key)).toBe(false);
    // the same text under another key id, and the same id with another key, never match
    expect(await verifyPin('123456', a, otherKey)).toBe(false);
    expect(await verifyPin('123456', a, { key: otherKey.key, id: key.id })).toBe(false);
    expect(pinVerifierState(a, key)).toBe('current');
    expect(pinVerifierState(a, otherKey)).toBe('other-key');
  });

  it('the PIN is compared in Unicode NFC, as typed on any keyboard', async () => {
    const v = newPinVerifier('mã-số-7', key);
    expect(await verifyPin('mã-số-7'.normalize('NFD'), v, key)).toBe(true);
  });

  it('a legacy verifier keyed where it lies: same salt and cost, the hash replaced by its MAC; the PIN still verifies, only under that key', async () => {
    const legacy = legacyScryptVerifier('123456');
    const keyed = keyLegacyVerifier(legacy, key)!;
    const [, N, r, p, salt, hash] = legacy.split('$');
    expect(keyed.split('$')).toEqual(['hmac-scrypt', key.id, N, r, p, salt, expect.any(String)]);
    expect(keyed).not.toContain(hash!);
    expect(pinVerifierState(keyed, key)).toBe('legacy');
    expect(pinVerifierState(keyed, otherKey)).toBe('other-key');
    expect(await verifyPin('123456', keyed, key)).toBe(true);
    expect(await verifyPin('654321', keyed, key)).toBe(false);
    expect(await verifyPin('123456', keyed, { key: otherKey.key, id: key.id })).toBe(false);
    // only the unkeyed legacy form is keyed this way
    expect(keyLegacyVerifier(keyed, key)).toBeUndefined();
    expect(keyLegacyVerifier(newPinVerifier('123456', key), key)).toBeUndefined();
    expect(keyLegacyVerifier('scrypt$3$8$1$c2FsdHNhbHQ=$' + 'A'.repeat(44), key)).toBeUndefined();
  });

  it('legacy scrypt verifiers still verify; malformed or oversized ones never match', async () => {
    const legacy = legacyScryptVerifier('123456');
    expect(pinVerifierState(legacy, key)).toBe('legacy');
    expect(await verifyPin('123456', legacy, key)).toBe(true);
    expect(await verifyPin('654321', legacy, key)).toBe(false);
    for (const bad of ['garbage', '', 'hmac-sha256$test-pin-key$AAAA$AAAA', 'scrypt$1073741824$8$1$c2FsdHNhbHQ=$' + 'A'.repeat(44)]) {
      expect(pinVerifierState(bad, key)).toBe('malformed');
      expect(await verifyPin('123456', bad, key)).toBe(false);
    }
  });
});

describe('server-held credentials', () => {
  it('ok/register, unlock with PIN, sign', async () => {
    const { svc, keyUri, signer } = setup();
    const info = await svc.register({ ownerId: 'u-approver', keyUri, certificates: signer.chain, pin: '246810' });
    expect(info.locked).toBe(false);
    const u = await svc.unlockWithPin(info.id, 'u-approver', '246810');
    expect((await u.signer.sign(Buffer.from('x'))).length).toBe(256);
  });

  it('fail/another user → FORBIDDEN, even with the right PIN', async () => {
    const { svc, keyUri, signer, audit } = setup();
    const info = await svc.register({ ownerId: 'u-approver', keyUri, certificates: signer.chain, pin: '246810' });
    expect(await errorCode(svc.unlockWithPin(info.id, 'u-other', '246810'))).toBe('FORBIDDEN');
    expect(audit.events.some((e) => e.outcome === 'failure' && e.details?.['error'] === 'FORBIDDEN')).toBe(true);
  });

  it('fail/5 wrong PINs lock the credential; the right PIN then fails with CREDENTIAL_LOCKED; PIN never audited', async () => {
    const { svc, keyUri, signer, audit } = setup();
    const info = await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    for (let i = 1; i <= 4; i++) expect(await errorCode(svc.unlockWithPin(info.id, 'u1', `wrong${i}`))).toBe('PIN_INVALID');
    expect(await errorCode(svc.unlockWithPin(info.id, 'u1', 'wrong5'))).toBe('CREDENTIAL_LOCKED');
    expect(await errorCode(svc.unlockWithPin(info.id, 'u1', '246810'))).toBe('CREDENTIAL_LOCKED');
    expect((await svc.get(info.id, 'u1')).locked).toBe(true);
    expect(audit.events.filter((e) => e.action === 'signing.credential.lock')).toHaveLength(1);
    expect(audit.events.filter((e) => e.action === 'signing.credential.pin' && e.outcome === 'failure')).toHaveLength(6);
    const dump = JSON.stringify(audit.events);
    expect(dump).not.toContain('246810');
    expect(dump).not.toContain('wrong1');
    // PIN reset: the PIN is cleared, only the holder sets the new one with the one-time code
    const code = await svc.resetPin(info.id, 'ra-officer');
    expect(await errorCode(svc.unlockWithPin(info.id, 'u1', '246810'))).toBe('CREDENTIAL_NOT_ACTIVATED');
    expect(await errorCode(svc.activate(info.id, 'u2', code.code, '135790'))).toBe('FORBIDDEN');
    expect(await errorCode(svc.activate(info.id, 'u1', 'not-the-code', '135790'))).toBe('ACTIVATION_CODE_INVALID');
    await svc.activate(info.id, 'u1', code.code, '135790');
    expect(await errorCode(svc.activate(info.id, 'u1', code.code, '999999'))).toBe('ACTIVATION_CODE_INVALID');
    expect(await errorCode(svc.unlockWithPin(info.id, 'u1', '246810'))).toBe('PIN_INVALID');
    expect(await errorCode(svc.unlockWithPin(info.id, 'u1', '135790'))).toBeUndefined();
    expect(JSON.stringify(audit.events)).not.toContain(code.code);
  });

  it('ok/a correct PIN resets the counter (4 wrong, 1 right, 4 wrong still unlocked); lockAfter configurable', async () => {
    const { svc, keyUri, signer } = setup();
    const info = await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    for (let i = 0; i < 4; i++) await errorCode(svc.unlockWithPin(info.id, 'u1', 'bad'));
    await svc.unlockWithPin(info.id, 'u1', '246810');
    expect((await svc.get(info.id, 'u1')).failedAttempts).toBe(0);
    for (let i = 0; i < 4; i++) expect(await errorCode(svc.unlockWithPin(info.id, 'u1', 'bad'))).toBe('PIN_INVALID');
    const s2 = setup(2);
    const i2 = await s2.svc.register({ ownerId: 'u1', keyUri: s2.keyUri, certificates: s2.signer.chain, pin: '246810' });
    expect(await errorCode(s2.svc.unlockWithPin(i2.id, 'u1', 'bad'))).toBe('PIN_INVALID');
    expect(await errorCode(s2.svc.unlockWithPin(i2.id, 'u1', 'bad'))).toBe('CREDENTIAL_LOCKED');
  });

  it('fail/one key carries one credential: a second registration over the same key → CREDENTIAL_KEY_BOUND', async () => {
    const { svc, keyUri, signer } = setup();
    await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    expect(await errorCode(svc.register({ ownerId: 'u2', keyUri, certificates: signer.chain, pin: '111111' }))).toBe(
      'CREDENTIAL_KEY_BOUND',
    );
    expect(await errorCode(svc.registerAwaitingActivation({ ownerId: 'u2', keyUri, certificates: signer.chain, actor: 'ra' }))).toBe(
      'CREDENTIAL_KEY_BOUND',
    );
  });

  it('fail/registration refuses a short PIN and a certificate that does not match the key', async () => {
    const { svc, keyUri, signer } = setup();
    expect(await errorCode(svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '12' }))).toBe('VALIDATION_FAILED');
    const other = issueSigner(sharedTestCa(), { cn: 'Other' });
    expect(await errorCode(svc.register({ ownerId: 'u1', keyUri, certificates: other.chain, pin: '246810' }))).toBe('SIGNER_CERT_INVALID');
  });

  it('ok/batch authorization: one PIN, N documents, then exhausted; expires; owner only', async () => {
    const { svc, keyUri, signer, clock } = setup();
    const info = await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    expect(await errorCode(svc.authorizeBatch(info.id, 'u1', 'bad', 3))).toBe('PIN_INVALID');
    const auth = await svc.authorizeBatch(info.id, 'u1', '246810', 3);
    expect(await errorCode(svc.unlockWithAuthorization(auth.id, 'u2'))).toBe('FORBIDDEN');
    for (let i = 0; i < 3; i++) await svc.unlockWithAuthorization(auth.id, 'u1');
    expect(await errorCode(svc.unlockWithAuthorization(auth.id, 'u1'))).toBe('FORBIDDEN');
    const auth2 = await svc.authorizeBatch(info.id, 'u1', '246810', 10);
    clock.advance(5 * 60_000 + 1);
    expect(await errorCode(svc.unlockWithAuthorization(auth2.id, 'u1'))).toBe('FORBIDDEN');
    expect(await errorCode(svc.authorizeBatch(info.id, 'u1', '246810', 0))).toBe('VALIDATION_FAILED');
  });
});

describe('a PIN reset against authorizations in flight', () => {
  /** The service over repositories where `beforeInsertReturns` runs once an authorization row exists, before `create` returns. */
  function racing(beforeInsertReturns: (credentials: MemoryCredentialRepository, credentialId: string) => Promise<void>) {
    const base = setup();
    const authorizations = new MemorySigningAuthorizationRepository();
    const created: string[] = [];
    const create = authorizations.create.bind(authorizations);
    authorizations.create = async (a) => {
      await create(a);
      created.push(a.id);
      await beforeInsertReturns(base.credentials, a.credentialId);
    };
    const svc = new CredentialService({
      keyStore: base.keyStore,
      credentials: base.credentials,
      authorizations,
      audit: base.audit,
      clock: base.clock,
      pinVerifierKey: testPinVerifierKey,
    });
    return { ...base, svc, authorizations, created };
  }

  it('fail/a reset landing between the PIN check and the insert: the new authorization is revoked and refused, and never signs after the holder sets a new PIN', async () => {
    let armed = false;
    const r = racing(async (credentials, id) => {
      if (armed) await credentials.setActivation(id, 'code-hash', new Date(r.clock.now().getTime() + 60_000), r.clock.now());
    });
    const info = await r.svc.register({ ownerId: 'u1', keyUri: r.keyUri, certificates: r.signer.chain, pin: '246810' });
    armed = true;
    expect(await errorCode(r.svc.authorizeBatch(info.id, 'u1', '246810', 5))).toBe('CREDENTIAL_NOT_ACTIVATED');
    armed = false;
    const raced = r.created.at(-1)!;
    expect((await r.authorizations.get(raced))?.revokedAt).not.toBeNull();
    expect(r.audit.events.some((e) => e.action === 'signing.batch.authorize' && e.details?.['error'] === 'PIN_CHANGED')).toBe(true);
    // Even once a new PIN is set (here directly, as the holder's activation would), it signs nothing.
    expect(await r.credentials.activate(info.id, 'code-hash', newPinVerifier('135790', testPinVerifierKey()), r.clock.now())).toBe(true);
    expect(await errorCode(r.svc.unlockWithAuthorization(raced, 'u1'))).toBe('FORBIDDEN');
  });

  it('ok/activation revokes what an earlier PIN opened, also when the reset did not get to it', async () => {
    const { svc, keyUri, signer, credentials, clock } = setup();
    const info = await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    const a = await svc.authorizeBatch(info.id, 'u1', '246810', 5);
    // As if the reset stopped after clearing the PIN (its revocation never ran): the code is set directly.
    const code = 'x'.repeat(32);
    await credentials.setActivation(
      info.id,
      createHash('sha256').update(code).digest('hex'),
      new Date(clock.now().getTime() + 60_000),
      clock.now(),
    );
    await svc.activate(info.id, 'u1', code, '135790');
    expect(await errorCode(svc.unlockWithAuthorization(a.id, 'u1'))).toBe('FORBIDDEN');
    await svc.unlockWithPin(info.id, 'u1', '135790');
  });
});

describe('credential preflight (used by certified copies)', () => {
  it('ok/returns the signer name; fail/other user, locked, expired', async () => {
    const { svc, keyUri, signer, clock } = setup(1);
    const info = await svc.register({ ownerId: 'u1', keyUri, certificates: signer.chain, pin: '246810' });
    expect((await svc.preflight(info.id, 'u1')).signerName).toBe('Trần Thị Phê Duyệt');
    expect(await errorCode(svc.preflight(info.id, 'u2'))).toBe('FORBIDDEN');
    expect(await errorCode(svc.preflight('cred_nope', 'u1'))).toBe('CREDENTIAL_NOT_FOUND');
    clock.advance(400 * 86_400_000);
    expect(await errorCode(svc.preflight(info.id, 'u1'))).toBe('SIGNER_EXPIRED');
    await errorCode(svc.unlockWithPin(info.id, 'u1', 'bad'));
    expect(await errorCode(svc.preflight(info.id, 'u1'))).toBe('CREDENTIAL_LOCKED');
  });
});
