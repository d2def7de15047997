import { describe, expect, it } from 'vitest';
import { preparePdfSignature } from '../../../../src/pdf/sign/prepare.js';
import { preflightPdf } from '../../../../src/pdf/syntax/preflight.js';
import { PDF_INPUT_BUDGET } from '../../../../src/pdf/syntax/limits.js';
import { DEFAULT_LIMITS as VERIFY_LIMITS } from '../../../../src/pdf/verify/limits.js';
import { verifyPdf } from '../../../../src/pdf/verify/verify-pdf.js';
import { EMPTY_TRUST_STORE } from '../../../../src/pki/path/trust-store.js';
import { modestlyCompressiblePadding, objectStreamBomb, selfReferencingPageTree } from '../../../fixtures/hostile-pdfs.js';

/**
 * One budget for every parse: a file the verifier refuses is refused by signing and by the
 * certified-copy preflight too, and for the same limit. The file here inflates to 96 MiB at a
 * modest ratio (about 80:1), so only the decoded-size limit catches it.
 */
describe('the shared PDF input budget', () => {
  it('ok/the verifier limits are the shared budget plus the signature count', () => {
    const { maxSignatures, ...rest } = VERIFY_LIMITS;
    expect(rest).toEqual(PDF_INPUT_BUDGET);
    expect(maxSignatures).toBeGreaterThan(0);
  });

  it('fail/an object stream decoding to 96 MiB (ratio ≈ 80) → verify, prepare and preflight all refuse it as inflate', async () => {
    const pdf = await objectStreamBomb(96 << 20, modestlyCompressiblePadding());
    expect(pdf.length).toBeGreaterThan((96 << 20) / PDF_INPUT_BUDGET.maxInflateRatio);
    const report = await verifyPdf(pdf, { trust: EMPTY_TRUST_STORE, offline: true });
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.errors).toContain('LIMIT_INFLATE');
    const inflate = expect.objectContaining({ code: 'PDF_LIMIT_EXCEEDED', details: { limit: 'inflate' } });
    expect(() => preparePdfSignature(pdf, {})).toThrow(inflate);
    expect(() => preflightPdf(pdf)).toThrow(inflate);
  }, 60_000);

  it('fail/a page tree that contains itself → preflight PDF_MALFORMED', () => {
    expect(() => preflightPdf(selfReferencingPageTree())).toThrow(expect.objectContaining({ code: 'PDF_MALFORMED' }));
  });

  it('fail/a file over the size limit → PDF_LIMIT_EXCEEDED (size) before any parsing', () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(PDF_INPUT_BUDGET.maxFileBytes)]);
    expect(() => preparePdfSignature(big, {})).toThrow(expect.objectContaining({ code: 'PDF_LIMIT_EXCEEDED', details: { limit: 'size' } }));
  });
});
