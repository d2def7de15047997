import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { createPdfSignatureEngine } from '../../../src/signing/default-engine.js';
import type { PdfSignatureEngine } from '../../../src/signing/signing-ports.js';
import { errorCode } from '../../unit/signing/helpers.js';
import { assertSignedOk, corpus, makeService } from './harness.js';

const root = join(import.meta.dirname, '..', '..', '..');
const decision = readFileSync(join(root, 'examples', 'quyet-dinh.pdf'));
const seal = readFileSync(join(root, 'examples', 'seal.png'));
const signatureImage = readFileSync(join(root, 'examples', 'signature.png'));
const ca = sharedTestCa();
const appraiser = issueSigner(ca, { cn: 'Nguyễn Văn Thẩm' });
const approver = issueSigner(ca, { cn: 'Trần Thị Phê Duyệt', key: 'p256' });
const agency = issueSigner(ca, { cn: 'Ủy ban nhân dân huyện Vân Đồn', o: 'UBND huyện Vân Đồn', key: 'rsa3072' });
const p12 = (s: typeof appraiser) => ({ kind: 'pkcs12' as const, pkcs12: s.p12('pw'), password: 'pw' });
const artefacts = join(tmpdir(), 'kyso-signing-artefacts');
mkdirSync(artefacts, { recursive: true });

