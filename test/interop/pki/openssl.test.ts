import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemEncode } from '../../../src/core/bytes.js';
import { seq, int, oid, octets, explicit, algId, NULL } from '../../../src/core/der.js';
import { certificateInfo } from '../../../src/cms/certificate-info.js';
import { ADMIN, makeCsr, makePki } from '../../unit/pki/support/pki-fixture.js';

/** Independent checks with OpenSSL 3 and GnuTLS certtool (docs/interop.md). */
let dir: string;
let pki: Awaited<ReturnType<typeof makePki>>;
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
const write = (name: string, data: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-pki-'));
  pki = await makePki({ config: { caKeySpec: { type: 'rsa', bits: 2048 } } });
  const ca = (id: string) => pki.store.cas.get(id).then((r) => pemEncode('CERTIFICATE', r!.certificateDer));
  write('root.pem', await ca('root'));
  write('individuals.pem', await ca('individuals'));
  write('organizations.pem', await ca('organizations'));
  write('ocsp-individuals.pem', await ca('ocsp-individuals'));
  write('tsa.pem', await ca('tsa'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const subject = {
  commonName: 'Nguyễn Văn An',
  organization: 'UBND tỉnh Quảng Ninh',
  organizationalUnits: ['Sở Tư pháp', 'Phòng Hành chính tư pháp'],
  province: 'Quảng Ninh',
  locality: 'Hạ Long',
  email: 'an.nv@quangninh.gov.vn',
  uids: ['CCCD:001234567890'],
};

describe('openssl/certtool accept what the CA issues', () => {
  it('issued chains verify with openssl verify and certtool reports no errors', async () => {
    const { der } = makeCsr({ type: 'rsa' });
    const res = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: der } });
    const leaf = write('leaf.pem', res.pem);
    const v = run('openssl', [
      'verify',
      '-no-CApath',
      '-no-CAstore',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'individuals.pem'),
      leaf,
    ]);
    expect(v.stdout + v.stderr).toContain('leaf.pem: OK');
    expect(v.status).toBe(0);
    for (const f of ['root.pem', 'individuals.pem', 'organizations.pem', 'ocsp-individuals.pem', 'tsa.pem', 'leaf.pem']) {
      const c = run('certtool', ['--certificate-info', '--infile', join(dir, f)]);
      expect(c.status, f + c.stderr).toBe(0);
      expect(c.stderr).not.toMatch(/error/i);
    }
    const text = run('openssl', ['x509', '-in', leaf, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus']).stdout;
    expect(text).toContain('CN=Nguyễn Văn An');
    expect(text).toContain('OU=Sở Tư pháp,OU=Phòng Hành chính tư pháp');
    expect(text).toContain('UID=CCCD:001234567890');
    expect(text).toMatch(/E-mail Protection/);
    expect(text).toContain('1.3.6.1.5.5.7.3.36');
    expect(text).toContain('URI:http://127.0.0.1:8089/pki/crl/individuals.crl');
    expect(text).toContain('OCSP - URI:http://127.0.0.1:8089/pki/ocsp');
    expect(text).toContain('CA Issuers - URI:http://127.0.0.1:8089/pki/ca/individuals.crt');
    expect(text).toMatch(/Digital Signature, Non Repudiation/);
    // TSA: critical EKU timeStamping only; OCSP responder: OCSPSigning + nocheck
    const tsa = run('openssl', ['x509', '-in', join(dir, 'tsa.pem'), '-noout', '-ext', 'extendedKeyUsage']).stdout;
    expect(tsa).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    const resp = run('openssl', ['x509', '-in', join(dir, 'ocsp-individuals.pem'), '-noout', '-text']).stdout;
    expect(resp).toContain('OCSP Signing');
    expect(resp).toContain('OCSP No Check');
    const vt = run('openssl', [
      'verify',
      '-no-CApath',
      '-no-CAstore',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'organizations.pem'),
      '-purpose',
      'timestampsign',
      join(dir, 'tsa.pem'),
    ]);
    expect(vt.stdout).toContain('OK');
  });

  it('NSS (the library behind pdfsig) accepts the signing certificate for e-mail/document signing', async () => {
    const res = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr({ type: 'rsa' }).der } });
    const org = await pki.issuance.issue(ADMIN, {
      profile: 'organization',
      subject: { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', uids: ['MST:5700100256'] },
      key: { csr: makeCsr().der },
    });
    const db = join(dir, 'nss');
    execFileSync('mkdir', ['-p', db]);
    execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'root', '-t', 'CT,C,C', '-i', join(dir, 'root.pem')]);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'ica', '-t', ',,', '-i', join(dir, 'individuals.pem')]);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'oca', '-t', ',,', '-i', join(dir, 'organizations.pem')]);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'leaf', '-t', ',,', '-i', write('nss-leaf.pem', res.pem)]);
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'seal', '-t', ',,', '-i', write('nss-seal.pem', org.pem)]);
    for (const nick of ['leaf', 'seal']) {
      const v = run('certutil', ['-V', '-d', `sql:${db}`, '-n', nick, '-u', 'S']);
      expect(v.stdout + v.stderr, nick).toContain('certificate is valid');
    }
    // a device certificate (no emailProtection) is refused for signing: the check can fail
    const dev = await pki.issuance.issue(ADMIN, {
      profile: 'device',
      subject: { commonName: 'Hệ thống một cửa' },
      key: { csr: makeCsr().der },
    });
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'dev', '-t', ',,', '-i', write('nss-dev.pem', dev.pem)]);
    const d = run('certutil', ['-V', '-d', `sql:${db}`, '-n', 'dev', '-u', 'S']);
    expect(d.stdout + d.stderr).not.toContain('certificate is valid');
  });

  it('a server-generated PKCS#12 opens with openssl pkcs12 (no -legacy) and holds key, cert and chain', async () => {
    for (const spec of [
      { type: 'rsa', bits: 2048 },
      { type: 'ec', curve: 'P-256' },
    ] as const) {
      const res = await pki.issuance.issue(ADMIN, {
        profile: 'individual',
        subject,
        key: { generate: spec, pkcs12Password: 'mật khẩu 123', friendlyName: 'Nguyen Van An' },
      });
      const p12 = write('out.p12', res.pkcs12!);
      const out = run('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:mật khẩu 123', '-nodes']);
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).toContain('BEGIN PRIVATE KEY');
      expect((out.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(3);
      expect(out.stdout).toContain('friendlyName: Nguyen Van An');
      const bad = run('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:wrong', '-nodes']);
      expect(bad.status).not.toBe(0);
      // the key in the file matches the certificate
      const keyPem = write('k.pem', out.stdout.slice(out.stdout.indexOf('-----BEGIN PRIVATE KEY')));
      const pub1 = run('openssl', ['pkey', '-in', keyPem, '-pubout']).stdout;
      const pub2 = run('openssl', ['x509', '-in', write('c.pem', res.pem), '-noout', '-pubkey']).stdout;
      expect(pub1).toBe(pub2);
    }
  });

  it('CRLs verify with openssl crl -verify and list revoked and held certificates with reasons', async () => {
    const a = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    const b = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    await pki.lifecycle.revoke(
      ADMIN,
      { id: a.certificate.id },
      { reason: 'keyCompromise', invalidityDate: new Date(pki.clock.now().getTime() - 3600_000) },
    );
    await pki.lifecycle.suspend(ADMIN, { id: b.certificate.id });
    const crl = await pki.crl.generate('individuals');
    const f = write('ind.crl', crl.der);
    const v = run('openssl', ['crl', '-inform', 'DER', '-in', f, '-CAfile', join(dir, 'individuals.pem'), '-noout', '-verify', '-text']);
    expect(v.stderr).toContain('verify OK');
    expect(v.stdout).toContain('Version 2');
    expect(v.stdout).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(v.stdout).toContain(a.certificate.serial.toUpperCase());
    expect(v.stdout).toContain('Key Compromise');
    expect(v.stdout).toContain('Certificate Hold');
    expect(v.stdout).toContain('Invalidity Date');
    // verify -crl_check: a revoked leaf fails, a fresh one passes
    const leafA = write('a.pem', a.pem);
    const crlPem = write('ind.crl.pem', pemEncode('X509 CRL', crl.der));
    const rootCrl = write('root.crl.pem', pemEncode('X509 CRL', (await pki.crl.generate('root')).der));
    const chk = run('openssl', [
      'verify',
      '-no-CApath',
      '-no-CAstore',
      '-crl_check_all',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'individuals.pem'),
      '-CRLfile',
      crlPem,
      '-CRLfile',
      rootCrl,
      leafA,
    ]);
    expect(chk.stdout + chk.stderr).toContain('certificate revoked');
    // released: leaves the next CRL
    await pki.lifecycle.release(ADMIN, { id: b.certificate.id });
    const crl2 = await pki.crl.generate('individuals');
    expect(crl2.crlNumber).toBeGreaterThan(crl.crlNumber);
    const t2 = run('openssl', ['crl', '-inform', 'DER', '-in', write('ind2.crl', crl2.der), '-noout', '-text']).stdout;
    expect(t2).not.toContain(b.certificate.serial.toUpperCase());
    expect(t2).toContain(a.certificate.serial.toUpperCase());
  });

  it('openssl ocsp verifies responses: good, revoked, good after release; nonce echoed', async () => {
    const res = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
    const leaf = write('o.pem', res.pem);
    const ask = async (nonce: boolean) => {
      const reqFile = join(dir, 'req.der');
      execFileSync('openssl', [
        'ocsp',
        '-issuer',
        join(dir, 'individuals.pem'),
        '-cert',
        leaf,
        ...(nonce ? [] : ['-no_nonce']),
        '-reqout',
        reqFile,
      ]);
      const ans = await pki.ocsp.respond(readFileSync(reqFile));
      const respFile = write('resp.der', ans.der);
      return run('openssl', [
        'ocsp',
        '-reqin',
        reqFile,
        '-respin',
        respFile,
        '-issuer',
        join(dir, 'individuals.pem'),
        '-VAfile',
        join(dir, 'ocsp-individuals.pem'),
        '-resp_text',
        '-no-CApath',
        '-no-CAstore',
        '-CAfile',
        join(dir, 'root.pem'),
      ]);
    };
    let r = await ask(true);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain('Cert Status: good');
    expect(r.stdout).toContain('OCSP Nonce');
    expect(r.stdout + r.stderr).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
    await pki.lifecycle.suspend(ADMIN, { id: res.certificate.id });
    r = await ask(false);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain('Cert Status: revoked');
    expect(r.stdout).toContain('Revocation Reason: certificateHold');
    await pki.lifecycle.release(ADMIN, { id: res.certificate.id });
    r = await ask(false);
    expect(r.stdout).toContain('Cert Status: good');
    await pki.lifecycle.revoke(ADMIN, { id: res.certificate.id }, { reason: 1 });
    r = await ask(true);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain('Cert Status: revoked');
    expect(r.stdout).toContain('Revocation Reason: keyCompromise');
  });

  it('OCSP for an issuing CA (answered by the root responder) and for unknown serials', async () => {
    const ica = certificateInfo((await pki.store.cas.get('individuals'))!.certificateDer);
    const root = certificateInfo((await pki.store.cas.get('root'))!.certificateDer);
    const { createHash } = await import('node:crypto');
    const certId = (serial: Buffer | bigint) =>
      seq(
        algId('1.3.14.3.2.26', 'null'),
        octets(createHash('sha1').update(root.subject).digest()),
        octets(createHash('sha1').update(root.publicKeyBits).digest()),
        int(serial),
      );
    const req = (serial: Buffer | bigint) => seq(seq(seq(seq(certId(serial)))));
    const ok = await pki.ocsp.respond(req(ica.serialNumber));
    writeFileSync(join(dir, 'r1.der'), ok.der);
    write('ocsp-root.pem', pemEncode('CERTIFICATE', (await pki.store.cas.get('ocsp-root'))!.certificateDer));
    const t = run('openssl', [
      'ocsp',
      '-respin',
      join(dir, 'r1.der'),
      '-resp_text',
      '-VAfile',
      join(dir, 'ocsp-root.pem'),
      '-no-CApath',
      '-no-CAstore',
      '-CAfile',
      join(dir, 'root.pem'),
    ]);
    expect(t.stderr).toContain('Response verify OK');
    expect(t.stdout).toContain('Cert Status: good');
    const unk = await pki.ocsp.respond(req(Buffer.from('0102030405060708', 'hex')));
    writeFileSync(join(dir, 'r2.der'), unk.der);
    const t2 = run('openssl', [
      'ocsp',
      '-respin',
      join(dir, 'r2.der'),
      '-resp_text',
      '-VAfile',
      join(dir, 'ocsp-root.pem'),
      '-no-CApath',
      '-no-CAstore',
      '-CAfile',
      join(dir, 'root.pem'),
    ]);
    expect(t2.stdout).toContain('Cert Status: unknown');
    void explicit;
    void oid;
    void NULL;
  });
});
