import { contentBounds, readPageGeometry } from '../pdf/content/index.js';

/**
 * How far down the original's last page its content goes: the lowest y (default user space) of
 * anything its content streams draw, as pdf.js interprets them (src/pdf/content); the page top
 * for a blank page. Undefined when the page cannot be read in time — the statement then goes on an
 * added page, which is always correct, so a hostile or odd file only loses the saving of a page.
 */
export async function lastPageContentBottom(original: Buffer, lastPageIndex: number): Promise<number | undefined> {
  try {
    const [page] = await readPageGeometry(original, { pages: [lastPageIndex], timeoutMs: 5_000 });
    if (!page) return undefined;
    return contentBounds(page)?.y0 ?? page.box.y1;
  } catch {
    return undefined;
  }
}