describe('SignService.sign', () => {
  it('ok/invisible B-B signature on the example decision, /M from the injected clock in Vietnam time, audited', async () => {
    const { FakeClock } = await import('../../../src/core/clock.js');
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
    const { service, audit } = makeService({}, new FakeClock(at));
    const out = await service.sign(decision, { signer: p12(appraiser), reason: 'Thẩm định', location: 'Vân Đồn' });
    assertSignedOk(decision, out, 1, ca, 'invisible');
    const local = new Date(at.getTime() + 7 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    expect(out.subarray(decision.length).toString('latin1')).toContain(`/M (D:${local}+07'00')`);
    expect(audit.events.at(-1)).toMatchObject({ action: 'signing.sign', outcome: 'success' });
    expect(JSON.stringify(audit.events)).not.toContain('"pw"');
  });

  it('ok/three signers in sequence (appraiser → approver → agency seal), visible stamps, every signature stays valid', async () => {
    const { service } = makeService();
    const s1 = await service.sign(decision, {
      signer: p12(appraiser),
      reason: 'Thẩm định',
      visible: { page: 1, rect: [60, 215, 150, 80] },
      appearance: { kind: 'individual', image: signatureImage, texts: { title: 'NGƯỜI THẨM ĐỊNH' } },
    });
    const s2 = await service.sign(s1, {
      signer: p12(approver),
      reason: 'Phê duyệt',
      visible: { page: 1, rect: [340, 215, 160, 90] },
      appearance: { kind: 'individual', image: signatureImage },
    });
    const s3 = await service.sign(s2, {
      signer: p12(agency),
      reason: 'Đóng dấu',
      visible: { page: 1, rect: [230, 100, 340, 110] },
      appearance: { kind: 'organization', image: seal },
    });
    assertSignedOk(decision, s3, 3, ca, 'three-signers');
    expect(s3.subarray(0, s1.length).equals(s1)).toBe(true);
    expect(s3.subarray(0, s2.length).equals(s2)).toBe(true);
    const file = join(artefacts, 'three-signers.pdf');
    writeFileSync(file, s3);
    const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Trần Thị Phê Duyệt');
    expect(text).toContain('Ủy ban nhân dân huyện Vân Đồn');
    expect(text).toMatch(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+07:00/);
    const png = spawnSync('pdftoppm', ['-r', '60', '-png', '-singlefile', file, join(artefacts, 'three-signers')]);
    expect(png.status).toBe(0);
  });

  it('ok/electronic copy stamp (text only, top right) with Vietnamese diacritics', async () => {
    const { service } = makeService();
    const out = await service.sign(decision, {
      signer: p12(agency),
      visible: { page: 1, rect: [395, 800, 190, 36] },
      appearance: { kind: 'copy', texts: { copyForm: 'SAO Y', organization: 'Văn phòng HĐND và UBND huyện Vân Đồn' } },
    });
    assertSignedOk(decision, out, 1, ca, 'copy-stamp');
    const file = join(artefacts, 'copy-stamp.pdf');
    writeFileSync(file, out);
    const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('SAO Y');
    expect(text).toContain('Văn phòng HĐND và UBND huyện Vân Đồn');
  });

  it('ok/certification P=2 then an approval signature; /Perms /DocMDP present', async () => {
    const { service } = makeService();
    const certified = await service.sign(decision, { signer: p12(agency), certify: 2, reason: 'Chứng thực' });
    expect(certified.subarray(decision.length).toString('latin1')).toMatch(/\/DocMDP/);
    const approved = await service.sign(certified, { signer: p12(approver), reason: 'Phê duyệt' });
    assertSignedOk(decision, approved, 2, ca, 'certified-then-approved');
  });

  it('ok/field lock: the approver locks all fields; the signature validates', async () => {
    const { service } = makeService();
    const out = await service.sign(decision, {
      signer: p12(approver),
      lock: { action: 'All' },
      fieldName: 'PheDuyet',
      visible: { page: 1, rect: [340, 215, 160, 90] },
    });
    expect(out.subarray(decision.length).toString('latin1')).toMatch(/FieldMDP/);
    assertSignedOk(decision, out, 1, ca, 'locked');
  });

  it.each([
    ['xref stream + object streams', 'libpdf/fixtures/xref/hello3.pdf'],
    ['xref stream + object streams (spec sample)', 'libpdf/fixtures/xref/sampleForSpec.pdf'],
    ['hybrid xref', 'pyhanko/internal/common-test-utils/src/pyhanko_testing_commons/test_data/data/pdf/minimal-hybrid-xref.pdf'],
    ['xref streams (DSS)', 'dss/dss-pades/src/test/resources/pdf-xref-streams.pdf'],
    ['earlier signature (node-signpdf)', 'signpdf/resources/signed-once.pdf'],
    ['two earlier signatures, xref streams (BG sample)', 'dss/dss-pades/src/test/resources/validation/Signature-P-BG_BOR-2.pdf'],
  ])('ok/corpus input: %s', async (_label, path) => {
    const input = corpus(path);
    const { service } = makeService();
    const out = await service.sign(input, { signer: p12(approver), reason: 'corpus' });
    assertSignedOk(input, out, 1, ca, path.replace(/[^a-z0-9]+/gi, '_'));
  });

  it('ok/signs an existing empty signature field by name (corpus), refuses an unknown field', async () => {
    const input = corpus('dss/dss-pades/src/test/resources/pdf-two-fields.pdf');
    const { service } = makeService();
    const out = await service.sign(input, { signer: p12(appraiser), fieldName: 'signature-test2' });
    assertSignedOk(input, out, 1, ca, 'existing-field');
    expect(await errorCode(service.sign(input, { signer: p12(appraiser), fieldName: 'no-such-field' }))).toBe('PDF_FIELD_NOT_FOUND');
  });

  it('ok/placeholder overflow is retried once with a larger placeholder', async () => {
    const base = createPdfSignatureEngine();
    const sizes: number[] = [];
    const engine: PdfSignatureEngine = {
      ...base,
      prepare: (pdf, r) => {
        sizes.push(r.placeholderSize);
        return base.prepare(pdf, { ...r, placeholderSize: sizes.length === 1 ? 600 : r.placeholderSize });
      },
    };
    const { service } = makeService({ engine });
    const out = await service.sign(decision, { signer: p12(appraiser) });
    expect(sizes).toHaveLength(2);
    expect(sizes[1]!).toBeGreaterThan(sizes[0]!);
    assertSignedOk(decision, out, 1, ca, 'overflow-retry');
  });

  it('ok/a small signed file comes as one chunk (nothing left to join); a large input comes first, uncopied, then its update', async () => {
    const { service } = makeService();
    const small = await service.signChunks(decision, { signer: p12(appraiser) });
    expect(small).toHaveLength(1);
    assertSignedOk(decision, small[0]!, 1, ca, 'one-chunk');
    // a comment line after the header makes the file larger than what is prepared in one buffer (1 MiB)
    const large = Buffer.concat([decision.subarray(0, 9), Buffer.from(`%${' '.repeat(1024 * 1024)}\n`), decision.subarray(9)]);
    const chunks = await service.signChunks(large, { signer: p12(appraiser) });
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.buffer).toBe(large.buffer);
    expect(chunks[0]!.byteOffset).toBe(large.byteOffset);
    expect(chunks[0]!.length).toBe(large.length);
  });

  it.each([
    ['RSA-PSS-SHA256 (RSA-2048)', 'rsa2048', 'RSA-PSS-SHA256'],
    ['ECDSA-SHA384 (P-384)', 'p384', undefined],
    ['RSA-PKCS1-SHA512 (RSA-3072)', 'rsa3072', 'RSA-PKCS1-SHA512'],
  ] as const)('ok/algorithm %s', async (_l, key, algorithm) => {
    const s = issueSigner(ca, { cn: `Thuật toán ${key}`, key });
    const { service } = makeService();
    const out = await service.sign(decision, { signer: p12(s), ...(algorithm ? { algorithm } : {}) });
    assertSignedOk(decision, out, 1, ca, `alg-${key}`, { mutoolCannotVerifyPss: algorithm === 'RSA-PSS-SHA256' });
  });

  it('ok/sizes the placeholder from the chain (a 3-certificate chain does not overflow)', async () => {
    const { issueIntermediate } = await import('../../fixtures/pki-fixture.js');
    const ica = issueIntermediate(ca);
    const s = issueSigner(ca, { cn: 'Qua CA trung gian', issuer: ica, key: 'rsa3072' });
    const { service } = makeService();
    const out = await service.sign(decision, { signer: p12(s) });
    assertSignedOk(decision, out, 1, ca, 'intermediate');
  });
});

