import { scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import { wireServices } from '../../../src/app/services.js';
import { startHarness, type Harness } from '../http/harness.js';
import { legacyScryptVerifier } from '../../fixtures/pin-verifier.js';

/**
 * A database from an earlier release holds unkeyed scrypt PIN verifiers. The service, when it
 * starts, keys each where it lies (no PIN needed), so a copy of the database can no longer test a
 * PIN guess against any of them; the holder's PIN keeps working and its first use moves the
 * verifier to the current form.
 */
const OWNER = 'off_tran_van_cu';
const PIN = '864213';
let h: Harness;
let credentialId: string;

beforeAll(async () => {
  h = await startHarness();
  const issued = await createPki(h.ctx).issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subject: { commonName: 'Trần Văn Cũ', uids: ['CCCD:022198005555'] },
      key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
    },
  );
  const cert = (await h.ctx.store.certificates.findById(issued.certificate.id))!;
  const chain = [cert.der!];
  for (let caId: string | null = cert.caId; caId;) {
    const ca: { certificateDer: Buffer; parentId: string | null } = (await h.ctx.store.cas.get(caId))!;
    chain.push(ca.certificateDer);
    caId = ca.parentId;
  }
  const wired = await wireServices(h.ctx);
  credentialId = (await wired.signing.credentials.register({ ownerId: OWNER, keyUri: cert.keyUri!, certificates: chain, pin: PIN })).id;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('legacy PIN verifiers at service start', () => {
  it('ok/an unkeyed scrypt verifier is keyed at start: the stored value no longer answers an offline guess; the PIN still opens and then moves to the current form', async () => {
    const current = (await h.ctx.store.credentials.get(credentialId))!.pinHash;
    const legacy = legacyScryptVerifier(PIN);
    expect(await h.ctx.store.credentials.replacePinVerifier(credentialId, current, legacy, new Date())).toBe(true);
    // What a copy of the database allows today: scrypt of a guess against the stored hash.
    const offlineGuess = (stored: string) => {
      const [, N, r, p, salt, hash] = stored.split('$').slice(-6);
      const out = scryptSync(PIN, Buffer.from(salt!, 'base64'), 32, { N: Number(N), r: Number(r), p: Number(p) });
      return out.equals(Buffer.from(hash!, 'base64'));
    };
    expect(offlineGuess(legacy)).toBe(true);

    // The service starts again over the same database.
    const restarted = await wireServices(h.ctx, { schedule: true });
    try {
      let stored = legacy;
      for (let i = 0; i < 100 && stored === legacy; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stored = (await h.ctx.store.credentials.get(credentialId))!.pinHash;
      }
      expect(stored).toMatch(/^hmac-scrypt\$/);
      expect(offlineGuess(stored)).toBe(false);
      const keyedEvents = (await h.ctx.audit.list({ action: 'signing.credential.pin-verifier', limit: 100 })).filter(
        (e) => e.target === credentialId,
      );
      expect(keyedEvents.map((e) => [e.actor, e.details?.['to']])).toEqual([['system', 'hmac-scrypt']]);
      // Keying again finds nothing left to key.
      expect(await restarted.signing.credentials.keyLegacyPinVerifiers()).toBe(0);

      const wrong = restarted.signing.credentials.unlockWithPin(credentialId, OWNER, '000000');
      await expect(wrong).rejects.toMatchObject({ code: 'PIN_INVALID' });
      await restarted.signing.credentials.unlockWithPin(credentialId, OWNER, PIN);
      expect((await h.ctx.store.credentials.get(credentialId))!.pinHash).toMatch(/^hmac-sha256\$/);
    } finally {
      for (const t of restarted.timers) clearInterval(t);
    }
  }, 60_000);
});
