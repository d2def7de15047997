// What judging annotations added after signing costs (src/pdf/verify/steps/overlay.ts): a signed
// 10-page document, the same file with a sticky note added on page 7 after signing, and — on its
// own — the content-overlap check (pdf.js geometry of page 7 of the signed revision, bytes
// [0, c+d), and the box test). The unchanged file must stay at hash speed: no page content is read.
// Files are signed with the project's placement (src/pdf/sign) and CMS builder (src/cms).
// Run `npm run build` first; imports come from dist/.
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { preparePdfSignature } from '../dist/pdf/sign/index.js';
import { signDetachedCms } from '../dist/cms/signed-data.js';
import { keyObjectSigner } from '../dist/signing/pkcs12-signer.js';
import { verifyPdf, createTrustStore } from '../dist/pdf/verify/index.js';
import { coveredContent } from '../dist/pdf/verify/content-cover.js';
import { drawnChangesAfter } from '../dist/pdf/verify/later-drawing.js';
import { openForVerification } from '../dist/pdf/verify/reader.js';
import { Budget, DEFAULT_LIMITS } from '../dist/pdf/verify/limits.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-overlay-bench-'));
const sh = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
sh(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '30', '-subj', '/CN=Bench Signer']);
const der = (pem) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
const certDer = der(certPem);
const key = createPrivateKey(readFileSync(join(dir, 'k.pem')));
const trust = createTrustStore([certPem]);

async function signed10Pages() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 1; p <= 10; p++) {
    const page = doc.addPage([595, 842]);
    for (let line = 0; line < 45; line++)
      page.drawText(`Page ${p}, line ${line + 1}: result of the review of the application file`, {
        x: 50,
        y: 790 - line * 16,
        size: 11,
        font,
      });
  }
  const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  const prepared = preparePdfSignature(pdf, { signingTime: new Date(), placeholderSize: 4096 });
  const cms = await signDetachedCms({
    contentDigest: prepared.digest('sha256'),
    signer: keyObjectSigner(key),
    signerCertificate: certDer,
    certificates: [certDer],
  });
  return prepared.embed(cms);
}

/** Appends a revision adding a sticky note in the right margin of page `index` (0-based). */
function withNote(pdf, index) {
  const raw = openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
  const pages = raw.resolve(raw.catalog().get('Pages'));
  const pageNum = raw.resolve(pages.get('Kids'))[index].num;
  const d = raw.object(pageNum);
  const src = pdf.toString('latin1', d.start, d.end);
  const body = src.slice(src.indexOf('<<'), src.lastIndexOf('>>'));
  const old = raw.resolve(d.get('Annots'));
  const kept = Array.isArray(old) ? old.map((r) => `${r.num} 0 R`).join(' ') : '';
  const noteNum = Number(raw.trailerValue('Size'));
  const objs = [
    [noteNum, `<< /Type /Annot /Subtype /Text /Rect [560 400 580 420] /Contents (xem lai) /P ${pageNum} 0 R >>`],
    [pageNum, `${body.replace(/\/Annots\s*(\[[^\]]*\]|\d+\s+\d+\s+R)/, '')} /Annots [${kept} ${noteNum} 0 R] >>`],
  ];
  let text = '\n';
  const offsets = [];
  for (const [n, b] of objs) {
    offsets.push([n, pdf.length + Buffer.byteLength(text, 'latin1')]);
    text += `${n} 0 obj\n${b}\nendobj\n`;
  }
  const xrefAt = pdf.length + Buffer.byteLength(text, 'latin1');
  text += 'xref\n0 1\n0000000000 65535 f \n';
  for (const [n, off] of offsets) text += `${n} 1\n${String(off).padStart(10, '0')} 00000 n \n`;
  const root = raw.trailerValue('Root');
  text += `trailer\n<< /Size ${noteNum + 1} /Root ${root.num} 0 R /Prev ${raw.last.sections[0].offset} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(text, 'latin1')]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs) {
  await fn();
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

const signed = await signed10Pages();
const noted = withNote(signed, 6);
const r = await verifyPdf(noted, { trust, offline: true });
const s = r.signatures[0];
if (!s?.warnings.includes('MODIFICATION_ANNOTATION') || s.errors.includes('MODIFICATION_COVERS_CONTENT'))
  throw new Error(`bench file not judged as expected: ${JSON.stringify([s?.errors, s?.warnings])}`);
const signedRevision = noted.subarray(0, s.signedRevision.length);
const revisions = openForVerification(noted, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
const changes = drawnChangesAfter(revisions, s.signedRevision.index, new Budget(DEFAULT_LIMITS));
if (changes.length !== 1 || changes[0].pageIndex !== 6) throw new Error('the bench file should add one annotation on page 7');

const runs = 30;
const unchanged = await time(() => verifyPdf(signed, { trust, offline: true }), runs);
const withAnnotation = await time(() => verifyPdf(noted, { trust, offline: true }), runs);
const overlap = await time(() => coveredContent(signedRevision, changes), runs);

console.log('| 10-page document (%d bytes) | median ms |', noted.length);
console.log('|---|---|');
console.log(`| unchanged signed file: verifyPdf | ${unchanged.toFixed(2)} |`);
console.log(`| sticky note added on page 7: verifyPdf | ${withAnnotation.toFixed(2)} |`);
console.log(`| of which content overlap (pdf.js geometry of page 7 of [0, c+d) + box test) | ${overlap.toFixed(2)} |`);
rmSync(dir, { recursive: true, force: true });
