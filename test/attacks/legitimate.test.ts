/**
 * Changes that are allowed after signing must still pass with the structure checks in place:
 * a second signer filling a field the first revision pre-created, and kyso's own long-term
 * validation updates (a /DSS for B-LT, a document timestamp for B-LTA).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTimestampAuthority } from '../../src/cms/timestamp-authority.js';
import { appendDss, preparePdfSignature } from '../../src/pdf/sign/index.js';
import { verifyPdf } from '../../src/pdf/verify/index.js';
import { keyObjectSigner } from '../../src/signing/pkcs12-signer.js';
import { issueSigner } from '../fixtures/pki-fixture.js';
import { basePdf, signPdf } from '../integration/verify/helpers.js';
import { makeSamples, type Samples } from './samples.js';

let samples: Samples;
beforeAll(async () => {
  samples = await makeSamples();
}, 60_000);

describe('legitimate updates after signing', () => {
  it('a second signer in a field pre-created by the first signature: TOTAL_PASSED, no structure finding', async () => {
    const first = await signPdf(await basePdf({ pages: 1 }), samples.signer, {
      newFieldName: 'Sig1',
      emptyFields: [{ name: 'Sig2', page: 1, rect: [300, 50, 500, 120] }],
    });
    const second = await signPdf(first, issueSigner(samples.ca, { cn: 'Lê Văn Cường' }), { fieldName: 'Sig2' });
    const r = await verifyPdf(appendDss(second, { crls: [samples.goodCrl] }), { trust: samples.trust, offline: true });
    expect(r.structure).toEqual([]);
    expect(
      [r.indication, ...r.signatures.map((s) => s.modifications.other)],
      JSON.stringify(r.signatures.map((s) => s.modifications.details)),
    ).toEqual(['TOTAL_PASSED', false, false]);
  });

  it('DSS and document timestamp updates (B-LT, B-LTA) keep every signature TOTAL_PASSED', async () => {
    const tsaCert = issueSigner(samples.ca, {
      cn: 'Kyso TSA legit',
      extendedKeyUsage: 'critical,timeStamping',
      keyUsage: 'critical,digitalSignature',
    });
    const tsa = createTimestampAuthority({
      signer: keyObjectSigner(tsaCert.key),
      certificate: tsaCert.certDer,
      chain: [samples.ca.certDer],
      policyOid: '1.3.6.1.4.1.99999.1',
      clock: { now: () => new Date() },
    });
    const blt = samples.all.find((s) => s.name === 'B-LT')!.pdf;
    const withTsa = appendDss(blt, { certs: [tsaCert.certDer], crls: [samples.goodCrl] });
    const prepared = preparePdfSignature(withTsa, { subFilter: 'ETSI.RFC3161', placeholderSize: 8192 });
    const lta = prepared.embed((await tsa.issue({ hash: 'sha256', digest: prepared.digest('sha256'), certReq: true })).token);
    for (const pdf of [blt, withTsa, lta]) {
      const r = await verifyPdf(pdf, { trust: samples.trust, offline: true });
      expect(r.structure).toEqual([]);
      expect(r.indication, JSON.stringify(r.signatures.map((s) => [s.errors, s.modifications.details]))).toBe('TOTAL_PASSED');
    }
  });
});
