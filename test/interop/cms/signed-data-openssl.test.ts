import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SignatureAlgorithm } from '../../../src/core/signature-algorithms.js';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { parseCms } from '../../../src/cms/parse.js';
import { OID } from '../../../src/core/oids.js';
import { keySigner, makeTestPki, run, SIGNER_EXT, type TestIdentity, type TestPki } from './test-pki.js';

let pki: TestPki;
const ids: Record<string, TestIdentity> = {};

beforeAll(() => {
  pki = makeTestPki();
  ids.rsa = pki.issue('signer-rsa', 'rsa', SIGNER_EXT);
  ids.p256 = pki.issue('signer-p256', 'p256', SIGNER_EXT);
  ids.p384 = pki.issue('signer-p384', 'p384', SIGNER_EXT);
}, 60_000);

const cases: Array<[string, 'rsa' | 'p256' | 'p384', SignatureAlgorithm]> = [
  ['RSA PKCS#1 v1.5 SHA-256', 'rsa', 'RSA-PKCS1-SHA256'],
  ['RSA PKCS#1 v1.5 SHA-512', 'rsa', 'RSA-PKCS1-SHA512'],
  ['RSA-PSS SHA-256', 'rsa', 'RSA-PSS-SHA256'],
  ['RSA-PSS SHA-384', 'rsa', 'RSA-PSS-SHA384'],
  ['ECDSA P-256 SHA-256', 'p256', 'ECDSA-SHA256'],
  ['ECDSA P-384 SHA-384', 'p384', 'ECDSA-SHA384'],
];

describe('detached CMS accepted by openssl cms -verify', () => {
  it.each(cases)('%s', async (_name, kind, alg) => {
    const id = ids[kind]!;
    const data = randomBytes(5000);
    const hash = alg.endsWith('512') ? 'sha512' : alg.endsWith('384') ? 'sha384' : 'sha256';
    const cms = await signDetachedCms({
      contentDigest: createHash(hash).update(data).digest(),
      digestAlgorithm: hash,
      signer: keySigner(id, alg),
      signerCertificate: id.cert,
      certificates: [pki.root.cert],
    });
    const base = join(pki.dir, `sig-${alg}`);
    writeFileSync(`${base}.der`, cms);
    writeFileSync(`${base}.bin`, data);
    const ok = run(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        `${base}.der`,
        '-content',
        `${base}.bin`,
        '-CAfile',
        pki.rootPath,
        '-purpose',
        'any',
        '-no-CApath',
        '-no-CAstore',
        '-out',
        '/dev/null',
      ],
      pki.dir,
    );
    expect(ok.out).toContain('Verification successful');
    expect(ok.code).toBe(0);

    // tampered content must fail, so the check above is meaningful
    const bad = Buffer.from(data);
    bad[10] = (bad[10] ?? 0) ^ 1;
    writeFileSync(`${base}.bad`, bad);
    const ko = run(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        `${base}.der`,
        '-content',
        `${base}.bad`,
        '-CAfile',
        pki.rootPath,
        '-purpose',
        'any',
        '-no-CApath',
        '-no-CAstore',
        '-out',
        '/dev/null',
      ],
      pki.dir,
    );
    expect(ko.code).not.toBe(0);

    // openssl's own view of the signed attributes: content-type, message-digest, ESS v2, and no signing-time
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', `${base}.der`], pki.dir).out;
    expect(printed).toContain('contentType');
    expect(printed).toContain('messageDigest');
    expect(printed).toMatch(/id-smime-aa-signingCertificateV2|signingCertificateV2/);
    expect(printed).not.toContain('signingTime');

    const parsed = parseCms(cms);
    const si = parsed.signerInfos[0]!;
    expect(parsed.signerInfoCount).toBe(1);
    expect(si.signedAttributesDerSorted).toBe(true);
    expect(si.signingTime).toBeUndefined();
    expect(si.digestAlgorithm).toBe(hash);
    expect(si.essCertIds).toHaveLength(1);
    expect(si.essCertIds[0]!.version).toBe(2);
    expect(si.essCertIds[0]!.hashAlgorithm).toBe('sha256');
    expect(si.essCertIds[0]!.certHash.equals(createHash('sha256').update(id.cert).digest())).toBe(true);
    expect(si.essCertIds[0]!.issuerSerial).toBeDefined();
    expect(si.contentType).toBe(OID.data);
    expect(parsed.encapsulatedContent).toBeUndefined();
  });
});
