import { pageOverlay, type PageOverlay } from '../../../src/pdf/appearance/overlay.js';
import {
  serializeObjectBody,
  serializeValue,
  pdfDict,
  pdfRef,
  type PdfObjectBundle,
  type PdfObjectSpec,
} from '../../../src/pdf/appearance/model.js';

/**
 * A deliberately tiny PDF writer for the appearance tests, independent of src/pdf/incremental:
 * one page of a given size; each placement is either painted by the page content (`Do`) or
 * attached as a signature-field widget whose /AP /N is the appearance.
 */
export interface Placement {
  bundle: PdfObjectBundle;
  rect: [number, number, number, number];
  /** content: painted by the page's own stream; widget: a signature field's /AP /N; overlay: via pageOverlay(). */
  as: 'content' | 'widget' | 'overlay';
}

/** `pageContent`: the page's original content stream (may leave the graphics state changed). */
export function miniPdf(pageSize: [number, number], placements: Placement[], pageContent?: string, rotate = 0): Buffer {
  const objects: { num: number; body: Buffer }[] = [];
  let next = 1;
  const alloc = () => next++;
  const catalog = alloc();
  const pages = alloc();
  const page = alloc();
  const contents = alloc();
  const xobjects: Record<string, ReturnType<typeof pdfRef>> = {};
  const annots: number[] = [];
  const numOf = new Map<string, number>();
  const ops: string[] = pageContent ? [pageContent] : [];
  const overlays: PageOverlay[] = [];
  placements.forEach((p, k) => {
    const local = new Map<string, number>();
    for (const o of p.bundle.objects) local.set(o.id, alloc());
    const refOf = (id: string) => {
      const n = local.get(id);
      if (n === undefined) throw new Error(`unknown id ${id}`);
      return n;
    };
    for (const o of p.bundle.objects) objects.push({ num: refOf(o.id), body: serializeObjectBody(o as PdfObjectSpec, refOf) });
    const root = refOf(p.bundle.root);
    const [x0, y0, x1, y1] = p.rect;
    if (p.as === 'overlay') {
      const o = pageOverlay(p.bundle, { x: x0, y: y0, resourceName: `KysoOv${k}` });
      numOf.set(o.resourceName, root);
      xobjects[o.resourceName] = pdfRef(o.resourceName);
      overlays.push(o);
    } else if (p.as === 'content') {
      const name = `Ap${k}`;
      numOf.set(name, root);
      xobjects[name] = pdfRef(name);
      // The form's BBox is [0 0 w h]: scale it into the rect.
      const bbox = p.bundle.objects.find((o) => o.id === p.bundle.root)!.dict.entries['BBox'] as number[];
      const sx = (x1 - x0) / bbox[2]!;
      const sy = (y1 - y0) / bbox[3]!;
      ops.push(`q ${sx} 0 0 ${sy} ${x0} ${y0} cm /${name} Do Q`);
    } else {
      const w = alloc();
      annots.push(w);
      const body = `<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig${k})/F 4/Rect[${x0} ${y0} ${x1} ${y1}]/P ${page} 0 R/AP<</N ${root} 0 R>>>>`;
      objects.push({ num: w, body: Buffer.from(body, 'latin1') });
    }
  });
  const globalRef = (id: string) => numOf.get(id)!;
  const stream = (data: Buffer) => Buffer.concat([Buffer.from(`<</Length ${data.length}>>\nstream\n`), data, Buffer.from('\nendstream')]);
  const content = Buffer.from(ops.join('\n'), 'latin1');
  objects.push({ num: contents, body: stream(content) });
  // What the incremental writer does for an overlay: [q] existing [Q] overlay.
  let contentsRef = `${contents} 0 R`;
  if (overlays.length) {
    const refs: number[] = [];
    const add = (b: Buffer) => {
      const n = alloc();
      objects.push({ num: n, body: stream(b) });
      refs.push(n);
    };
    add(overlays[0]!.prefix);
    refs.push(contents);
    add(overlays[0]!.suffix);
    for (const o of overlays) add(o.content);
    contentsRef = `[${refs.map((r) => `${r} 0 R`).join(' ')}]`;
  }
  const res = pdfDict({ XObject: pdfDict(xobjects) });
  const annotsStr = annots.length ? `/Annots[${annots.map((a) => `${a} 0 R`).join(' ')}]` : '';
  objects.push({
    num: page,
    body: Buffer.from(
      `<</Type/Page/Parent ${pages} 0 R/MediaBox[0 0 ${pageSize[0]} ${pageSize[1]}]/Rotate ${rotate}/Resources ${serializeValue(res, globalRef)}/Contents ${contentsRef}${annotsStr}>>`,
      'latin1',
    ),
  });
  objects.push({ num: pages, body: Buffer.from(`<</Type/Pages/Kids[${page} 0 R]/Count 1>>`) });
  const acro = annots.length ? `/AcroForm<</Fields[${annots.map((a) => `${a} 0 R`).join(' ')}]/SigFlags 1>>` : '';
  objects.push({ num: catalog, body: Buffer.from(`<</Type/Catalog/Pages ${pages} 0 R${acro}>>`) });

  objects.sort((a, b) => a.num - b.num);
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  for (const o of objects) {
    offsets[o.num] = offset;
    const chunk = Buffer.concat([Buffer.from(`${o.num} 0 obj\n`), o.body, Buffer.from('\nendobj\n')]);
    parts.push(chunk);
    offset += chunk.length;
  }
  const size = next;
  let xref = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let i = 1; i < size; i++) xref += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<</Size ${size}/Root ${catalog} 0 R>>\nstartxref\n${offset}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}
