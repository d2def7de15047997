import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { SignSession, SigningAuthorization, SigningCredential } from '../../../src/signing/ports.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';
import { errorCode } from '../../fixtures/error-code.js';

const T0 = new Date('2026-04-01T01:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const id = (p: string) => `${p}_${randomBytes(6).toString('hex')}`;

describe.each(DIALECTS)('signing repositories contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  const session = (over: Partial<SignSession> = {}): SignSession => ({
    id: id('ss'),
    ownerId: 'official-1',
    preparedPdf: randomBytes(5000),
    byteRange: [0, 1000, 9000, 2000],
    signedAttributes: randomBytes(120),
    digestAlgorithm: 'sha256',
    algorithm: 'ECDSA-SHA256',
    certificates: [randomBytes(700), randomBytes(800)],
    level: 'B-T',
    createdAt: T0,
    expiresAt: at(600),
    usedAt: null,
    ...over,
  });

  it('ok/sessions: byte-exact round trip; consume is single-use under concurrency; release; deleteExpired', async () => {
    const s = session();
    await ctx.store.signSessions.create(s);
    expect(await ctx.store.signSessions.get(s.id)).toEqual(s);
    expect(await errorCode(ctx.store.signSessions.create(s))).toBe('STORE_CONSTRAINT');
    const wins = await Promise.all([
      ctx.store.signSessions.consume(s.id, at(1)),
      ctx.store.signSessions.consume(s.id, at(1)),
      ctx.store.signSessions.consume(s.id, at(1)),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await ctx.store.signSessions.get(s.id))?.usedAt).toEqual(at(1));
    await ctx.store.signSessions.release(s.id);
    expect(await ctx.store.signSessions.consume(s.id, at(2))).toBe(true);
    expect(await ctx.store.signSessions.consume('ss_missing', at(2))).toBe(false);
    const old = session({ expiresAt: at(-10) });
    await ctx.store.signSessions.create(old);
    expect(await ctx.store.signSessions.deleteExpired(at(0))).toBe(1);
    expect(await ctx.store.signSessions.get(old.id)).toBeUndefined();
    expect(await ctx.store.signSessions.get(s.id)).toBeDefined();
  });

  it("ok/sessions: countOpen counts an owner's sessions neither used nor expired; discard deletes the ones named", async () => {
    const owner = id('official');
    expect(await ctx.store.signSessions.countOpen(owner, at(0))).toBe(0);
    const open = [session({ ownerId: owner }), session({ ownerId: owner })];
    await ctx.store.signSessions.createMany([
      ...open,
      session({ ownerId: owner, expiresAt: at(-1) }),
      session({ ownerId: owner, usedAt: at(-5) }),
      session({ ownerId: 'someone-else' }),
    ]);
    expect(await ctx.store.signSessions.countOpen(owner, at(0))).toBe(2);
    expect(await ctx.store.signSessions.consume(open[0]!.id, at(1))).toBe(true);
    expect(await ctx.store.signSessions.countOpen(owner, at(1))).toBe(1);
    // at its expiry instant a session is no longer open
    expect(await ctx.store.signSessions.countOpen(owner, at(600))).toBe(0);
    // discard deletes exactly the sessions named
    await ctx.store.signSessions.discard([open[1]!.id, 'ss_missing']);
    expect(await ctx.store.signSessions.get(open[1]!.id)).toBeUndefined();
    expect(await ctx.store.signSessions.get(open[0]!.id)).toBeDefined();
    expect(await ctx.store.signSessions.countOpen(owner, at(1))).toBe(0);
  });

  it("ok/sessions: counting an official's open sessions reads the index of unused sessions by owner, not every unexpired session", async () => {
    // countOpen's condition, as the adapter compiles it: owner, not used, not expired
    const count = 'SELECT count(*) AS n FROM sign_sessions WHERE owner_id = ? AND used_at IS NULL AND expires_at > ?';
    const params = ['official-1', at(0).toISOString()];
    let plan: string;
    if (dialect === 'sqlite') {
      plan = (await ctx.db.raw(`EXPLAIN QUERY PLAN ${count}`, params)).map((r) => String(r.detail)).join('\n');
    } else {
      // on a near-empty table PostgreSQL would scan it whatever the indexes: ask which index it would take
      await ctx.db.raw('SET enable_seqscan = off');
      try {
        plan = (await ctx.db.raw(`EXPLAIN ${count}`, params)).map((r) => String(r['QUERY PLAN'])).join('\n');
      } finally {
        await ctx.db.raw('RESET enable_seqscan');
      }
    }
    expect(plan).toContain('sign_sessions_open_by_owner');
    expect(plan).not.toContain('sign_sessions_expires');
  });

  /** A prepared file as the engine writes it: signed bytes, `<` zero hex digits `>`, signed bytes. */
  const preparedFile = (before: number, digits: number, after: number) => {
    const pdf = Buffer.concat([randomBytes(before), Buffer.from(`<${'0'.repeat(digits)}>`, 'latin1'), randomBytes(after)]);
    return { pdf, byteRange: [0, before, before + digits + 2, after] as const };
  };

  it('ok/sessions: a prepared file kept without its placeholder digits (b + d bytes) round-trips byte for byte', async () => {
    const { pdf, byteRange } = preparedFile(1500, 32766, 600);
    const kept = Buffer.concat([pdf.subarray(0, 1500), pdf.subarray(1500 + 32768)]);
    const s = session({ preparedPdf: kept, byteRange });
    await ctx.store.signSessions.create(s);
    expect(await ctx.store.signSessions.get(s.id)).toEqual(s);
    const raw = await ctx.db.raw(`SELECT prepared_pdf FROM sign_sessions WHERE id = ${ctx.db.dialect === 'postgres' ? '$1' : '?'}`, [s.id]);
    expect(Buffer.from(raw[0]!['prepared_pdf'] as Uint8Array).equals(kept)).toBe(true);
  });

  it('ok/sessions: createMany writes a batch (all or none); getMany reads the existing ones; consumeMany marks each unused one exactly once under concurrency', async () => {
    const batch = [0, 1, 2].map(() => {
      const { pdf, byteRange } = preparedFile(1000, 4000, 200);
      return session({ preparedPdf: pdf, byteRange });
    });
    await ctx.store.signSessions.createMany(batch);
    const ids = batch.map((x) => x.id);
    const read = await ctx.store.signSessions.getMany([...ids, 'ss_missing']);
    expect([...read.keys()].sort()).toEqual([...ids].sort());
    for (const x of batch) expect(read.get(x.id)).toEqual(x);

    // A batch holding an existing id is refused whole: the new one is not written either.
    const fresh = session();
    expect(await errorCode(ctx.store.signSessions.createMany([fresh, batch[0]!]))).toBe('STORE_CONSTRAINT');
    expect(await ctx.store.signSessions.get(fresh.id)).toBeUndefined();

    expect(await ctx.store.signSessions.consume(ids[1]!, at(1))).toBe(true);
    const runs = await Promise.all([0, 1, 2].map(() => ctx.store.signSessions.consumeMany([...ids, 'ss_missing'], at(2))));
    const marked = runs.flatMap((r) => [...r]);
    expect(marked.sort()).toEqual([ids[0]!, ids[2]!].sort());
    expect((await ctx.store.signSessions.get(ids[1]!))?.usedAt).toEqual(at(1));
    expect((await ctx.store.signSessions.get(ids[0]!))?.usedAt).toEqual(at(2));
    expect(await ctx.store.signSessions.consumeMany([ids[0]!], at(3))).toEqual(new Set());
    await ctx.store.signSessions.release(ids[0]!);
    expect(await ctx.store.signSessions.consumeMany([ids[0]!], at(3))).toEqual(new Set([ids[0]!]));
  });

  const credential = (over: Partial<SigningCredential> = {}): SigningCredential => ({
    id: id('cred'),
    ownerId: 'official-2',
    label: 'Chữ ký số thứ hai',
    keyUri: 'kyso-key:k_abc',
    certificates: [randomBytes(900), randomBytes(1000)],
    algorithm: null,
    pinHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    failedAttempts: 0,
    lockedAt: null,
    createdAt: T0,
    updatedAt: T0,
    activationCodeHash: null,
    activationExpiresAt: null,
    ...over,
  });

  it('ok/credentials: round trip, listByOwner, at most lockAfter PIN guesses reserved under concurrency, lock at the threshold', async () => {
    const c = credential();
    await ctx.store.credentials.create(c);
    await ctx.store.credentials.create(credential({ ownerId: 'someone-else', keyUri: 'kyso-file:other' }));
    expect(await ctx.store.credentials.get(c.id)).toEqual(c);
    // interned: read again, the same certificate Buffers, so the per-Buffer parse caches (certificateInfo, subject fields) hit
    const [first, again] = [await ctx.store.credentials.get(c.id), await ctx.store.credentials.get(c.id)];
    expect(again!.certificates.every((der, i) => der === first!.certificates[i])).toBe(true);
    expect((await ctx.store.credentials.listByOwner('official-2')).map((x) => x.id)).toEqual([c.id]);
    // the legacy verifiers keyed at start are found by their form's name, and only those
    const keyedForm = credential({ keyUri: 'kyso-file:keyed', pinHash: 'hmac-sha256$k$c2FsdA$aGFzaA' });
    await ctx.store.credentials.create(keyedForm);
    const legacyIds = (await ctx.store.credentials.listByPinVerifierForm('scrypt$')).map((x) => x.id);
    expect(legacyIds).toContain(c.id);
    expect(legacyIds).not.toContain(keyedForm.id);
    expect((await ctx.store.credentials.listByPinVerifierForm('hmac-sha256$')).map((x) => x.id)).toContain(keyedForm.id);
    await expect(ctx.store.credentials.listByPinVerifierForm('scrypt%')).rejects.toBeInstanceOf(TypeError);
    const results = await Promise.all(Array.from({ length: 12 }, () => ctx.store.credentials.reservePinAttempt(c.id, 5, at(1))));
    expect(
      results
        .filter((r) => r)
        .map((r) => r!.failedAttempts)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((r) => r === undefined)).toHaveLength(7);
    expect((await ctx.store.credentials.get(c.id))?.lockedAt).toBeNull();
    expect(await ctx.store.credentials.lockWhenExhausted(c.id, 5, at(2))).toBe(true);
    expect(await ctx.store.credentials.lockWhenExhausted(c.id, 5, at(3))).toBe(false);
    expect(await ctx.store.credentials.get(c.id)).toMatchObject({ failedAttempts: 5, lockedAt: at(2) });
    await ctx.store.credentials.resetPinFailures(c.id, at(4));
    expect(await ctx.store.credentials.get(c.id)).toMatchObject({ failedAttempts: 0, lockedAt: at(2) });
    expect(await ctx.store.credentials.reservePinAttempt(c.id, 5, at(4))).toBeUndefined();
    // PIN reset: PIN cleared, activation code set; the code sets a new PIN once, before it expires
    await ctx.store.credentials.setActivation(c.id, 'code-hash', at(60), at(5));
    expect(await ctx.store.credentials.get(c.id)).toMatchObject({
      pinHash: '',
      activationCodeHash: 'code-hash',
      activationExpiresAt: at(60),
    });
    expect(await ctx.store.credentials.activate(c.id, 'other-hash', 'scrypt$new', at(6))).toBe(false);
    expect(await ctx.store.credentials.activate(c.id, 'code-hash', 'scrypt$new', at(61))).toBe(false);
    const racing = await Promise.all([1, 2, 3].map(() => ctx.store.credentials.activate(c.id, 'code-hash', 'scrypt$new', at(6))));
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await ctx.store.credentials.get(c.id)).toMatchObject({
      failedAttempts: 0,
      lockedAt: null,
      pinHash: 'scrypt$new',
      activationCodeHash: null,
      activationExpiresAt: null,
      updatedAt: at(6),
    });
    // the legacy verifier replaced after a right PIN: compare-and-set, exactly one of racing replacements wins
    const swaps = await Promise.all(
      ['hmac-sha256$a', 'hmac-sha256$b', 'hmac-sha256$c'].map((next) =>
        ctx.store.credentials.replacePinVerifier(c.id, 'scrypt$new', next, at(7)),
      ),
    );
    expect(swaps.filter(Boolean)).toHaveLength(1);
    expect((await ctx.store.credentials.get(c.id))?.pinHash).toBe(['hmac-sha256$a', 'hmac-sha256$b', 'hmac-sha256$c'][swaps.indexOf(true)]);
    expect(await ctx.store.credentials.replacePinVerifier(c.id, 'scrypt$new', 'hmac-sha256$d', at(8))).toBe(false);
    // one key, one credential: the unique index refuses a second row over the same key
    await expect(ctx.store.credentials.create(credential({ keyUri: c.keyUri }))).rejects.toMatchObject({ code: 'STORE_CONSTRAINT' });
    expect((await ctx.store.credentials.findByKeyUri(c.keyUri))?.id).toBe(c.id);
    expect(await ctx.store.credentials.reservePinAttempt('cred_missing', 5, at(6))).toBeUndefined();
    const newChain = [randomBytes(50)];
    await ctx.store.credentials.updateCertificates(c.id, newChain, at(7));
    expect((await ctx.store.credentials.get(c.id))?.certificates).toEqual(newChain);
    await ctx.store.credentials.delete(c.id);
    expect(await ctx.store.credentials.get(c.id)).toBeUndefined();
  });

  it('ok/authorizations: take respects the budget under concurrency, expiry and revocation', async () => {
    const a: SigningAuthorization = {
      id: id('sa'),
      credentialId: 'cred_1',
      ownerId: 'official-3',
      maxDocuments: 10,
      usedDocuments: 0,
      createdAt: T0,
      expiresAt: at(300),
      revokedAt: null,
    };
    await ctx.store.signingAuthorizations.create(a);
    expect(await ctx.store.signingAuthorizations.get(a.id)).toEqual(a);
    const takes = await Promise.all(Array.from({ length: 8 }, () => ctx.store.signingAuthorizations.take(a.id, 2, at(1))));
    expect(takes.filter((x) => x !== undefined)).toHaveLength(5);
    expect((await ctx.store.signingAuthorizations.get(a.id))?.usedDocuments).toBe(10);
    expect(await ctx.store.signingAuthorizations.take(a.id, 1, at(2))).toBeUndefined();

    // Two batches racing for the last units: the one that does not fit takes nothing.
    const last: SigningAuthorization = { ...a, id: id('sa'), maxDocuments: 3 };
    await ctx.store.signingAuthorizations.create(last);
    const raced = await Promise.all([2, 2].map((n) => ctx.store.signingAuthorizations.take(last.id, n, at(1))));
    expect(raced.filter((x) => x !== undefined)).toHaveLength(1);
    expect((await ctx.store.signingAuthorizations.get(last.id))?.usedDocuments).toBe(2);

    const b: SigningAuthorization = { ...a, id: id('sa'), usedDocuments: 0 };
    await ctx.store.signingAuthorizations.create(b);
    expect(await ctx.store.signingAuthorizations.take(b.id, 1, at(300))).toBeUndefined(); // expiresAt is exclusive
    expect(await ctx.store.signingAuthorizations.take(b.id, 3, at(299))).toMatchObject({ usedDocuments: 3 });
    await ctx.store.signingAuthorizations.revoke(b.id, at(10));
    expect(await ctx.store.signingAuthorizations.take(b.id, 1, at(11))).toBeUndefined();
    expect((await ctx.store.signingAuthorizations.get(b.id))?.revokedAt).toEqual(at(10));
    await expect(ctx.store.signingAuthorizations.take(b.id, 0, at(11))).rejects.toBeInstanceOf(TypeError);

    // A PIN reset revokes every authorization of its credential not yet revoked, and no other credential's.
    const credentialId = id('cred');
    const mine = [
      { ...a, id: id('sa'), credentialId },
      { ...a, id: id('sa'), credentialId },
      { ...a, id: id('sa'), credentialId, revokedAt: at(5) },
    ];
    const theirs = { ...a, id: id('sa'), credentialId: id('cred') };
    for (const x of [...mine, theirs]) await ctx.store.signingAuthorizations.create(x);
    expect(await ctx.store.signingAuthorizations.revokeAllOf(credentialId, at(20))).toBe(2);
    expect((await ctx.store.signingAuthorizations.get(mine[0]!.id))?.revokedAt).toEqual(at(20));
    expect((await ctx.store.signingAuthorizations.get(mine[2]!.id))?.revokedAt).toEqual(at(5));
    expect(await ctx.store.signingAuthorizations.take(mine[1]!.id, 1, at(21))).toBeUndefined();
    expect(await ctx.store.signingAuthorizations.take(theirs.id, 1, at(21))).toMatchObject({ usedDocuments: 1 });
    expect(await ctx.store.signingAuthorizations.revokeAllOf(credentialId, at(22))).toBe(0);
  });
});
