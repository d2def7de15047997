import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isAppError } from '../../../src/core/errors.js';
import { checkTimestampAuthority, createTimestampAuthority, type TimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { parseTimestampResponse, parseTimestampToken } from '../../../src/cms/timestamp-token.js';
import { keySigner, makeTestPki, run, SIGNER_EXT, TSA_EXT, type TestIdentity, type TestPki } from './test-pki.js';

const POLICY = '1.3.6.1.4.1.99999.1.3161';
let pki: TestPki;
let tsaEc: TestIdentity;
let tsaRsa: TestIdentity;
let clock: FakeClock;
const authorities: Record<string, TimestampAuthority> = {};

beforeAll(() => {
  pki = makeTestPki();
  tsaEc = pki.issue('tsa-p256', 'p256', TSA_EXT);
  tsaRsa = pki.issue('tsa-rsa', 'rsa', TSA_EXT);
  clock = new FakeClock(Date.now());
  authorities.ec = createTimestampAuthority({
    signer: keySigner(tsaEc),
    certificate: tsaEc.cert,
    policyOid: POLICY,
    clock,
    accuracy: { seconds: 1, millis: 500 },
    includeTsaName: true,
  });
  authorities.rsa = createTimestampAuthority({
    signer: keySigner(tsaRsa),
    certificate: tsaRsa.cert,
    chain: [pki.root.cert],
    policyOid: POLICY,
    clock,
  });
}, 60_000);

function query(name: string, args: string[]): string {
  const dataPath = join(pki.dir, `${name}.bin`);
  writeFileSync(dataPath, randomBytes(3000));
  const q = run('openssl', ['ts', '-query', '-data', dataPath, ...args, '-out', `${name}.tsq`], pki.dir);
  expect(q.code).toBe(0);
  return dataPath;
}

async function answer(tsa: TimestampAuthority, name: string): Promise<string> {
  const resp = await tsa.respond(readFileSync(join(pki.dir, `${name}.tsq`)));
  writeFileSync(join(pki.dir, `${name}.tsr`), resp);
  return join(pki.dir, `${name}.tsr`);
}

describe('RFC 3161 TSA core against openssl ts', () => {
  it.each([
    ['ec', 'sha256'],
    ['ec', 'sha512'],
    ['rsa', 'sha384'],
  ])('%s key, %s query: reply parses and openssl ts -verify says OK', async (kind, hash) => {
    const name = `q-${kind}-${hash}`;
    const data = query(name, [`-${hash}`, '-cert']);
    const tsr = await answer(authorities[kind]!, name);
    const text = run('openssl', ['ts', '-reply', '-in', tsr, '-text'], pki.dir);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Status: Granted.');
    expect(text.out).toContain(`Policy OID: ${POLICY}`);
    expect(text.out).toMatch(/Ordering: no/);
    expect(text.out).not.toMatch(/Nonce: unspecified/);
    const reqText = run('openssl', ['ts', '-query', '-in', `${name}.tsq`, '-text'], pki.dir).out;
    const reqNonce = reqText.match(/Nonce: (\S+)/)?.[1];
    expect(reqNonce).toBeDefined();
    expect(text.out).toContain(`Nonce: ${reqNonce}`);
    if (kind === 'ec') expect(text.out).toMatch(/Accuracy: 0x01 seconds, 0x01F4 millis/i);
    const verify = run(
      'openssl',
      ['ts', '-verify', '-data', data, '-in', tsr, '-CAfile', pki.rootPath, '-untrusted', kind === 'ec' ? tsaEc.certPath : tsaRsa.certPath],
      pki.dir,
    );
    expect(verify.out).toContain('Verification: OK');
    // the request alone also verifies the response (imprint + nonce)
    const v2 = run(
      'openssl',
      [
        'ts',
        '-verify',
        '-queryfile',
        `${name}.tsq`,
        '-in',
        tsr,
        '-CAfile',
        pki.rootPath,
        '-untrusted',
        kind === 'ec' ? tsaEc.certPath : tsaRsa.certPath,
      ],
      pki.dir,
    );
    expect(v2.out).toContain('Verification: OK');
    // other data must not verify
    const other = join(pki.dir, `${name}.other`);
    writeFileSync(other, 'different');
    const ko = run(
      'openssl',
      ['ts', '-verify', '-data', other, '-in', tsr, '-CAfile', pki.rootPath, '-untrusted', tsaEc.certPath],
      pki.dir,
    );
    expect(ko.out).not.toContain('Verification: OK');
  });

  it('certReq false leaves the certificate out; openssl then needs it via -untrusted', async () => {
    const name = 'q-nocert';
    const data = query(name, ['-sha256']);
    const tsr = await answer(authorities.ec!, name);
    const parsed = parseTimestampResponse(readFileSync(tsr));
    expect(parsed.status).toBe(0);
    expect(parseTimestampToken(parsed.token!).cms.certificates).toHaveLength(0);
    const verify = run(
      'openssl',
      ['ts', '-verify', '-data', data, '-in', tsr, '-CAfile', pki.rootPath, '-untrusted', tsaEc.certPath],
      pki.dir,
    );
    expect(verify.out).toContain('Verification: OK');
  });

  it('serials are unique and genTime comes from the TSA clock', async () => {
    const serials = new Set<bigint>();
    clock.set('2030-01-02T03:04:05.678Z');
    for (let i = 0; i < 50; i++) {
      const { token } = await authorities.ec!.issue({ hash: 'sha256', digest: randomBytes(32) });
      const t = parseTimestampToken(token).tstInfo;
      serials.add(t.serialNumber);
      expect(t.genTime.toISOString()).toBe('2030-01-02T03:04:05.678Z');
      expect(t.ordering).toBe(false);
    }
    expect(serials.size).toBe(50);
    clock.set(Date.now());
  });

  it('unsupported hash (SHA-1) gets a rejection with failInfo badAlg', async () => {
    query('q-sha1', ['-sha1', '-cert']);
    const tsr = await answer(authorities.ec!, 'q-sha1');
    const text = run('openssl', ['ts', '-reply', '-in', tsr, '-text'], pki.dir).out;
    expect(text).toContain('Status: Rejected.');
    expect(text).toMatch(/Failure info:\s*\n?\s*unrecognized or unsupported algorithm identifier/i);
    expect(parseTimestampResponse(readFileSync(tsr)).failInfo).toEqual([0]);
  });

  it('garbage gets badDataFormat; a policy we do not offer gets unacceptedPolicy', async () => {
    const r = parseTimestampResponse(await authorities.ec!.respond(Buffer.from('not a request at all')));
    expect(r.status).toBe(2);
    expect(r.failInfo).toEqual([5]);
    writeFileSync(join(pki.dir, 'garbage.tsr'), await authorities.ec!.respond(Buffer.from([0x30, 0x03, 0x02, 0x01])));
    const text = run('openssl', ['ts', '-reply', '-in', 'garbage.tsr', '-text'], pki.dir).out;
    expect(text).toContain('Status: Rejected.');
    expect(text).toMatch(/the data submitted has the wrong format/);
    query('q-pol', ['-sha256', '-tspolicy', '1.2.3.4.5']);
    const tsr = await answer(authorities.ec!, 'q-pol');
    expect(parseTimestampResponse(readFileSync(tsr)).failInfo).toEqual([15]);
  });

  it('the TSA certificate carries EKU timeStamping critical (checked by openssl and at start-up)', () => {
    const text = run('openssl', ['x509', '-in', tsaEc.certPath, '-noout', '-text'], pki.dir).out;
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s*\n\s*Time Stamping/);
    expect(() =>
      checkTimestampAuthority({ clock: new FakeClock(Date.now()), certificate: tsaEc.cert, signer: keySigner(tsaEc) }),
    ).not.toThrow();
    const notTsa = pki.issue('not-a-tsa', 'p256', SIGNER_EXT);
    expect(() => checkTimestampAuthority({ clock: new FakeClock(Date.now()), certificate: notTsa.cert })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => checkTimestampAuthority({ clock: new FakeClock(Date.now()), certificate: tsaEc.cert, signer: keySigner(tsaRsa) })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('refuses to start with a clock before the TSA certificate notBefore (CLOCK_INVALID)', () => {
    try {
      checkTimestampAuthority({ clock: new FakeClock('2001-01-01T00:00:00Z'), certificate: tsaEc.cert });
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'CLOCK_INVALID')).toBe(true);
    }
    expect(() => checkTimestampAuthority({ clock: new FakeClock(Date.now() + 5 * 365 * 86400_000), certificate: tsaEc.cert })).toThrow(
      expect.objectContaining({ code: 'CLOCK_INVALID' }),
    );
  });
});
