import type { PDFPageLeaf } from 'pdf-lib';
import { contentBounds, lowestDrawnY, readPageGeometry } from '../pdf/content/index.js';

/**
 * How far down the original's last page its content goes: the lowest y (default user space) of
 * anything its content streams draw; the page top for a blank page. Read from the content streams
 * directly (lowestDrawnY) and, for what that reader does not model, as pdf.js interprets them
 * (src/pdf/content). Undefined when the page cannot be read in time — the statement then goes on
 * an added page, which is always correct, so a hostile or odd file only loses the saving of a page.
 */
export async function lastPageContentBottom(original: Buffer, lastPage: PDFPageLeaf, lastPageIndex: number): Promise<number | undefined> {
  const fast = lowestDrawnY(lastPage);
  if (fast !== 'unsupported') return fast;
  try {
    const [page] = await readPageGeometry(original, { pages: [lastPageIndex], timeoutMs: 5_000 });
    if (!page) return undefined;
    return contentBounds(page)?.y0 ?? page.box.y1;
  } catch {
    return undefined;
  }
}