describe('SignService.sign refusals (nothing written, audited as failure)', () => {
  it('fail/expired signer → SIGNER_EXPIRED; not yet valid too', async () => {
    const { FakeClock } = await import('../../../src/core/clock.js');
    const s = issueSigner(ca, { cn: 'Hết hạn', days: 10 });
    const late = makeService({}, new FakeClock(Date.now() + 20 * 86_400_000));
    expect(await errorCode(late.service.sign(decision, { signer: p12(s) }))).toBe('SIGNER_EXPIRED');
    expect(late.audit.events.at(-1)).toMatchObject({ action: 'signing.sign', outcome: 'failure', details: { error: 'SIGNER_EXPIRED' } });
    const early = makeService({}, new FakeClock(Date.now() - 2 * 86_400_000));
    expect(await errorCode(early.service.sign(decision, { signer: p12(s) }))).toBe('SIGNER_EXPIRED');
  });

  it('fail/revoked signer (status port) → SIGNER_REVOKED; the key is never used', async () => {
    const revoked = new Set([appraiser.certDer.toString('base64')]);
    const { service, keyStore } = makeService({
      certificateStatus: {
        status: async (c) => (revoked.has(c.toString('base64')) ? { status: 'revoked', reason: 'keyCompromise' } : { status: 'good' }),
      },
    });
    const uri = keyStore.add(appraiser.key);
    expect(await errorCode(service.sign(decision, { signer: { kind: 'keystore', keyUri: uri, certificates: appraiser.chain } }))).toBe(
      'SIGNER_REVOKED',
    );
    expect(keyStore.signCount).toBe(0);
    const ok = await service.sign(decision, { signer: p12(approver) });
    assertSignedOk(decision, ok, 1, ca, 'status-good');
  });

  it('fail/key usage without digitalSignature/nonRepudiation → SIGNER_KEY_USAGE', async () => {
    const s = issueSigner(ca, { cn: 'Chỉ mã hóa', keyUsage: 'critical,keyEncipherment' });
    const { service } = makeService();
    expect(await errorCode(service.sign(decision, { signer: p12(s) }))).toBe('SIGNER_KEY_USAGE');
  });

  it('fail/not a PDF → PDF_NOT_PDF; bad level → VALIDATION_FAILED; B-T without a TSA → TSA_UNAVAILABLE; B-LT without revocation → REVOCATION_UNAVAILABLE', async () => {
    const { service } = makeService();
    expect(await errorCode(service.sign(Buffer.from('hello, not a pdf'), { signer: p12(appraiser) }))).toBe('PDF_NOT_PDF');
    expect(await errorCode(service.sign(decision, { signer: p12(appraiser), level: 'B-X' as never }))).toBe('VALIDATION_FAILED');
    expect(await errorCode(service.sign(decision, { signer: p12(appraiser), level: 'B-T' }))).toBe('TSA_UNAVAILABLE');
    const withTsa = makeService({ timestamp: { timestamp: async () => Buffer.alloc(0) } });
    expect(await errorCode(withTsa.service.sign(decision, { signer: p12(appraiser), level: 'B-LT' }))).toBe('REVOCATION_UNAVAILABLE');
  });

  it('fail/encrypted input → PDF_ENCRYPTED, page out of range → PDF_PAGE_OUT_OF_RANGE, bad rectangle → VALIDATION_FAILED', async () => {
    const { service, audit } = makeService();
    const enc = corpus('dss/dss-pades/src/test/resources/protected/open_protected.pdf');
    expect(await errorCode(service.sign(enc, { signer: p12(appraiser) }))).toBe('PDF_ENCRYPTED');
    expect(await errorCode(service.sign(decision, { signer: p12(appraiser), visible: { page: 9, rect: [10, 10, 100, 50] } }))).toBe(
      'PDF_PAGE_OUT_OF_RANGE',
    );
    expect(await errorCode(service.sign(decision, { signer: p12(appraiser), visible: { page: 1, rect: [10, 10, -100, 50] } }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(audit.events.every((e) => e.outcome === 'failure')).toBe(true);
  });

  it('fail/a certify request on an already signed document is refused by the PDF layer', async () => {
    const { service } = makeService();
    const once = await service.sign(decision, { signer: p12(appraiser) });
    const code = await errorCode(service.sign(once, { signer: p12(approver), certify: 2 }));
    expect(code).toMatch(/PDF_SIGNING_FORBIDDEN|VALIDATION_FAILED/);
  });
});
