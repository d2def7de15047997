import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isAppError } from '../../../src/core/errors.js';
import { verifyWithKey, type SignatureAlgorithm } from '../../../src/core/signature-algorithms.js';
import { EncryptedKeyStore } from '../../../src/keys/adapters/encrypted-key-store.js';
import { deriveMasterKey } from '../../../src/keys/adapters/master-key.js';
import { KeyStoreRouter } from '../../../src/keys/key-store-router.js';
import type { KeySpec } from '../../../src/keys/key-store.js';
import { DIALECTS } from '../store/support/test-db.js';
import { storePerDialect } from '../store/support/store-per-dialect.js';

async function errOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Every string form a leaked key could take in a message. */
function keyForms(pkcs8: Buffer): string[] {
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}`;
  return [
    pkcs8.toString('hex'),
    pkcs8.toString('base64'),
    pem,
    pkcs8.subarray(40, 72).toString('base64'),
    pkcs8.subarray(40, 72).toString('hex'),
  ];
}

describe.each(DIALECTS)('EncryptedKeyStore on the %s store', (dialect) => {
  const ctx = storePerDialect(dialect);
  const master = deriveMasterKey(randomBytes(32), 'env');
  let keys: EncryptedKeyStore;
  beforeAll(async () => {
    keys = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: master });
  });

  const cases: [string, KeySpec, SignatureAlgorithm | undefined, SignatureAlgorithm][] = [
    ['RSA-2048 PKCS#1 v1.5 (default)', { type: 'rsa', bits: 2048 }, undefined, 'RSA-PKCS1-SHA256'],
    ['RSA-2048 PSS', { type: 'rsa', bits: 2048 }, 'RSA-PSS-SHA256', 'RSA-PSS-SHA256'],
    ['P-256 (default)', { type: 'ec', curve: 'P-256' }, undefined, 'ECDSA-SHA256'],
    ['P-384 (default)', { type: 'ec', curve: 'P-384' }, undefined, 'ECDSA-SHA384'],
  ];
  for (const [name, spec, alg, expected] of cases) {
    it(`ok/generate → sign → verify, ${name}; a fresh instance (cold cache) decrypts and signs the same key`, async () => {
      const ref = await keys.generate(spec, `test ${name}`);
      expect(ref.uri).toMatch(/^kyso-key:k_[A-Za-z0-9_-]+$/);
      const signer = await keys.signer(ref.uri, alg);
      expect(signer.algorithm).toBe(expected);
      expect(signer.publicKeySpki).toEqual(ref.publicKeySpki);
      const data = Buffer.from('Chứng thực bản sao đúng với bản chính');
      const pub = createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' });
      expect(verifyWithKey(expected, pub, data, await signer.sign(data))).toBe(true);
      expect(verifyWithKey(expected, pub, Buffer.from('other'), await signer.sign(data))).toBe(false);

      const cold = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: master });
      const s2 = await cold.signer(ref.uri, alg);
      expect(verifyWithKey(expected, pub, data, await s2.sign(data))).toBe(true);
      expect(await cold.publicKey(ref.uri)).toEqual(ref.publicKeySpki);
    });
  }

  it('ok/the stored row holds neither the PKCS#8 bytes nor the PEM, and the ciphertext changes per seal', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const a = await keys.importPkcs8(pkcs8, 'imported');
    const b = await keys.importPkcs8(pkcs8, 'imported again');
    const rows = await ctx.db.raw('SELECT * FROM sealed_keys WHERE uri IN (?, ?)', [a.uri, b.uri]);
    expect(rows).toHaveLength(2);
    const dump = rows
      .map((r) =>
        Object.values(r)
          .map((v) => (Buffer.isBuffer(v) ? `${v.toString('hex')} ${v.toString('base64')} ${v.toString('latin1')}` : String(v)))
          .join(' '),
      )
      .join('\n');
    for (const form of keyForms(pkcs8)) expect(dump).not.toContain(form);
    // the private scalar itself (PKCS#8 EC: OCTET STRING of 32 bytes inside ECPrivateKey)
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    expect(dump).not.toContain(d.toString('hex'));
    expect(Buffer.compare(rows[0]!.ciphertext as Buffer, rows[1]!.ciphertext as Buffer)).not.toBe(0);
    expect(Buffer.compare(rows[0]!.iv as Buffer, rows[1]!.iv as Buffer)).not.toBe(0);
    expect(await keys.exportPkcs8(a.uri)).toEqual(pkcs8);
  });

  it('fail/a wrong master key → KEY_DECRYPT_FAILED, without key material in the error', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const ref = await keys.importPkcs8(pkcs8, 'rsa');
    const wrong = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: deriveMasterKey(randomBytes(32), 'env') });
    for (const p of [wrong.signer(ref.uri), wrong.exportPkcs8(ref.uri)]) {
      const e = await errOf(p);
      expect(isAppError(e, 'KEY_DECRYPT_FAILED')).toBe(true);
      const text = `${(e as Error).message} ${JSON.stringify((e as { details?: unknown }).details)} ${String((e as Error).stack)}`;
      for (const form of keyForms(pkcs8)) expect(text).not.toContain(form);
    }
    // same master key, tampered ciphertext (GCM tag check) and a sealed blob moved to another id (AAD)
    const [row] = await ctx.db.raw('SELECT ciphertext FROM sealed_keys WHERE uri = ?', [ref.uri]);
    const ct = Buffer.from(row!.ciphertext as Buffer);
    ct[10] = ct[10]! ^ 1;
    await ctx.db.raw('UPDATE sealed_keys SET ciphertext = ? WHERE uri = ?', [ct, ref.uri]);
    const fresh = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: master });
    expect(isAppError(await errOf(fresh.signer(ref.uri)), 'KEY_DECRYPT_FAILED')).toBe(true);
    const other = await keys.generate({ type: 'ec', curve: 'P-256' }, 'victim');
    const [good] = await ctx.db.raw('SELECT iv, ciphertext, tag FROM sealed_keys WHERE uri = ?', [other.uri]);
    const third = await keys.generate({ type: 'ec', curve: 'P-256' }, 'target');
    await ctx.db.raw('UPDATE sealed_keys SET iv = ?, ciphertext = ?, tag = ? WHERE uri = ?', [
      good!.iv,
      good!.ciphertext,
      good!.tag,
      third.uri,
    ]);
    expect(isAppError(await errOf(fresh.signer(third.uri)), 'KEY_DECRYPT_FAILED')).toBe(true);
  });

  it('fail/unknown key → KEY_NOT_FOUND; foreign scheme → KEY_URI_UNSUPPORTED; mismatched algorithm → KEY_ALGORITHM_UNSUPPORTED; delete', async () => {
    expect(isAppError(await errOf(keys.signer('kyso-key:k_doesnotexist')), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(keys.publicKey('kyso-key:../../etc/passwd')), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(keys.signer('pkcs11:token=x;object=y')), 'KEY_URI_UNSUPPORTED')).toBe(true);
    const ec = await keys.generate({ type: 'ec', curve: 'P-256' }, 'ec');
    expect(isAppError(await errOf(keys.signer(ec.uri, 'RSA-PKCS1-SHA256')), 'KEY_ALGORITHM_UNSUPPORTED')).toBe(true);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(isAppError(await errOf(keys.importPkcs8(ed, 'ed')), 'KEY_ALGORITHM_UNSUPPORTED')).toBe(true);
    expect(isAppError(await errOf(keys.importPkcs8(Buffer.from('not a key'), 'junk')), 'VALIDATION_FAILED')).toBe(true);
    await keys.delete(ec.uri);
    expect(isAppError(await errOf(keys.signer(ec.uri)), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(keys.delete(ec.uri)), 'KEY_NOT_FOUND')).toBe(true);
  });

  it('ok/master key rotation: old keys open under the previous master and are re-sealed; resealAll moves the rest', async () => {
    const oldM = deriveMasterKey(randomBytes(32), 'env');
    const newM = deriveMasterKey(randomBytes(32), 'env');
    const before = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: oldM });
    const refs = [];
    for (let i = 0; i < 3; i++) refs.push(await before.generate({ type: 'ec', curve: 'P-256' }, `rot-${i}`));
    const rotated = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: newM, previousMasterKeys: [oldM] });
    const data = Buffer.from('rotate');
    const s0 = await rotated.signer(refs[0]!.uri);
    expect(
      verifyWithKey(
        'ECDSA-SHA256',
        createPublicKey({ key: refs[0]!.publicKeySpki, format: 'der', type: 'spki' }),
        data,
        await s0.sign(data),
      ),
    ).toBe(true);
    const [row0] = await ctx.db.raw('SELECT kek_id FROM sealed_keys WHERE uri = ?', [refs[0]!.uri]);
    expect(row0!.kek_id).toBe(newM.kekId);
    expect(await rotated.resealAll()).toBe(2);
    expect(await rotated.resealAll()).toBe(0);
    const onlyNew = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: newM });
    for (const r of refs) {
      const s = await onlyNew.signer(r.uri);
      expect(
        verifyWithKey('ECDSA-SHA256', createPublicKey({ key: r.publicKeySpki, format: 'der', type: 'spki' }), data, await s.sign(data)),
      ).toBe(true);
    }
    const onlyOld = new EncryptedKeyStore({ repository: ctx.store.sealedKeys, masterKey: oldM });
    expect(isAppError(await errOf(onlyOld.signer(refs[1]!.uri)), 'KEY_DECRYPT_FAILED')).toBe(true);
  });

  it('ok/the router dispatches by scheme and rejects unknown schemes', async () => {
    const router = new KeyStoreRouter([keys]);
    expect(router.schemes).toEqual(['kyso-key']);
    const ref = await router.generate({ type: 'ec', curve: 'P-384' }, 'via router');
    expect((await router.signer(ref.uri)).algorithm).toBe('ECDSA-SHA384');
    expect(await router.publicKey(ref.uri)).toEqual(ref.publicKeySpki);
    for (const uri of ['pkcs11:token=kyso;object=ca', 'file:/etc/key.pem', 'no-scheme']) {
      expect(isAppError(await errOf(router.signer(uri)), 'KEY_URI_UNSUPPORTED')).toBe(true);
    }
    expect(() => new KeyStoreRouter([keys, keys])).toThrow(TypeError);
  });
});
