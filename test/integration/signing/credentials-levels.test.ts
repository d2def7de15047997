import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { timestampPortFromClient, revocationPortFromSource } from '../../../src/signing/cms-adapters.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { createInProcessTimestampClient } from '../../../src/cms/timestamp-client.js';
import { parseCms } from '../../../src/cms/parse.js';
import { issueIntermediate, issueSigner, makeCrl, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { errorCode } from '../../unit/signing/helpers.js';
import { assertSignedOk, makeService } from './harness.js';
import { extractSignatures, mutoolVerify, opensslVerify, qpdfCheck, tmp } from './tools.js';

const decision = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'quyet-dinh.pdf'));
const ca = sharedTestCa();
const CRL_URL = 'http://crl.kyso.test/root.crl';

describe('server-held credential signing', () => {
  it('ok/sign with credential + PIN; another user is refused; 5 wrong PINs lock it; every step audited without the PIN', async () => {
    const s = issueSigner(ca, { cn: 'Đỗ Văn Chứng Thư Hai' });
    const { service, credentials, keyStore, audit } = makeService();
    const keyUri = keyStore.add(s.key);
    const cred = await credentials.register({ ownerId: 'official-7', keyUri, certificates: s.chain, pin: '918273' });
    const out = await service.sign(decision, {
      signer: { kind: 'credential', credentialId: cred.id, pin: '918273' },
      actorId: 'official-7',
    });
    assertSignedOk(decision, out, 1, ca, 'credential');
    expect(
      await errorCode(
        service.sign(decision, { signer: { kind: 'credential', credentialId: cred.id, pin: '918273' }, actorId: 'official-8' }),
      ),
    ).toBe('FORBIDDEN');
    for (let i = 0; i < 4; i++) {
      expect(
        await errorCode(
          service.sign(decision, { signer: { kind: 'credential', credentialId: cred.id, pin: '000000' }, actorId: 'official-7' }),
        ),
      ).toBe('PIN_INVALID');
    }
    expect(
      await errorCode(
        service.sign(decision, { signer: { kind: 'credential', credentialId: cred.id, pin: '000000' }, actorId: 'official-7' }),
      ),
    ).toBe('CREDENTIAL_LOCKED');
    expect(
      await errorCode(
        service.sign(decision, { signer: { kind: 'credential', credentialId: cred.id, pin: '918273' }, actorId: 'official-7' }),
      ),
    ).toBe('CREDENTIAL_LOCKED');
    const actions = audit.events.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toContain('signing.sign:success');
    expect(actions).toContain('signing.credential.lock:success');
    expect(actions.filter((a) => a === 'signing.credential.pin:failure')).toHaveLength(6);
    expect(JSON.stringify(audit.events)).not.toContain('918273');
  });

  it('ok/batch: one PIN signs three documents; a bad document is reported, the key signs only the good ones, the authorization is then used up', async () => {
    const s = issueSigner(ca, { cn: 'Hoàng Văn Lô' });
    const { service, credentials, keyStore, audit } = makeService();
    const keyUri = keyStore.add(s.key);
    const cred = await credentials.register({ ownerId: 'official-9', keyUri, certificates: s.chain, pin: '556677' });
    const docs = [decision, decision, Buffer.from('not a pdf')];
    const r = await service.signBatch(docs, {
      signer: { kind: 'credential', credentialId: cred.id, pin: '556677' },
      actorId: 'official-9',
    });
    expect(r.results.map((x) => x.ok)).toEqual([true, true, false]);
    expect(r.results[2]!.error?.code).toBe('PDF_NOT_PDF');
    assertSignedOk(decision, r.results[0]!.pdf!, 1, ca, 'batch-0');
    assertSignedOk(decision, r.results[1]!.pdf!, 1, ca, 'batch-1');
    expect(keyStore.signCount).toBe(2);
    expect(audit.events.filter((e) => e.action === 'signing.credential.pin')).toHaveLength(0); // PIN checked once, no failure
    expect(audit.events.filter((e) => e.action === 'signing.batch.authorize')).toHaveLength(1);
    expect(audit.events.filter((e) => e.action === 'signing.batch')).toHaveLength(1);
    // a document refused before signing does not use up a unit: one is left, then none
    const extra = await service.sign(decision, {
      signer: { kind: 'credential', authorizationId: r.authorizationId! },
      actorId: 'official-9',
    });
    assertSignedOk(decision, extra, 1, ca, 'batch-extra');
    expect(
      await errorCode(
        service.sign(decision, { signer: { kind: 'credential', authorizationId: r.authorizationId! }, actorId: 'official-9' }),
      ),
    ).toBe('FORBIDDEN');
    // wrong PIN for a batch: nothing signed
    expect(
      await errorCode(
        service.signBatch([decision], { signer: { kind: 'credential', credentialId: cred.id, pin: 'nope00' }, actorId: 'official-9' }),
      ),
    ).toBe('PIN_INVALID');
  });
});

