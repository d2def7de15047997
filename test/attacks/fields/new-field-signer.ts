/**
 * A second signature in a NEW visible signature field, written the way Adobe Acrobat writes it on
 * a certified (DocMDP P=2) document. kyso's own signer refuses to add a visible field under P=2
 * (src/pdf/sign/permissions.ts), so the update is written here: a merged field/widget (§12.7.4.5)
 * with its appearance, page /Annots and form /Fields updated, and a signature dictionary whose
 * /ByteRange covers the whole new revision (§12.8.1). The CMS is kyso's own (signDetachedCms).
 */
import { createHash } from 'node:crypto';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { keyObjectSigner } from '../../../src/signing/pkcs12-signer.js';
import type { TestSigner } from '../../fixtures/pki-fixture.js';
import { appendRevision } from '../incremental-writer.js';
import { formFields, page1Annots } from '../annotations/page-update.js';

const PLACEHOLDER_BYTES = 12_288;
const BYTE_RANGE_SLOT = '/ByteRange [0 ********** ********** **********]';

export interface NewFieldSignature {
  readonly name: string;
  readonly rect: readonly [number, number, number, number];
  /** Object numbers for the field/widget, its appearance and the signature dictionary. */
  readonly nums: { readonly field: number; readonly ap: number; readonly sig: number };
  /** Body of the appearance form XObject (default: a light frame with the signer's name). */
  readonly appearance?: string;
}

export async function signInNewField(pdf: Buffer, signer: TestSigner, o: NewFieldSignature): Promise<Buffer> {
  const [x0, y0, x1, y1] = o.rect;
  const w = x1 - x0;
  const h = y1 - y0;
  const ops = `q 0 0 0.6 RG 1 w 1 1 ${w - 2} ${h - 2} re S Q BT /Helv 9 Tf 0 0 0.6 rg 6 ${h / 2} Td (Signed: ${o.name}) Tj ET`;
  const appearance =
    o.appearance ??
    `<< /Type /XObject /Subtype /Form /BBox [0 0 ${w} ${h}] /Resources << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Length ${ops.length} >>\nstream\n${ops}\nendstream`;
  const page = page1Annots(pdf, [o.nums.field]);
  const pageNum = Number(Object.keys(page)[0]);
  const m = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const unsigned = appendRevision(pdf, {
    objects: {
      [o.nums.ap]: appearance,
      [o.nums.sig]:
        `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (D:${m}Z) ${BYTE_RANGE_SLOT} /Contents <${'0'.repeat(2 * PLACEHOLDER_BYTES)}> >>`,
      [o.nums.field]:
        `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${o.name}) /F 4 /Rect [${o.rect.join(' ')}] /P ${pageNum} 0 R /V ${o.nums.sig} 0 R /AP << /N ${o.nums.ap} 0 R >> >>`,
      ...page,
      ...formFields(pdf, [o.nums.field]),
    },
  });
  const text = unsigned.toString('latin1');
  const slot = text.lastIndexOf(BYTE_RANGE_SLOT);
  const start = text.indexOf('<', text.indexOf('/Contents', slot));
  const end = text.indexOf('>', start) + 1;
  const range = [0, start, end, unsigned.length - end];
  const filled = `/ByteRange [${range.join(' ')}]`.padEnd(BYTE_RANGE_SLOT.length, ' ');
  const out = Buffer.from(unsigned);
  out.write(filled, slot, 'latin1');
  const digest = createHash('sha256').update(out.subarray(0, start)).update(out.subarray(end)).digest();
  const cms = await signDetachedCms({
    contentDigest: digest,
    signer: keyObjectSigner(signer.key),
    signerCertificate: signer.certDer,
    certificates: signer.chain,
  });
  out.write(cms.toString('hex').toUpperCase(), start + 1, 'latin1');
  return out;
}
