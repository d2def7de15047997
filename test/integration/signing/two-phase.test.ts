import { execFileSync } from 'node:child_process';
import { sign as nodeSign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { certificateInfo } from '../../../src/cms/certificate-info.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { errorCode } from '../../unit/signing/helpers.js';
import { assertSignedOk, makeService } from './harness.js';
import { extractSignatures, opensslVerify } from './tools.js';

const decision = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'quyet-dinh.pdf'));
const ca = sharedTestCa();
const token = issueSigner(ca, { cn: 'Lê Văn Token' });
const ecToken = issueSigner(ca, { cn: 'Phạm Thị EC', key: 'p256' });
const other = issueSigner(ca, { cn: 'Kẻ khác' });

describe('two-phase signing (USB token)', () => {
  it('ok/prepare → token signs the signed attributes → complete; only the placeholder changes', async () => {
    const { service, sessions } = makeService();
    const p = await service.prepare(decision, {
      certificates: token.chain,
      actorId: 'u-token',
      reason: 'Ký bằng USB token',
      visible: { page: 1, rect: [340, 215, 160, 90] },
      appearance: { kind: 'individual' },
    });
    expect(p.algorithm).toBe('RSA-PKCS1-SHA256');
    expect(p.hash).toBe('sha256');
    expect(p.digest).toHaveLength(32);
    expect(p.signedAttributes[0]).toBe(0x31);
    // A raw-digest token signs the DigestInfo of `digest`; node:crypto signs the data itself: same result.
    const signature = nodeSign('sha256', p.signedAttributes, token.key);
    const stored = await sessions.get(p.sessionId);
    const out = await service.complete(p.sessionId, { signature }, 'u-token');
    assertSignedOk(decision, out, 1, ca, 'two-phase-rsa');
    // Nothing rewritten between prepare and complete: identical outside the /Contents hex string
    // (the session keeps the prepared file without the placeholder's zero digits).
    const [, b, c, d] = stored!.byteRange;
    expect(stored!.preparedPdf.length).toBe(b + d);
    expect(out.length).toBe(c + d);
    expect(out.subarray(0, b).equals(stored!.preparedPdf.subarray(0, b))).toBe(true);
    expect(out.subarray(c).equals(stored!.preparedPdf.subarray(b))).toBe(true);
    expect(out.subarray(b, c).toString('latin1')).toMatch(/^<3082[0-9a-f]+?0+>$/);
    // Single use.
    expect(await errorCode(service.complete(p.sessionId, { signature }, 'u-token'))).toBe('CONFLICT');
  });

  it('ok/ECDSA token returning r||s (P1363) is accepted and converted to DER', async () => {
    const { service } = makeService();
    const p = await service.prepare(decision, { certificates: ecToken.chain });
    expect(p.algorithm).toBe('ECDSA-SHA256');
    const signature = nodeSign('sha256', p.signedAttributes, { key: ecToken.key, dsaEncoding: 'ieee-p1363' });
    expect(signature).toHaveLength(64);
    const out = await service.complete(p.sessionId, { signature });
    assertSignedOk(decision, out, 1, ca, 'two-phase-ec');
  });

  it('ok/completion "signature" at B-B: the placeholder is exactly the CMS assembled from the raw value (RSA and ECDSA); a larger full CMS is refused and the session stays usable', async () => {
    const { service } = makeService();
    const gap = (out: Buffer): Buffer => {
      const hex = /\/Contents\s*<([0-9a-f]+)>/.exec(out.subarray(decision.length).toString('latin1'))![1]!;
      return Buffer.from(hex, 'hex');
    };
    const roomy = await service.prepare(decision, { certificates: token.chain });
    const roomyOut = await service.complete(roomy.sessionId, { signature: nodeSign('sha256', roomy.signedAttributes, token.key) });
    const exact = await service.prepare(decision, { certificates: token.chain, completion: 'signature', actorId: 'u1' });
    const tooBig = await signDetachedCms({
      contentDigest: exact.contentDigest,
      signer: keyObjectSigner(token.key),
      signerCertificate: token.certDer,
      certificates: [ca.certDer, other.certDer],
    });
    expect(await errorCode(service.complete(exact.sessionId, { cms: tooBig }, 'u1'))).toBe('PLACEHOLDER_OVERFLOW');
    const out = await service.complete(exact.sessionId, { signature: nodeSign('sha256', exact.signedAttributes, token.key) }, 'u1');
    assertSignedOk(decision, out, 1, ca, 'two-phase-exact-rsa');
    // RSA signatures have the modulus length: the CMS fills /Contents to the last byte.
    const cms = gap(out);
    expect(cms.length).toBe(4 + cms.readUInt16BE(2)); // 30 82 LL LL
    expect(roomyOut.length - out.length).toBeGreaterThan(8 * 1024);

    const ec = await service.prepare(decision, { certificates: ecToken.chain, completion: 'signature' });
    const ecOut = await service.complete(ec.sessionId, { signature: nodeSign('sha256', ec.signedAttributes, ecToken.key) });
    assertSignedOk(decision, ecOut, 1, ca, 'two-phase-exact-ec');
    // An ECDSA value varies by a few bytes below its bound: at most those few zero bytes are left.
    const ecCms = gap(ecOut);
    expect(ecCms.length - (4 + ecCms.readUInt16BE(2))).toBeLessThanOrEqual(8);
  });

  it('ok/token software returns a full CMS over the content digest', async () => {
    const { service } = makeService();
    const p = await service.prepare(decision, { certificates: token.chain });
    const cms = await signDetachedCms({
      contentDigest: p.contentDigest,
      signer: keyObjectSigner(token.key),
      signerCertificate: token.certDer,
      certificates: [ca.certDer],
    });
    const out = await service.complete(p.sessionId, { cms });
    assertSignedOk(decision, out, 1, ca, 'two-phase-cms');
  });

  it('fail/a signature by another key → SIGNATURE_MISMATCH, nothing changes, the session stays usable', async () => {
    const { service, audit } = makeService();
    const p = await service.prepare(decision, { certificates: token.chain, actorId: 'u1' });
    const wrong = nodeSign('sha256', p.signedAttributes, other.key);
    expect(await errorCode(service.complete(p.sessionId, { signature: wrong }, 'u1'))).toBe('SIGNATURE_MISMATCH');
    expect(await errorCode(service.complete(p.sessionId, { signature: Buffer.from('garbage') }, 'u1'))).toBe('SIGNATURE_MISMATCH');
    const otherCms = await signDetachedCms({
      contentDigest: p.contentDigest,
      signer: keyObjectSigner(other.key),
      signerCertificate: other.certDer,
      certificates: [],
    });
    expect(await errorCode(service.complete(p.sessionId, { cms: otherCms }, 'u1'))).toBe('SIGNATURE_MISMATCH');
    expect(audit.events.filter((e) => e.action === 'signing.complete' && e.outcome === 'failure')).toHaveLength(3);
    // another user cannot complete it
    const right = nodeSign('sha256', p.signedAttributes, token.key);
    expect(await errorCode(service.complete(p.sessionId, { signature: right }, 'u2'))).toBe('FORBIDDEN');
    const out = await service.complete(p.sessionId, { signature: right }, 'u1');
    assertSignedOk(decision, out, 1, ca, 'two-phase-after-mismatch');
  });

  it('fail/a CMS by the session key that names another certificate on the same key → SIGNATURE_MISMATCH, the session stays usable', async () => {
    // A second certificate for the token's key (as a renewal that kept the key leaves its
    // predecessor): same key, another subject and serial.
    const dir = mkdtempSync(join(tmpdir(), 'kyso-same-key-'));
    const csr = join(dir, 'p.csr');
    const pem = join(dir, 'p.pem');
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'subjectKeyIdentifier = hash\n'); // the key identifier, as the session's certificate has it
    execFileSync('openssl', ['req', '-new', '-key', token.keyPath, '-subj', '/C=VN/CN=Predecessor', '-out', csr]);
    execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      pem,
    ]);
    const predecessor = Buffer.from(new X509Certificate(readFileSync(pem)).raw);
    rmSync(dir, { recursive: true, force: true });
    expect(new X509Certificate(predecessor).publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      new X509Certificate(token.certDer).publicKey.export({ format: 'der', type: 'spki' }),
    );
    const { service } = makeService();
    const p = await service.prepare(decision, { certificates: token.chain, actorId: 'u1' });
    const naming = await signDetachedCms({
      contentDigest: p.contentDigest,
      signer: keyObjectSigner(token.key),
      signerCertificate: predecessor,
      certificates: [ca.certDer],
    });
    expect(await errorCode(service.complete(p.sessionId, { cms: naming }, 'u1'))).toBe('SIGNATURE_MISMATCH');
    const right = await signDetachedCms({
      contentDigest: p.contentDigest,
      signer: keyObjectSigner(token.key),
      signerCertificate: token.certDer,
      certificates: [ca.certDer],
    });
    assertSignedOk(decision, await service.complete(p.sessionId, { cms: right }, 'u1'), 1, ca, 'two-phase-cms-own-certificate');

    // The same CMS with its signer named by key identifier (RFC 5652 §5.3 subjectKeyIdentifier,
    // which both certificates share) and the predecessor carried in place of the session's
    // certificate: the signature and the ESS binding still hold (sid and certificates are not
    // signed), but a verifier looking the sid up among the carried certificates finds the
    // predecessor. Refused; the session's own certificate carried instead completes.
    const leafSki = certificateInfo(token.certDer, 'SIGNER_CERT_INVALID').subjectKeyIdentifier!;
    expect(certificateInfo(predecessor, 'SIGNER_CERT_INVALID').subjectKeyIdentifier).toEqual(leafSki);
    const p2 = await service.prepare(decision, { certificates: token.chain, actorId: 'u1' });
    const right2 = await signDetachedCms({
      contentDigest: p2.contentDigest,
      signer: keyObjectSigner(token.key),
      signerCertificate: token.certDer,
      certificates: [ca.certDer],
    });
    for (const carried of [
      [predecessor, ca.certDer],
      [token.certDer, predecessor, ca.certDer], // the session's first: a verifier may still take the other
    ])
      expect(await errorCode(service.complete(p2.sessionId, { cms: withSkiSid(right2, leafSki, carried) }, 'u1'))).toBe(
        'SIGNATURE_MISMATCH',
      );
    // The same with the session's certificate carried completes. (Checked with OpenSSL: pdfsig's
    // NSS does not look a key-identifier sid up among the CMS's own certificates.)
    const ownCarried = await service.complete(p2.sessionId, { cms: withSkiSid(right2, leafSki, [token.certDer, ca.certDer]) }, 'u1');
    const [embedded] = extractSignatures(ownCarried).filter((x) => x.byteRange[1] >= decision.length);
    const v = opensslVerify(embedded!, ca.certPath);
    expect(v.ok, v.text).toBe(true);
  });

  it('fail/a certificate suspended between prepare and completion → SIGNER_REVOKED at completion, nothing consumed; released, the same session completes', async () => {
    let status: 'good' | 'revoked' = 'good';
    const { service } = makeService({
      certificateStatus: { status: async () => ({ status, ...(status === 'revoked' ? { reason: 'certificateHold' } : {}) }) },
    });
    const p = await service.prepare(decision, { certificates: token.chain, actorId: 'u1' });
    const signature = nodeSign('sha256', p.signedAttributes, token.key);
    status = 'revoked';
    expect(await errorCode(service.complete(p.sessionId, { signature }, 'u1'))).toBe('SIGNER_REVOKED');
    const batch = await service.completeBatch([{ sessionId: p.sessionId, input: { signature } }], 'u1');
    expect(batch.results[0]).toMatchObject({ ok: false, error: { code: 'SIGNER_REVOKED' } });
    status = 'good';
    assertSignedOk(decision, await service.complete(p.sessionId, { signature }, 'u1'), 1, ca, 'two-phase-after-release');
  });

  it('fail/sessions expire (SESSION_EXPIRED) and unknown ids are SESSION_NOT_FOUND', async () => {
    const clock = new FakeClock(new Date());
    const { service } = makeService({ sessionTtlMs: 60_000 }, clock);
    const p = await service.prepare(decision, { certificates: token.chain });
    expect(p.expiresAt.getTime() - clock.now().getTime()).toBe(60_000);
    clock.advance(60_001);
    const signature = nodeSign('sha256', p.signedAttributes, token.key);
    expect(await errorCode(service.complete(p.sessionId, { signature }))).toBe('SESSION_EXPIRED');
    expect(await errorCode(service.complete('ss_nope', { signature }))).toBe('SESSION_NOT_FOUND');
  });

  it('fail/prepare checks the certificate: key usage, expiry', async () => {
    const { service } = makeService();
    const noSign = issueSigner(ca, { cn: 'Không ký', keyUsage: 'critical,keyEncipherment' });
    expect(await errorCode(service.prepare(decision, { certificates: noSign.chain }))).toBe('SIGNER_KEY_USAGE');
    expect(await errorCode(service.prepare(decision, { certificates: [] }))).toBe('VALIDATION_FAILED');
  });
});

/**
 * `cms` (a detached SignedData of ours) with its one SignerInfo's sid rewritten as
 * [0] subjectKeyIdentifier `ski` (versions 3, RFC 5652 §5.1 and §5.3) and its certificates
 * replaced by `carried`; the signature is untouched (it covers the signed attributes only).
 */
function withSkiSid(cms: Buffer, ski: Buffer, carried: Buffer[]): Buffer {
  const parsed = asn1js.fromBER(new Uint8Array(cms));
  if (parsed.offset === -1) throw new Error('test CMS does not parse');
  const contentInfo = parsed.result as asn1js.Sequence;
  const signedData = (contentInfo.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const fields = signedData.valueBlock.value;
  fields[0] = new asn1js.Integer({ value: 3 });
  const certificates = fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0) as asn1js.Constructed;
  certificates.valueBlock.value = carried.map((c) => asn1js.fromBER(new Uint8Array(c)).result);
  const signerInfo = (fields.at(-1) as asn1js.Set).valueBlock.value[0] as asn1js.Sequence;
  signerInfo.valueBlock.value[0] = new asn1js.Integer({ value: 3 });
  signerInfo.valueBlock.value[1] = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: new Uint8Array(ski) });
  return Buffer.from(contentInfo.toBER());
}
