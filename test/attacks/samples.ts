/**
 * kyso's own signed outputs, produced with the project's signing API (src/pdf/sign placement,
 * src/cms CMS and timestamp authority, appendDss): an approval signature, certification
 * signatures with DocMDP P=1/2/3 and a B-LT signature (signature timestamp + /DSS).
 */
import { createTimestampAuthority } from '../../src/cms/timestamp-authority.js';
import { appendDss } from '../../src/pdf/sign/index.js';
import { createTrustStore, type TrustStore } from '../../src/pdf/verify/index.js';
import { PdfDict, PdfRef, PdfStream } from '../../src/pdf/syntax/objects.js';
import { keyObjectSigner } from '../../src/signing/pkcs12-signer.js';
import { issueSigner, sharedTestCa, type TestCa, type TestSigner } from '../fixtures/pki-fixture.js';
import { basePdf, makeCrl, sha256, signPdf } from '../integration/verify/helpers.js';
import { readPdf } from './incremental-writer.js';

export const SIGNED_TEXT = 'approved';
export const ATTACK_TEXT = 'REJECTED';

export interface Sample {
  readonly name: string;
  readonly pdf: Buffer;
}

export interface Samples {
  readonly ca: TestCa;
  readonly signer: TestSigner;
  readonly trust: TrustStore;
  readonly goodCrl: Buffer;
  readonly all: readonly Sample[];
}

const DAY = 86_400_000;

export async function makeSamples(): Promise<Samples> {
  const ca = sharedTestCa();
  const signer = issueSigner(ca, { cn: 'Trần Thị Bình' });
  const trust = createTrustStore([ca.certPem]);
  const goodCrl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * DAY) });
  const tsaCert = issueSigner(ca, {
    cn: 'Kyso TSA attacks',
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
  const base = await basePdf({ pages: 1 });
  const approval = await signPdf(base, signer, { newFieldName: 'Sig1' });
  const certified = async (p: 1 | 2 | 3) => signPdf(base, signer, { newFieldName: 'Cert', certify: p });
  const bt = await signPdf(base, signer, {
    newFieldName: 'Sig1',
    timestamp: async (sig) => (await tsa.issue({ hash: 'sha256', digest: sha256(sig), certReq: true })).token,
  });
  const blt = appendDss(bt, { certs: [...signer.chain, tsaCert.certDer], crls: [goodCrl] });
  return {
    ca,
    signer,
    trust,
    goodCrl,
    all: [
      { name: 'approval', pdf: approval },
      { name: 'certified P=1', pdf: await certified(1) },
      { name: 'certified P=2', pdf: await certified(2) },
      { name: 'certified P=3', pdf: await certified(3) },
      { name: 'B-LT', pdf: blt },
    ],
  };
}

/** Page 1 of the final revision: its object number, dictionary and content stream object number. */
export function firstPage(pdf: Buffer): { num: number; dict: PdfDict; contents: number; resources: string } {
  const raw = readPdf(pdf);
  const pages = raw.resolve(raw.catalog()!.get('Pages')) as PdfDict;
  const kids = raw.resolve(pages.get('Kids')) as PdfRef[];
  const num = kids[0]!.num;
  const dict = raw.object(num) as PdfDict;
  const c = dict.get('Contents');
  const contents = (Array.isArray(c) ? c[0] : c) as PdfRef;
  const res = dict.get('Resources');
  const resources = res instanceof PdfRef ? `${res.num} ${res.gen} R` : pdfText(pdf, raw, num, 'Resources');
  return { num, dict, contents: contents.num, resources };
}

/** The source text of one entry of an object's dictionary, as written in the file. */
function pdfText(pdf: Buffer, raw: ReturnType<typeof readPdf>, num: number, key: string): string {
  const d = raw.object(num) as PdfDict & { start?: number; end?: number };
  const src = pdf.toString('latin1', d.start, d.end);
  const at = src.indexOf(`/${key}`);
  // balanced << … >> after the key
  let i = src.indexOf('<<', at);
  let depth = 0;
  const from = i;
  for (; i < src.length; i++) {
    if (src.startsWith('<<', i)) {
      depth++;
      i++;
    } else if (src.startsWith('>>', i)) {
      depth--;
      i++;
      if (depth === 0) break;
    }
  }
  return src.slice(from, i + 1);
}

/** A content stream object body drawing page 1's text with SIGNED_TEXT replaced by ATTACK_TEXT. */
export function attackedContent(pdf: Buffer, typeEntry = ''): string {
  const raw = readPdf(pdf);
  const { contents } = firstPage(pdf);
  const st = raw.object(contents) as PdfStream;
  let text = raw.streamData(st).toString('latin1');
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex').toUpperCase();
  const before = text;
  text = text
    .replace(SIGNED_TEXT, ATTACK_TEXT)
    .replace(hex(SIGNED_TEXT), hex(ATTACK_TEXT))
    .replace(hex(SIGNED_TEXT).toLowerCase(), hex(ATTACK_TEXT));
  if (text === before) throw new Error('page 1 does not draw the signed text');
  return `<< ${typeEntry} /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`;
}
