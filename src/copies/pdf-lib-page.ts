import { PDFArray, PDFDict, PDFName, PDFRef, PDFStream, type PDFPage } from 'pdf-lib';
import { formatNumber } from '../pdf/appearance/index.js';

/**
 * Page edits for the copy document without pdf-lib's page "normalisation", which, on the first
 * drawing or annotation, rewrites the page's resources and wraps its content in two new q/Q
 * streams compressed by a JavaScript deflate (two deflate states set up and torn down per copy).
 * The same structure is written here directly, uncompressed: a few bytes.
 */

/**
 * Draws form XObject `form` over everything the page already shows, with its origin at (x, y):
 * the existing content streams are enclosed in q … Q (ISO 32000-1 §8.4.2) so that a graphics
 * state they leave behind (a CTM, a clip) cannot move or cut the overlay.
 */
export function overlayForm(page: PDFPage, form: PDFRef, x: number, y: number): void {
  const { context } = page.doc;
  const node = page.node;
  const inherited = context.lookupMaybe(node.getInheritableAttribute(PDFName.of('Resources')), PDFDict);
  const resources = inherited ? inherited.clone(context) : context.obj({});
  const xobjects = resources.lookupMaybe(PDFName.of('XObject'), PDFDict)?.clone(context) ?? context.obj({});
  let name = PDFName.of('KysoCopy');
  for (let i = 1; xobjects.has(name); i++) name = PDFName.of(`KysoCopy${i}`);
  xobjects.set(name, form);
  resources.set(PDFName.of('XObject'), xobjects);
  node.set(PDFName.of('Resources'), resources);

  const contents = node.get(PDFName.of('Contents'));
  const existing: PDFRef[] = [];
  const resolved = context.lookup(contents);
  if (resolved instanceof PDFArray) for (let i = 0; i < resolved.size(); i++) existing.push(resolved.get(i) as PDFRef);
  else if (contents instanceof PDFRef && resolved instanceof PDFStream) existing.push(contents);
  const overlay = `q 1 0 0 1 ${formatNumber(x)} ${formatNumber(y)} cm ${name.asString()} Do Q\n`;
  const streams = existing.length
    ? [context.register(context.stream('q\n')), ...existing, context.register(context.stream(`Q\n${overlay}`))]
    : [context.register(context.stream(overlay))];
  node.set(PDFName.of('Contents'), context.obj(streams));
}

/** Adds an annotation to the page's /Annots (ISO 32000-1 §12.5.2), keeping the ones it has. */
export function addAnnotation(page: PDFPage, annot: PDFRef): void {
  const { context } = page.doc;
  const annots = context.lookupMaybe(page.node.get(PDFName.of('Annots')), PDFArray);
  const next = annots ? annots.clone(context) : context.obj([]);
  next.push(annot);
  page.node.set(PDFName.of('Annots'), next);
}
