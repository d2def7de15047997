import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { createInProcessTimestampClient, type TimestampClient } from '../../../src/cms/timestamp-client.js';
import { addSignatureTimestamp, documentTimestamp, signatureTimestamper } from '../../../src/cms/signature-timestamp.js';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { parseCms } from '../../../src/cms/parse.js';
import { parseTimestampToken } from '../../../src/cms/timestamp-token.js';
import { keySigner, makeTestPki, run, SIGNER_EXT, TSA_EXT, type TestIdentity, type TestPki } from './test-pki.js';

let pki: TestPki;
let signer: TestIdentity;
let tsa: TestIdentity;
let client: TimestampClient;

beforeAll(() => {
  pki = makeTestPki();
  signer = pki.issue('signer', 'rsa', SIGNER_EXT);
  tsa = pki.issue('tsa', 'p256', TSA_EXT);
  client = createInProcessTimestampClient(
    createTimestampAuthority({
      signer: keySigner(tsa),
      certificate: tsa.cert,
      chain: [pki.root.cert],
      policyOid: '1.3.6.1.4.1.99999.2',
      clock: new FakeClock(Date.now()),
    }),
  );
}, 60_000);

function opensslCmsVerify(name: string, cms: Buffer, data: Buffer): string {
  writeFileSync(join(pki.dir, `${name}.der`), cms);
  writeFileSync(join(pki.dir, `${name}.bin`), data);
  return run(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      `${name}.der`,
      '-content',
      `${name}.bin`,
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
  ).out;
}

function opensslTokenVerify(name: string, token: Buffer, data: Buffer): string {
  writeFileSync(join(pki.dir, `${name}.tst`), token);
  writeFileSync(join(pki.dir, `${name}.sigval`), data);
  return run(
    'openssl',
    ['ts', '-verify', '-data', `${name}.sigval`, '-in', `${name}.tst`, '-token_in', '-CAfile', pki.rootPath, '-untrusted', tsa.certPath],
    pki.dir,
  ).out;
}

describe('PAdES B-T material', () => {
  it('signDetachedCms with a timestamper: CMS verifies, token verifies over the signature value', async () => {
    const data = randomBytes(4000);
    const cms = await signDetachedCms({
      contentDigest: createHash('sha256').update(data).digest(),
      signer: keySigner(signer),
      signerCertificate: signer.cert,
      certificates: [pki.root.cert],
      timestamp: signatureTimestamper(client),
    });
    expect(opensslCmsVerify('bt1', cms, data)).toContain('Verification successful');
    const si = parseCms(cms).signerInfos[0]!;
    expect(si.timestampTokens).toHaveLength(1);
    expect(opensslTokenVerify('bt1', si.timestampTokens[0]!, si.signature)).toContain('Verification: OK');
    expect(opensslTokenVerify('bt1x', si.timestampTokens[0]!, Buffer.from('other'))).not.toContain('Verification: OK');
  });

  it('addSignatureTimestamp extends a B-B CMS without touching signed bytes', async () => {
    const data = randomBytes(1000);
    const bb = await signDetachedCms({
      contentDigest: createHash('sha256').update(data).digest(),
      signer: keySigner(signer),
      signerCertificate: signer.cert,
      certificates: [],
    });
    const bt = await addSignatureTimestamp(bb, client);
    const before = parseCms(bb).signerInfos[0]!;
    const after = parseCms(bt).signerInfos[0]!;
    expect(after.signedAttributesRaw!.equals(before.signedAttributesRaw!)).toBe(true);
    expect(after.signature.equals(before.signature)).toBe(true);
    expect(after.timestampTokens).toHaveLength(1);
    expect(opensslCmsVerify('bt2', bt, data)).toContain('Verification successful');
    expect(opensslTokenVerify('bt2', after.timestampTokens[0]!, after.signature)).toContain('Verification: OK');
    // a second call adds a second token, DER-sorted with the first
    const bt2 = await addSignatureTimestamp(bt, client);
    expect(parseCms(bt2).signerInfos[0]!.timestampTokens).toHaveLength(2);
    expect(opensslCmsVerify('bt3', bt2, data)).toContain('Verification successful');
  });

  it('documentTimestamp returns a bare token over the given digest (ETSI.RFC3161 /Contents)', async () => {
    const data = randomBytes(2000);
    const token = await documentTimestamp(client, createHash('sha256').update(data).digest());
    expect(parseTimestampToken(token).tstInfo.hashedMessage.equals(createHash('sha256').update(data).digest())).toBe(true);
    expect(opensslTokenVerify('doc', token, data)).toContain('Verification: OK');
  });

  it('addSignatureTimestamp refuses garbage with CMS_MALFORMED', async () => {
    await expect(addSignatureTimestamp(Buffer.from('garbage'), client)).rejects.toMatchObject({ code: 'CMS_MALFORMED' });
  });
});
