/**
 * Our own outputs (src/pdf/sign + src/cms) validate as expected, and every change or attack
 * we can simulate with an incremental update is caught with the right sub-indication.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { appendDss, preparePdfSignature } from '../../../src/pdf/sign/index.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import {
  createTrustStore,
  EMPTY_TRUST_STORE,
  renderReportHtml,
  renderReportPdf,
  signedRevisionBytes,
  verifyPdf,
  type TrustStore,
} from '../../../src/pdf/verify/index.js';
import { certInfo } from '../../../src/pki/path/cert.js';
import { openForVerification } from '../../../src/pdf/verify/reader.js';
import { revisionView } from '../../../src/pdf/verify/structure.js';
import { Budget, DEFAULT_LIMITS } from '../../../src/pdf/verify/limits.js';
import { issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { appendUpdate, basePdf, dictText, makeCrl, pageInfo, sha256, signPdf } from './helpers.js';

const DAY = 86_400_000;
let ca: TestCa;
let alice: TestSigner;
let trust: TrustStore;
let goodCrl: Buffer;

beforeAll(() => {
  ca = sharedTestCa();
  alice = issueSigner(ca, { cn: 'Nguyễn Văn An' });
  trust = createTrustStore([ca.certPem]);
  goodCrl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * DAY) });
});

describe('verifyPdf on our own signatures', () => {
  it('B-B with CRL in a later /DSS: TOTAL_PASSED, ENTIRE_REVISION, extension only', async () => {
    const signed = await signPdf(await basePdf(), alice, { newFieldName: 'Sig1' });
    const lt = appendDss(signed, { certs: alice.chain, crls: [goodCrl] });
    const r = await verifyPdf(lt, { trust, offline: true });
    const s = r.signatures[0]!;
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(s.fieldName).toBe('Sig1');
    expect(s.kind).toBe('approval');
    expect(s.coverage).toBe('ENTIRE_REVISION');
    expect(s.signedRevision.length).toBe(signed.length);
    expect(signedRevisionBytes(lt, r, 0)!.equals(signed)).toBe(true);
    expect(s.modifications.level).toBe('LTA_UPDATES');
    expect(s.integrity).toMatchObject({
      byteRangeValid: true,
      digestMatch: true,
      cryptoValid: true,
      signedAttributesDerSorted: true,
      signerCertificateIdentified: true,
      dictionaryConsistent: true,
    });
    expect(s.signer!.subject).toContain('Nguyễn Văn An');
    expect(s.trustAnchor).toBe(certInfo(ca.certDer).subject);
    expect(s.revocation[0]).toMatchObject({ status: 'good', source: 'CRL', origin: 'DSS' });
    expect(Object.isFrozen(r) && Object.isFrozen(r.signatures[0])).toBe(true);
  });

  it('the same file with xref streams and object streams validates too', async () => {
    const signed = await signPdf(await basePdf({ objectStreams: true }), alice, { newFieldName: 'Sig1' });
    const r = await verifyPdf(appendDss(signed, { crls: [goodCrl] }), { trust, offline: true });
    expect(r.indication).toBe('TOTAL_PASSED');
  });

  it('revoked before signing time → TOTAL_FAILED/REVOKED', async () => {
    const signed = await signPdf(await basePdf(), alice);
    const crl = makeCrl(ca, {
      revoked: [{ serial: certInfo(alice.certDer).serial, at: new Date(Date.now() - DAY) }],
      thisUpdate: new Date(Date.now() - 1000),
      nextUpdate: new Date(Date.now() + DAY),
    });
    const r = await verifyPdf(appendDss(signed, { crls: [crl] }), { trust, offline: true });
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_FAILED', 'REVOKED']);
    expect(r.signatures[0]!.errors).toContain('CERT_REVOKED');
  });

  it('no revocation data offline → INDETERMINATE/TRY_LATER; untrusted → NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const signed = await signPdf(await basePdf(), alice);
    const a = await verifyPdf(signed, { trust, offline: true });
    expect([a.indication, a.subIndication]).toEqual(['INDETERMINATE', 'TRY_LATER']);
    expect(a.signatures[0]!.coverage).toBe('ENTIRE_FILE');
    const b = await verifyPdf(signed, { trust: EMPTY_TRUST_STORE, offline: true });
    expect([b.indication, b.subIndication]).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
  });

  it('online revocation goes through the injected fetcher (CRL from the CDP)', async () => {
    const withCdp = issueSigner(ca, { cn: 'Trần Thị Bình', extendedKeyUsage: 'emailProtection,1.3.6.1.5.5.7.3.36,1.3.6.1.5.5.7.3.4' });
    const signed = await signPdf(await basePdf(), withCdp);
    const calls: string[] = [];
    const fetcher = {
      fetchOcsp: async (u: string) => {
        calls.push(u);
        throw new Error('no OCSP');
      },
      fetchCrl: async (u: string) => {
        calls.push(u);
        return goodCrl;
      },
    };
    // the fixture certificates carry no AIA/CDP: nothing to fetch, so still TRY_LATER and no call
    const r = await verifyPdf(signed, { trust, revocation: fetcher });
    expect(calls).toEqual([]);
    expect(r.subIndication).toBe('TRY_LATER');
    const off = await verifyPdf(signed, { trust, revocation: fetcher, offline: true });
    expect(off.subIndication).toBe('TRY_LATER');
  });

  it('a flipped byte in the signed range → TOTAL_FAILED/HASH_FAILURE', async () => {
    const signed = await signPdf(await basePdf(), alice);
    const bad = Buffer.from(signed);
    const i = signed.indexOf('/Producer') + 3;
    bad[i] = 0x41;
    const r = await verifyPdf(bad, { trust, offline: true });
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_FAILED', 'HASH_FAILURE']);
    expect(r.signatures[0]!.errors).toContain('DIGEST_MISMATCH');
  });

  it('shadow-style update replacing the page content stream after signing → MODIFICATION_OTHER', async () => {
    const signed = await signPdf(await basePdf(), alice);
    const { contents } = pageInfo(signed);
    const text = 'BT /F1 14 Tf 50 780 Td (Result: REJECTED) Tj ET';
    const attacked = appendUpdate(appendDss(signed, { crls: [goodCrl] }), {
      [contents]: `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    });
    const r = await verifyPdf(attacked, { trust, offline: true });
    const s = r.signatures[0]!;
    expect(s.integrity.digestMatch && s.integrity.cryptoValid).toBe(true);
    expect(r.indication, JSON.stringify(s.errors)).toBe('TOTAL_FAILED');
    expect(r.subIndication, JSON.stringify([s.errors, s.modifications.details])).toBe('SIG_CONSTRAINTS_FAILURE');
    expect(s.errors).toContain('MODIFICATION_OTHER');
    expect(s.modifications.other).toBe(true);
  });

  it('swapping only the page /Contents reference is caught as well', async () => {
    const signed = await signPdf(await basePdf(), alice);
    const { num, contents } = pageInfo(signed);
    const text = 'BT ET';
    const page = dictText(signed, num).replace(new RegExp(`(/Contents\\s*\\[?\\s*)${contents}\\s+0\\s+R`), '$1999 0 R');
    expect(page).toContain('999 0 R');
    const attacked = appendUpdate(signed, { 999: `<< /Length ${text.length} >>\nstream\n${text}\nendstream`, [num]: page });
    const r = await verifyPdf(attacked, { trust, offline: true });
    expect(r.signatures[0]!.modifications.details.some((d) => d.includes('/Contents'))).toBe(true);
    expect(r.indication).toBe('TOTAL_FAILED');
  });

  it('adding a page after signing → page count changed, FORMAT_FAILURE', async () => {
    const signed = await signPdf(await basePdf({ pages: 1 }), alice);
    const raw = pageInfo(signed);
    const pagesText = dictText(signed, raw.num).match(/\/Parent\s+(\d+)\s+0\s+R/)!;
    const pagesNum = Number(pagesText[1]);
    const pages = dictText(signed, pagesNum)
      .replace(/\/Kids\s*\[([^\]]*)\]/, `/Kids [$1 998 0 R]`)
      .replace(/\/Count\s+\d+/, '/Count 2');
    const r = await verifyPdf(
      appendUpdate(signed, { 998: `<< /Type /Page /Parent ${pagesNum} 0 R /MediaBox [0 0 595 842] >>`, [pagesNum]: pages }),
      { trust, offline: true },
    );
    const s = r.signatures[0]!;
    expect(s.modifications.pageCountChanged).toBe(true);
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_FAILED', 'FORMAT_FAILURE']);
  });

  it('two approval signatures: the first covers its revision and sees only form filling', async () => {
    const bob = issueSigner(ca, { cn: 'Lê Văn Cường', key: 'p256' });
    const once = await signPdf(await basePdf(), alice, { newFieldName: 'Sig1' });
    const twice = await signPdf(once, bob, { newFieldName: 'Sig2', page: 1, rect: [50, 50, 250, 110] });
    const r = await verifyPdf(appendDss(twice, { crls: [goodCrl] }), { trust, offline: true });
    expect(r.signatures.map((s) => [s.fieldName, s.coverage, s.modifications.level, s.indication])).toEqual([
      ['Sig1', 'ENTIRE_REVISION', 'FORM_FILLING', 'TOTAL_PASSED'],
      ['Sig2', 'ENTIRE_REVISION', 'LTA_UPDATES', 'TOTAL_PASSED'],
    ]);
    expect(r.signatures[1]!.integrity.signatureAlgorithm).toMatch(/ECDSA/);
  });

  it('certification P=2 followed by an annotation → DOCMDP_VIOLATION; P=3 allows it', async () => {
    for (const p of [2, 3] as const) {
      const certified = await signPdf(await basePdf(), alice, { newFieldName: 'Cert', certify: p });
      const { num } = pageInfo(certified);
      const page = dictText(certified, num);
      const withAnnot = page.includes('/Annots')
        ? page.replace(/\/Annots\s*\[/, '/Annots [997 0 R ')
        : page.replace(/>>\s*$/, ' /Annots [997 0 R] >>');
      const out = appendUpdate(appendDss(certified, { crls: [goodCrl] }), {
        997: `<< /Type /Annot /Subtype /Text /Rect [400 700 420 720] /Contents (note) /P ${num} 0 R >>`,
        [num]: withAnnot,
      });
      const r = await verifyPdf(out, { trust, offline: true });
      const s = r.signatures[0]!;
      expect(s.kind).toBe('certification');
      expect(s.mdp.docMdpP).toBe(p);
      expect(s.modifications.annotation).toBe(true);
      if (p === 2) expect(s.errors).toContain('DOCMDP_VIOLATION');
      else expect(s.indication).toBe('TOTAL_PASSED');
    }
  });

  it('B-T: a trusted signature timestamp gives the best signature time and keeps an expired signer valid', async () => {
    const tsaCert = issueSigner(ca, { cn: 'Kyso TSA', extendedKeyUsage: 'critical,timeStamping', keyUsage: 'critical,digitalSignature' });
    const tsaClock = { now: () => new Date() }; // the TSA's own running clock
    const tsa = createTimestampAuthority({
      signer: keyObjectSigner(tsaCert.key),
      certificate: tsaCert.certDer,
      chain: [ca.certDer],
      policyOid: '1.3.6.1.4.1.99999.1',
      clock: tsaClock,
    });
    const shortLived = issueSigner(ca, { cn: 'Phạm Thị Dung', days: 1 });
    const signed = await signPdf(await basePdf(), shortLived, {
      timestamp: async (sig) => (await tsa.issue({ hash: 'sha256', digest: sha256(sig), certReq: true })).token,
    });
    const lt = appendDss(signed, { crls: [goodCrl] });
    const now = await verifyPdf(lt, { trust, offline: true });
    const s = now.signatures[0]!;
    expect(s.level).toBe('B-LT');
    expect(s.timestamps[0]).toMatchObject({ type: 'signature', imprintMatches: true, signatureValid: true, trusted: true, valid: true });
    expect(s.bestSignatureTime).toBe(s.timestamps[0]!.genTime);
    expect(now.indication, JSON.stringify([now.subIndication, s.errors, s.timestamps, s.claimedSigningTime])).toBe('TOTAL_PASSED');
    // ten days later the signer certificate has expired, but the timestamp proves the signature existed before
    const later = await verifyPdf(lt, { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    expect(later.indication, JSON.stringify([later.subIndication, later.signatures[0]!.errors])).toBe('TOTAL_PASSED');
    // without the timestamp the same situation has no proof of existence
    const plain = appendDss(await signPdf(await basePdf(), shortLived), { crls: [goodCrl] });
    const noPoe = await verifyPdf(plain, { trust, offline: true, at: new Date(Date.now() + 10 * DAY) });
    expect([noPoe.indication, noPoe.subIndication]).toEqual(['INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE']);
  });

  it('a timestamp copied from another signature is not bound to this one', async () => {
    const tsaCert = issueSigner(ca, { cn: 'Kyso TSA 2', extendedKeyUsage: 'critical,timeStamping', keyUsage: 'critical,digitalSignature' });
    const tsa = createTimestampAuthority({
      signer: keyObjectSigner(tsaCert.key),
      certificate: tsaCert.certDer,
      chain: [ca.certDer],
      policyOid: '1.3.6.1.4.1.99999.1',
      clock: new FakeClock(new Date()),
    });
    const foreign = (await tsa.issue({ hash: 'sha256', digest: sha256(Buffer.from('another signature value')), certReq: true })).token;
    const signed = await signPdf(await basePdf(), alice, { timestamp: async () => foreign });
    const r = await verifyPdf(appendDss(signed, { crls: [goodCrl] }), { trust, offline: true });
    expect(r.signatures[0]!.timestamps[0]!.imprintMatches).toBe(false);
    expect(r.signatures[0]!.errors).toContain('TST_IMPRINT_MISMATCH');
    expect(r.indication).not.toBe('TOTAL_PASSED');
  });

  it('rejects non-PDF input with VERIFY_UNREADABLE and oversized input with a LIMIT_SIZE report', async () => {
    await expect(verifyPdf(Buffer.from('hello'), { trust })).rejects.toMatchObject({ code: 'VERIFY_UNREADABLE' });
    const r = await verifyPdf(await basePdf(), { trust, limits: { maxFileBytes: 100 } });
    expect([r.indication, r.subIndication, r.errors[0]]).toEqual(['TOTAL_FAILED', 'FORMAT_FAILURE', 'LIMIT_SIZE']);
  });

  it('renders HTML (escaped) and a Vietnamese PDF report that pdftotext can read', async () => {
    const signed = await signPdf(await basePdf(), alice, { newFieldName: '<script>alert(1)</script>' });
    const r = await verifyPdf(signed, { trust, offline: true });
    const html = renderReportHtml(r, 'vi');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Báo cáo kiểm tra chữ ký số');
    expect(renderReportHtml(r, 'en')).toContain('Signature verification report');
    const pdf = await renderReportPdf(r, 'vi');
    const dir = mkdtempSync(join(tmpdir(), 'kyso-report-'));
    writeFileSync(join(dir, 'r.pdf'), pdf);
    const text = execFileSync('pdftotext', [join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Báo cáo kiểm tra chữ ký số');
    expect(text).toContain('Nguyễn Văn An');
    expect(text).toContain('CHƯA XÁC ĐỊNH');
  });
});

describe('field locks', () => {
  async function formPdf(): Promise<Buffer> {
    const { PDFDocument } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const form = doc.getForm();
    form.createTextField('Name').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
    form.createTextField('Note').addToPage(page, { x: 50, y: 650, width: 200, height: 20 });
    return Buffer.from(await doc.save({ useObjectStreams: false }));
  }
  function fieldNum(pdf: Buffer, name: string): number {
    const raw = openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
    const view = revisionView(raw, raw.revisions.length - 1, new Budget(DEFAULT_LIMITS));
    return view.fields.find((f) => f.name === name)!.num!;
  }

  it('filling a field locked by the signature → FIELDMDP_VIOLATION; an unlocked one is fine', async () => {
    const signed = await signPdf(await formPdf(), alice, { newFieldName: 'Sig1', lock: { action: 'Include', fields: ['Name'] } });
    const base = appendDss(signed, { crls: [goodCrl] });
    for (const [name, violation] of [
      ['Name', true],
      ['Note', false],
    ] as const) {
      const n = fieldNum(base, name);
      const text = dictText(base, n).replace(/>>\s*$/, ' /V (Changed) >>');
      const r = await verifyPdf(appendUpdate(base, { [n]: text }), { trust, offline: true });
      const s = r.signatures[0]!;
      expect(s.mdp.fieldMdp).toEqual({ action: 'Include', fields: ['Name'] });
      expect(s.modifications.signatureOrFormFill).toBe(true);
      if (violation) expect([s.indication, s.errors.includes('FIELDMDP_VIOLATION')]).toEqual(['TOTAL_FAILED', true]);
      else expect(s.indication).toBe('TOTAL_PASSED');
    }
  });
});

describe('certification attacks', () => {
  it('sneaky signature: under P=2 a new visible signature field is a violation', async () => {
    const certified = await signPdf(await basePdf(), alice, { newFieldName: 'Cert', certify: 2 });
    const bob = issueSigner(ca, { cn: 'Vũ Văn Giang' });
    // our own signer refuses to add a visible field to a P=2 document …
    await expect(signPdf(certified, bob, { newFieldName: 'Sneaky', page: 0, rect: [50, 600, 300, 680] })).rejects.toMatchObject({
      code: 'PDF_SIGNING_FORBIDDEN',
    });
    // … so the attacker's update is written by hand: a new visible signature field with an appearance
    const raw = openForVerification(certified, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
    const afRef = raw.catalog()!.get('AcroForm') as { num: number };
    const { num: pageNum } = pageInfo(certified);
    const af = dictText(certified, afRef.num).replace(/\/Fields\s*\[/, '/Fields [996 0 R ');
    const page = dictText(certified, pageNum);
    const pageWith = /\/Annots\s*\[/.test(page)
      ? page.replace(/\/Annots\s*\[/, '/Annots [996 0 R ')
      : page.replace(/>>\s*$/, ' /Annots [996 0 R] >>');
    const ap = 'q 0 0 1 rg 0 0 250 80 re f Q';
    const out = appendUpdate(appendDss(certified, { crls: [goodCrl] }), {
      995: `<< /Type /XObject /Subtype /Form /BBox [0 0 250 80] /Length ${ap.length} >>\nstream\n${ap}\nendstream`,
      996: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sneaky) /F 4 /Rect [50 600 300 680] /P ${pageNum} 0 R /AP << /N 995 0 R >> >>`,
      [afRef.num]: af,
      [pageNum]: pageWith,
    });
    const r = await verifyPdf(out, { trust, offline: true });
    const cert = r.signatures[0]!;
    expect(cert.kind).toBe('certification');
    expect(cert.mdp.docMdpP).toBe(2);
    expect(cert.errors).toContain('DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD');
    expect([cert.indication, cert.subIndication]).toEqual(['TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE']);
  });
});

describe('B-LTA', () => {
  it('signature + DSS + document timestamp: the timestamp revision is an extension, level B-LTA', async () => {
    const tsaCert = issueSigner(ca, {
      cn: 'Kyso TSA LTA',
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
    const signed = await signPdf(await basePdf(), alice, {
      newFieldName: 'Sig1',
      timestamp: async (sig) => (await tsa.issue({ hash: 'sha256', digest: sha256(sig), certReq: true })).token,
    });
    const lt = appendDss(signed, { certs: [...alice.chain, tsaCert.certDer], crls: [goodCrl] });
    const prepared = preparePdfSignature(lt, { subFilter: 'ETSI.RFC3161', placeholderSize: 8192 });
    const token = (await tsa.issue({ hash: 'sha256', digest: prepared.digest('sha256'), certReq: true })).token;
    const lta = prepared.embed(token);
    const r = await verifyPdf(lta, { trust, offline: true });
    expect(r.signatures.map((s) => [s.kind, s.level, s.modifications.level])).toEqual([
      ['approval', 'B-LTA', 'LTA_UPDATES'],
      ['documentTimestamp', 'B-LTA', 'NONE'],
    ]);
    const dts = r.signatures[1]!;
    expect(dts.timestamps[0]).toMatchObject({ type: 'document', imprintMatches: true, signatureValid: true, trusted: true });
    expect(dts.coverage).toBe('ENTIRE_FILE');
    expect(r.indication).toBe('TOTAL_PASSED');
    // a copy of this document timestamp token in a new revision does not cover that revision
    const again = preparePdfSignature(lta, { subFilter: 'ETSI.RFC3161', placeholderSize: 8192 });
    const copied = await verifyPdf(again.embed(token), { trust, offline: true });
    expect(copied.signatures[2]!.timestamps[0]!.imprintMatches).toBe(false);
    expect([copied.signatures[2]!.indication, copied.signatures[2]!.subIndication]).toEqual(['TOTAL_FAILED', 'HASH_FAILURE']);
  });
});
