import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/core/clock.js';
import { pemEncode } from '../../../src/core/bytes.js';
import { algId, bits, int, oid, seq, set, tlv, utf8 } from '../../../src/core/der.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { EncryptedKeyStore } from '../../../src/keys/adapters/encrypted-key-store.js';
import { deriveMasterKey, type MasterKey } from '../../../src/keys/adapters/master-key.js';
import { ensureHierarchy } from '../../../src/pki/ca-bootstrap.js';
import { createPkiServices } from '../../../src/pki/index.js';
import { DEFAULT_PKI_CONFIG, type PkiConfig } from '../../../src/pki/config.js';
import { createTestDb, DIALECTS, type TestDb } from '../../contract/store/support/test-db.js';

/**
 * The PKI services running on the real store, key store and audit log (instead of their
 * in-memory doubles): bootstrap, issue, hold/release/revoke, CRL — checked with OpenSSL — and a
 * restart (new store + cold key cache) that finds everything again.
 */
const ADMIN = { id: 'u-admin', role: 'admin' } as const;

function csr(): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const info = seq(int(0), seq(set(seq(oid('2.5.4.3'), utf8('csr')))), publicKey.export({ format: 'der', type: 'spki' }), tlv(0xa0, []));
  return seq(info, algId('1.2.840.10045.4.3.2'), bits(sign('sha256', info, privateKey)));
}

function wire(store: Store, master: MasterKey, clock: FakeClock) {
  const keys = new EncryptedKeyStore({ repository: store.sealedKeys, masterKey: master, clock });
  const config: PkiConfig = { ...DEFAULT_PKI_CONFIG, baseUrl: 'http://127.0.0.1:8089', caKeySpec: { type: 'ec', curve: 'P-256' } };
  const pki = createPkiServices({ store, keys, audit: store.audit, clock, config });
  return {
    ...pki,
    keys,
    boot: () => ensureHierarchy({ store, keys, audit: store.audit, clock, cas: pki.cas, issuance: pki.issuance, config }),
  };
}

describe.each(DIALECTS)('PKI services on the %s store', (dialect) => {
  let t: TestDb;
  let dir: string;
  const master = deriveMasterKey(randomBytes(32), 'env');
  const clock = new FakeClock('2026-03-01T08:00:00Z');
  beforeAll(async () => {
    t = await createTestDb(dialect);
    dir = mkdtempSync(join(tmpdir(), 'kyso-pki-store-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ok/bootstrap, issue, hold, release, revoke, CRL accepted by openssl; audit chain intact; restart finds it all', async () => {
    const store = await openStore(t.config, { clock });
    const pki = wire(store, master, clock);
    const boot = await pki.boot();
    expect(boot.created).toContain('individuals');
    const issued = await pki.issuance.issue(ADMIN, {
      profile: 'individual',
      subject: { commonName: 'Nguyễn Văn An', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001234567890'] },
      key: { csr: csr() },
    });
    expect(issued.certificate.status).toBe('active');
    const ref = { id: issued.certificate.id };
    await pki.lifecycle.suspend(ADMIN, ref);
    await pki.lifecycle.release(ADMIN, ref);
    await pki.lifecycle.revoke(ADMIN, ref, { reason: 'keyCompromise' });
    const crl = await pki.crl.generate('individuals');
    expect(crl.entryCount).toBe(1);

    const chain = await pki.issuance.chainOf('individuals');
    writeFileSync(join(dir, 'leaf.pem'), pemEncode('CERTIFICATE', issued.der));
    writeFileSync(join(dir, 'ca.pem'), pemEncode('CERTIFICATE', chain[0]!));
    writeFileSync(join(dir, 'root.pem'), pemEncode('CERTIFICATE', chain[chain.length - 1]!));
    writeFileSync(join(dir, 'crl.pem'), pemEncode('X509 CRL', crl.der));
    const res = spawnSync('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('verify OK');
    const crlText = res.stdout;
    expect(crlText.toUpperCase()).toContain(issued.certificate.serial.toUpperCase());
    expect(crlText).toContain('Key Compromise');
    const v = execFileSync(
      'openssl',
      [
        'verify',
        '-attime',
        String(Math.floor(clock.now().getTime() / 1000) + 60),
        '-CAfile',
        join(dir, 'root.pem'),
        '-untrusted',
        join(dir, 'ca.pem'),
        join(dir, 'leaf.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(v).toContain('OK');

    const actions = (await store.audit.list({ limit: 10_000 })).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'certificate.issue.intent',
        'certificate.issue',
        'certificate.suspend',
        'certificate.release',
        'certificate.revoke',
        'crl.generate',
      ]),
    );
    expect(await store.audit.verifyChain()).toMatchObject({ ok: true });
    await store.close();

    // restart: a new store and a cold key cache; the hierarchy exists, the CA key decrypts and signs
    const store2 = await openStore(t.config, { clock });
    try {
      const pki2 = wire(store2, master, clock);
      expect((await pki2.boot()).created).toEqual([]);
      const again = await pki2.issuance.issue(ADMIN, {
        profile: 'individual',
        subject: { commonName: 'Trần Thị Bình' },
        key: { csr: csr() },
      });
      expect(again.certificate.status).toBe('active');
      expect((await pki2.crl.generate('individuals')).crlNumber).toBe(crl.crlNumber + 1);
      expect(await store2.audit.verifyChain()).toMatchObject({ ok: true });
    } finally {
      await store2.close();
    }
  });
});