describe('PAdES levels (ETSI EN 319 142-1) with our in-process TSA', () => {
  const tsaCert = issueSigner(ca, {
    cn: 'Kyso TSA',
    keyUsage: 'critical,digitalSignature',
    extendedKeyUsage: 'critical,timeStamping',
    crlUrl: CRL_URL,
  });
  const signer = issueSigner(ca, { cn: 'Vũ Thị Dài Hạn', crlUrl: CRL_URL });
  const tsa = createTimestampAuthority({
    signer: keyObjectSigner(tsaCert.key),
    certificate: tsaCert.certDer,
    chain: [ca.certDer],
    policyOid: '1.3.6.1.4.1.99999.1.1',
    clock: systemClock,
  });
  const timestamp = timestampPortFromClient(createInProcessTimestampClient(tsa));
  const crl = makeCrl(ca);
  const revocation = revocationPortFromSource({ ocsp: async () => undefined, crl: async (url) => (url === CRL_URL ? crl : undefined) });
  const p12 = { kind: 'pkcs12' as const, pkcs12: signer.p12('pw'), password: 'pw' };

  it('ok/B-T: a signature-time-stamp over the signature value, verified by openssl ts -verify', async () => {
    const { service } = makeService({ timestamp });
    const out = await service.sign(decision, { signer: p12, level: 'B-T' });
    assertSignedOk(decision, out, 1, ca, 'b-t');
    const sig = extractSignatures(out).at(-1)!;
    const si = parseCms(sig.cms).signerInfos[0]!;
    expect(si.timestampTokens).toHaveLength(1);
    const dir = tmp('kyso-ts-');
    writeFileSync(join(dir, 'token.der'), si.timestampTokens[0]!);
    writeFileSync(join(dir, 'sigvalue.bin'), si.signature);
    writeFileSync(join(dir, 'root.pem'), ca.certPem);
    const v = spawnSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', join(dir, 'token.der'), '-data', join(dir, 'sigvalue.bin'), '-CAfile', join(dir, 'root.pem')],
      { encoding: 'utf8' },
    );
    expect(v.stdout + v.stderr).toMatch(/Verification: OK/);
  });

  it('ok/B-T: once the TSA has answered, /Contents is sized from its tokens; a TSA whose tokens then grow costs one retry, never a failure', async () => {
    // A second TSA certificate chain with several more certificates: its tokens are kilobytes longer.
    const longChain = [ca.certDer, ...Array.from({ length: 6 }, (_, i) => issueIntermediate(ca, `Kyso TSA Chain ${i}`).certDer)];
    const grown = createTimestampAuthority({
      signer: keyObjectSigner(tsaCert.key),
      certificate: tsaCert.certDer,
      chain: longChain,
      policyOid: '1.3.6.1.4.1.99999.1.1',
      clock: systemClock,
    });
    let useGrown = false;
    let calls = 0;
    const short = timestampPortFromClient(createInProcessTimestampClient(tsa));
    const long = timestampPortFromClient(createInProcessTimestampClient(grown));
    const switching: typeof short = {
      timestamp: (imprint, hash) => {
        calls++;
        return (useGrown ? long : short).timestamp(imprint, hash);
      },
    };
    const { service } = makeService({ timestamp: switching });
    const first = await service.sign(decision, { signer: p12, level: 'B-T' });
    const second = await service.sign(decision, { signer: p12, level: 'B-T' });
    expect(calls).toBe(2);
    // The default headroom reserves 12 KiB (24 KB of hex) for the token; the learned one about its size.
    expect(first.length - second.length).toBeGreaterThan(12_000);
    assertSignedOk(decision, second, 1, ca, 'b-t-learned');
    useGrown = true;
    const third = await service.sign(decision, { signer: p12, level: 'B-T' });
    expect(calls).toBe(4); // the placeholder overflowed once, then the retry's larger one held the longer token
    assertSignedOk(decision, third, 1, ca, 'b-t-grown');
    expect(parseCms(extractSignatures(third).at(-1)!.cms).signerInfos[0]!.timestampTokens).toHaveLength(1);
  });

  it('ok/B-LT: /DSS with certificates and CRLs for the signer and the TSA', async () => {
    const { service } = makeService({ timestamp, revocation });
    const out = await service.sign(decision, { signer: p12, level: 'B-LT' });
    const tail = out.subarray(decision.length).toString('latin1');
    expect(tail).toMatch(/\/DSS/);
    expect(tail).toMatch(/\/CRLs/);
    expect(tail).toMatch(/\/Certs/);
    assertSignedOk(decision, out, 1, ca, 'b-lt');
  });

  it('ok/B-LTA: a document timestamp over the file with its DSS, verified by openssl ts -verify over its byte ranges', async () => {
    const { service } = makeService({ timestamp, revocation });
    const out = await service.sign(decision, { signer: p12, level: 'B-LTA' });
    const sigs = extractSignatures(out);
    const doc = sigs.at(-1)!;
    expect(doc.subFilter).toBe('ETSI.RFC3161');
    expect(out.subarray(decision.length).toString('latin1')).toMatch(/\/DocTimeStamp/);
    const dir = tmp('kyso-lta-');
    writeFileSync(join(dir, 'token.der'), doc.cms);
    writeFileSync(join(dir, 'data.bin'), doc.signedBytes);
    writeFileSync(join(dir, 'root.pem'), ca.certPem);
    const v = spawnSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', join(dir, 'token.der'), '-data', join(dir, 'data.bin'), '-CAfile', join(dir, 'root.pem')],
      { encoding: 'utf8' },
    );
    expect(v.stdout + v.stderr).toMatch(/Verification: OK/);
    const cades = sigs.filter((s) => s.subFilter !== 'ETSI.RFC3161');
    expect(cades).toHaveLength(1);
    expect(opensslVerify(cades[0]!, ca.certPath).ok).toBe(true);
    writeFileSync(join(dir, 'out.pdf'), out);
    const q = qpdfCheck(join(dir, 'out.pdf'));
    expect(q.ok, q.text).toBe(true);
    expect(mutoolVerify(join(dir, 'out.pdf')).digestErrors).toBe(0);
    expect(out.subarray(0, decision.length).equals(decision)).toBe(true);
  });

  it('ok/two-phase at B-T: the timestamp is added at completion', async () => {
    const { sign: nodeSign } = await import('node:crypto');
    const { service } = makeService({ timestamp });
    const p = await service.prepare(decision, { certificates: signer.chain, level: 'B-T' });
    const out = await service.complete(p.sessionId, { signature: nodeSign('sha256', p.signedAttributes, signer.key) });
    assertSignedOk(decision, out, 1, ca, 'two-phase-b-t');
    expect(parseCms(extractSignatures(out).at(-1)!.cms).signerInfos[0]!.timestampTokens).toHaveLength(1);
  });

  it('fail/TSA down → TSA_UNAVAILABLE, never a silent B-B; revocation missing → REVOCATION_UNAVAILABLE', async () => {
    const down = makeService({
      timestamp: {
        timestamp: async () => {
          throw new Error('ECONNREFUSED');
        },
      },
    });
    expect(await errorCode(down.service.sign(decision, { signer: p12, level: 'B-T' }))).toBe('TSA_UNAVAILABLE');
    const noCrl = makeService({
      timestamp,
      revocation: revocationPortFromSource({ ocsp: async () => undefined, crl: async () => undefined }),
    });
    expect(await errorCode(noCrl.service.sign(decision, { signer: p12, level: 'B-LT' }))).toBe('REVOCATION_UNAVAILABLE');
  });
});
