import { union, type Box } from './box.js';
import type { PageGeometry } from './page-geometry.js';

/** Everything the page content draws, or undefined for a blank page. */
export function contentBounds(page: PageGeometry): Box | undefined {
  return union([...page.text, ...page.images, ...page.paths].filter((b) => overlapsPage(b, page.box)));
}

/**
 * The empty band across the bottom of the page, below the lowest drawn content, less `margin` on
 * every side; undefined when it is lower than `minHeight`. Used to place a certification statement
 * in the free space under the original's content (Decree 23/2015 practice: the statement follows the
 * copied content on its last page when it fits).
 */
export function freeBandAtBottom(page: PageGeometry, minHeight: number, margin = 36): Box | undefined {
  const content = contentBounds(page);
  const top = (content ? content.y0 : page.box.y1) - margin / 2;
  const band = { x0: page.box.x0 + margin, y0: page.box.y0 + margin, x1: page.box.x1 - margin, y1: Math.min(top, page.box.y1 - margin) };
  return band.y1 - band.y0 >= minHeight && band.x1 > band.x0 ? band : undefined;
}

function overlapsPage(b: Box, page: Box): boolean {
  return b.x1 > page.x0 && b.x0 < page.x1 && b.y1 > page.y0 && b.y0 < page.y1;
}
