import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../../src/core/errors.js';
import { verifyWithKey, type SignatureAlgorithm } from '../../../src/core/signature-algorithms.js';
import { INLINE_BUDGET_MS, INLINE_SIGNATURE_MS, Pkcs11KeyStore } from '../../../src/keys/adapters/pkcs11-key-store.js';
import { parsePkcs11Uri, formatPkcs11Uri } from '../../../src/keys/pkcs11-uri.js';
import { KeyStoreRouter } from '../../../src/keys/key-store-router.js';
import type { KeySpec } from '../../../src/keys/key-store.js';

const MODULE =
  ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((p) => existsSync(p)) ??
  '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN = 'kyso-test';
const PIN = '5678';

async function errOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('Pkcs11KeyStore on SoftHSM2 (RFC 7512 URIs)', () => {
  let dir: string;
  let hsm: Pkcs11KeyStore;
  beforeAll(async () => {
    // A test-owned SoftHSM configuration and token directory; SOFTHSM2_CONF must be set before the module initialises.
    dir = mkdtempSync(join(tmpdir(), 'kyso-softhsm-'));
    mkdirSync(join(dir, 'tokens'));
    writeFileSync(
      join(dir, 'softhsm2.conf'),
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', '1234', '--pin', PIN], {
      env: process.env,
      stdio: 'pipe',
    });
    hsm = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN });
  });
  afterAll(() => {
    hsm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, KeySpec, SignatureAlgorithm | undefined, SignatureAlgorithm][] = [
    ['RSA-2048 PKCS#1 v1.5', { type: 'rsa', bits: 2048 }, undefined, 'RSA-PKCS1-SHA256'],
    ['RSA-2048 PSS', { type: 'rsa', bits: 2048 }, 'RSA-PSS-SHA256', 'RSA-PSS-SHA256'],
    ['P-256', { type: 'ec', curve: 'P-256' }, undefined, 'ECDSA-SHA256'],
    ['P-384', { type: 'ec', curve: 'P-384' }, undefined, 'ECDSA-SHA384'],
  ];
  for (const [name, spec, alg, expected] of cases) {
    it(`ok/generate on the token, sign there, verify with node:crypto: ${name}`, async () => {
      const ref = await hsm.generate(spec, `ca ${name}`);
      const u = parsePkcs11Uri(ref.uri)!;
      expect(u).toMatchObject({ token: TOKEN, object: `ca ${name}`, type: 'private' });
      expect(u.id).toHaveLength(16);
      const signer = await hsm.signer(ref.uri, alg);
      expect(signer.algorithm).toBe(expected);
      const data = Buffer.from('Sở Tư pháp tỉnh Quảng Ninh');
      const pub = createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' });
      expect(verifyWithKey(expected, pub, data, await signer.sign(data))).toBe(true);
      expect(verifyWithKey(expected, pub, Buffer.from('x'), await signer.sign(data))).toBe(false);
    });
  }

  it('ok/a second session (new store instance) finds keys by URI alone and reads the same public key', async () => {
    const ref = await hsm.generate({ type: 'ec', curve: 'P-256' }, 'tsa');
    hsm.close();
    hsm = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN });
    expect(await hsm.publicKey(ref.uri)).toEqual(ref.publicKeySpki);
    const s = await hsm.signer(ref.uri);
    expect(
      verifyWithKey(
        'ECDSA-SHA256',
        createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' }),
        Buffer.from('a'),
        await s.sign(Buffer.from('a')),
      ),
    ).toBe(true);
  });

  it('ok/pkcs11-tool (OpenSC, independent) lists the generated key on the token', async () => {
    await hsm.generate({ type: 'ec', curve: 'P-256' }, 'seen-by-opensc');
    const out = execFileSync(
      'pkcs11-tool',
      ['--module', MODULE, '--token-label', TOKEN, '--login', '--pin', PIN, '--list-objects', '--type', 'privkey'],
      { env: process.env, encoding: 'utf8' },
    );
    expect(out).toContain('seen-by-opensc');
  });

  it('ok/imported PKCS#8 keys become non-extractable token keys', async () => {
    for (const [type, opts] of [
      ['rsa', { modulusLength: 2048 }],
      ['ec', { namedCurve: 'P-384' }],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
      const ref = await hsm.importPkcs8(privateKey.export({ format: 'der', type: 'pkcs8' }), `imported-${type}`);
      expect(ref.publicKeySpki).toEqual(publicKey.export({ format: 'der', type: 'spki' }));
      const s = await hsm.signer(ref.uri);
      expect(verifyWithKey(s.algorithm, publicKey, Buffer.from('m'), await s.sign(Buffer.from('m')))).toBe(true);
      expect(isAppError(await errOf(hsm.exportPkcs8(ref.uri)), 'FORBIDDEN')).toBe(true);
    }
  });

  it('fail/wrong PIN → PIN_INVALID (PIN not in the message); unknown token/key → KEY_NOT_FOUND; delete', async () => {
    // while another session of this process is logged in (Cryptoki would just say "already logged in")
    const e = await errOf(Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: '0000-wrong' }));
    expect(isAppError(e, 'PIN_INVALID')).toBe(true);
    expect((e as Error).message).not.toContain('0000-wrong');
    // and with no session open: the token itself refuses
    hsm.close();
    expect(isAppError(await errOf(Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: '9999' })), 'PIN_INVALID')).toBe(true);
    hsm = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN });
    expect(isAppError(await errOf(Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: 'nope', pin: PIN })), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(hsm.signer(formatPkcs11Uri({ token: TOKEN, id: Buffer.from('missing') }))), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(hsm.signer(formatPkcs11Uri({ token: 'other', object: 'x' }))), 'KEY_NOT_FOUND')).toBe(true);
    const ref = await hsm.generate({ type: 'ec', curve: 'P-256' }, 'to-delete');
    await hsm.delete(ref.uri);
    expect(isAppError(await errOf(hsm.signer(ref.uri)), 'KEY_NOT_FOUND')).toBe(true);
    expect(isAppError(await errOf(hsm.signer(ref.uri, 'RSA-PKCS1-SHA256')), 'KEY_NOT_FOUND')).toBe(true);
  });

  it('ok/the event loop keeps running while a token slower than the inline limit signs, signature after signature', async () => {
    // every signature counts as slow (none takes less than 0 ms), so none is made on the main thread
    const slow = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN, inlineBelowMs: 0 });
    const ref = await slow.generate({ type: 'rsa', bits: 2048 }, 'loop');
    const signer = await slow.signer(ref.uri);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const pub = createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' });
    try {
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`văn bản ${i}`);
        expect(verifyWithKey(signer.algorithm, pub, data, await signer.sign(data))).toBe(true);
      }
    } finally {
      ticking = false;
      slow.close();
    }
    // a signature made on the main thread would have run all twenty in one turn of the loop
    expect(turns).toBeGreaterThanOrEqual(20);
  });

  /**
   * A store on the test token whose clock makes each signature take the next of `durations` ms
   * (0.1 when none is left), and `where(i)`: signs and verifies, and tells whether the signature was
   * made inline (there before the event loop turned: a setImmediate set before it has not run) or
   * on the threadpool.
   */
  async function timedStore(durations: number[]) {
    let t = 0;
    let ending = false;
    const now = () => {
      if (ending) t += durations.shift() ?? 0.1;
      ending = !ending;
      return t;
    };
    const store = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN, now });
    const ref = await store.generate({ type: 'rsa', bits: 2048 }, 'inline');
    const signer = await store.signer(ref.uri);
    const pub = createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' });
    const where = async (i: number) => {
      let turned = false;
      setImmediate(() => (turned = true));
      const data = Buffer.from(`tờ trình ${i}`);
      expect(verifyWithKey(signer.algorithm, pub, data, await signer.sign(data))).toBe(true);
      return turned ? 'threadpool' : 'inline';
    };
    return { store, where };
  }

  it('ok/after a signature faster than the limit the next is made inline; after a slow one the next goes back to the threadpool', async () => {
    const durations: number[] = [];
    const { store, where } = await timedStore(durations);
    const seen: string[] = [];
    try {
      for (let i = 0; i < 5; i++) seen.push(await where(i));
      durations.push(INLINE_SIGNATURE_MS + 3); // the sixth signature (inline) is slow: the seventh goes to the threadpool
      for (let i = 5; i < 8; i++) seen.push(await where(i));
    } finally {
      store.close();
    }
    expect(seen).toEqual(['threadpool', 'inline', 'inline', 'inline', 'inline', 'inline', 'threadpool', 'inline']);
  });

  it('ok/inline signatures stop at the budget: the next goes to the threadpool, so the event loop turns', async () => {
    // Each fast, but n of them take the whole budget together.
    const each = INLINE_SIGNATURE_MS * 0.95;
    const n = Math.ceil(INLINE_BUDGET_MS / each);
    const { store, where } = await timedStore(Array<number>(2 * n + 4).fill(each));
    const seen: string[] = [];
    try {
      for (let i = 0; i < 2 * n + 4; i++) seen.push(await where(i));
    } finally {
      store.close();
    }
    const burst = [...Array<string>(n).fill('inline'), 'threadpool'];
    expect(seen).toEqual(['threadpool', ...burst, ...burst, 'inline']);
  });

  it('ok/signatures asked for at once are made one after the other on the token, each of its own data; close waits for them', async () => {
    const rsa = await hsm.generate({ type: 'rsa', bits: 2048 }, 'many-rsa');
    const ec = await hsm.generate({ type: 'ec', curve: 'P-256' }, 'many-ec');
    const signers = [await hsm.signer(rsa.uri), await hsm.signer(ec.uri, 'ECDSA-SHA256')];
    const keys = [rsa, ec].map((r) => createPublicKey({ key: r.publicKeySpki, format: 'der', type: 'spki' }));
    const data = Array.from({ length: 24 }, (_, i) => Buffer.from(`tài liệu ${i}`));
    const pending = data.map((d, i) => signers[i % 2]!.sign(d));
    // closing now lets the signatures already asked for finish (the logout follows them); a later one is refused
    hsm.close();
    const refused = await errOf(signers[0]!.sign(Buffer.from('late')));
    const signatures = await Promise.all(pending);
    signatures.forEach((sig, i) => {
      expect(verifyWithKey(signers[i % 2]!.algorithm, keys[i % 2]!, data[i]!, sig)).toBe(true);
    });
    expect(isAppError(refused, 'KEY_LOCKED')).toBe(true);
    hsm = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN });
  });

  it('ok/a store closed with signatures still queued does not log out a store of the same token opened meanwhile', async () => {
    const ref = await hsm.generate({ type: 'rsa', bits: 2048 }, 'handover');
    const pub = createPublicKey({ key: ref.publicKeySpki, format: 'der', type: 'spki' });
    const first = await hsm.signer(ref.uri);
    const queued = Array.from({ length: 10 }, (_, i) => first.sign(Buffer.from(`trước ${i}`)));
    hsm.close();
    // opened while the closed store's signatures are still being made
    hsm = await Pkcs11KeyStore.open({ modulePath: MODULE, tokenLabel: TOKEN, pin: PIN });
    await Promise.all(queued);
    const next = await hsm.signer(ref.uri);
    const data = Buffer.from('sau khi đóng');
    expect(verifyWithKey(next.algorithm, pub, data, await next.sign(data))).toBe(true);
  });

  it('ok/the router sends pkcs11: URIs to the token adapter', async () => {
    const router = new KeyStoreRouter([hsm]);
    const ref = await router.generate({ type: 'ec', curve: 'P-256' }, 'routed');
    expect((await router.signer(ref.uri)).algorithm).toBe('ECDSA-SHA256');
    expect(isAppError(await errOf(router.signer('kyso-key:k_1')), 'KEY_URI_UNSUPPORTED')).toBe(true);
  });

  it('ok/RFC 7512 URI parsing and formatting', () => {
    const uri = formatPkcs11Uri({ token: 'My Token', object: 'CA;key', id: Buffer.from([0, 0xff]), type: 'private' });
    expect(uri).toBe('pkcs11:token=My%20Token;object=CA%3Bkey;id=%00%ff;type=private');
    expect(parsePkcs11Uri(uri)).toEqual({ token: 'My Token', object: 'CA;key', id: Buffer.from([0, 0xff]), type: 'private' });
    expect(parsePkcs11Uri('pkcs11:object=a?pin-value=1234')).toEqual({ object: 'a' });
    expect(parsePkcs11Uri('pkcs11:id=%zz')).toBeUndefined();
    expect(parsePkcs11Uri('kyso-key:k_1')).toBeUndefined();
  });
});
