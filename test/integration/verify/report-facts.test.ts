/**
 * Facts the report states must be true: a proven signing time only with a timestamp, the PAdES
 * level from the signature's own validation data in the /DSS (ETSI EN 319 142-1 §6.3), wherever
 * that /DSS was first written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { createTrustStore, verifyPdf, type TrustStore } from '../../../src/pdf/verify/index.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import { issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { basePdf, makeCrl, sha256, signPdf } from './helpers.js';

const DAY = 86_400_000;
let ca: TestCa;
let signer: TestSigner;
let trust: TrustStore;
let stamp: (sig: Buffer) => Promise<Buffer>;

beforeAll(() => {
  ca = sharedTestCa();
  signer = issueSigner(ca, { cn: 'Đặng Văn Em' });
  trust = createTrustStore([ca.certPem]);
  const tsaCert = issueSigner(ca, {
    cn: 'Kyso TSA facts',
    extendedKeyUsage: 'critical,timeStamping',
    keyUsage: 'critical,digitalSignature',
  });
  const tsa = createTimestampAuthority({
    signer: keyObjectSigner(tsaCert.key),
    certificate: tsaCert.certDer,
    chain: [ca.certDer],
    policyOid: '1.3.6.1.4.1.99999.1',
    clock: { now: () => new Date() },
  });
  stamp = async (sig) => (await tsa.issue({ hash: 'sha256', digest: sha256(sig), certReq: true })).token;
});

const freshCrl = () => makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * DAY) });

describe('report facts', () => {
  it('no timestamp: no proven signing time (bestSignatureTime stays the validation time)', async () => {
    const r = await verifyPdf(await signPdf(await basePdf(), signer), { trust, offline: true });
    const s = r.signatures[0]!;
    expect(s.provenSigningTime).toBeNull();
    expect(s.bestSignatureTime).toBe(r.validationTime);
  });

  it('a signature timestamp is the proven signing time', async () => {
    const r = await verifyPdf(await signPdf(await basePdf(), signer, { timestamp: stamp }), { trust, offline: true });
    const s = r.signatures[0]!;
    expect(s.provenSigningTime).toBe(s.timestamps[0]!.genTime);
  });

  it('a /DSS without this signature’s own revocation data is not B-LT', async () => {
    const stale = makeCrl(ca, { thisUpdate: new Date(Date.now() - 20 * DAY), nextUpdate: new Date(Date.now() - 10 * DAY) });
    const pdf = appendDss(await signPdf(await basePdf(), signer, { timestamp: stamp }), { certs: signer.chain, crls: [stale] });
    const r = await verifyPdf(pdf, { trust, offline: true });
    expect(r.signatures[0]!.level).toBe('B-T');
  });

  it('B-LT when the signature’s data sits in a /DSS first written before the signature', async () => {
    const earlier = appendDss(await basePdf(), { certs: signer.chain, crls: [freshCrl()] });
    const signed = await signPdf(earlier, signer, { timestamp: stamp });
    const r = await verifyPdf(signed, { trust, offline: true });
    expect(r.signatures[0]!.revocation[0]).toMatchObject({ status: 'good', origin: 'DSS' });
    expect(r.signatures[0]!.level).toBe('B-LT');
  });
});
