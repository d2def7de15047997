/**
 * Does a box drawn after signing cover what the signed revision's page content draws? The
 * signed revision is bytes [0, c+d) of the signature's /ByteRange (ISO 32000-1 §12.8.1); its
 * page content streams are interpreted by src/pdf/content (pdf.js), only for the pages a later
 * annotation or widget draws on, so a document without such changes never pays for it.
 *
 * Tolerance. A drawn box covers a text run or an image when their intersection is more than
 * COVER_FRACTION (5 %) of the smaller of the two areas: a widget that only grazes the descender
 * band of a line (text boxes reach a quarter of the font size below the baseline) or whose border
 * touches a picture does not count, while a box laid over a word or a whole paragraph does, and
 * so does a small box over a large image (a scanned page is covered wherever something is laid
 * on its drawn part).
 *
 * Painted paths are not counted. A path's box is the bounding box of the whole path, so a page
 * frame, a table grid or a form's underlines would make every addition "cover" something, and
 * a signature field drawn on a form's signature line is exactly what a legitimate second signer
 * produces. The decision a reader takes rests on the text and images of the page; text drawn as
 * outlines (vector glyphs without a font) is therefore not protected by this check.
 */
import { area, intersection, type Box } from '../content/box.js';
import { readPageGeometry, type PageGeometry } from '../content/page-geometry.js';
import type { DrawnChange } from './later-drawing.js';

export const COVER_FRACTION = 0.05;

export interface Covering {
  readonly change: DrawnChange;
  /** What the change lies over: a text run (with its text) or an image; unreadable when pdf.js could not interpret the page. */
  readonly covered: { readonly kind: 'text'; readonly text: string } | { readonly kind: 'image' } | { readonly kind: 'unreadable' };
}

/** Geometry of the signed revisions already read during one validation, by signed length and page. */
export type GeometryCache = Map<string, Promise<PageGeometry | undefined>>;

export async function coveredContent(
  signedRevision: Buffer,
  changes: readonly DrawnChange[],
  cache: GeometryCache = new Map(),
  timeoutMs = 10_000,
): Promise<Covering[]> {
  const drawing = changes.filter((c) => !c.drawsNothing);
  const pages = [...new Set(drawing.map((c) => c.pageIndex))];
  const geometry = new Map<number, PageGeometry | undefined>();
  readPages(signedRevision, pages, cache, timeoutMs);
  for (const p of pages) geometry.set(p, await cache.get(`${signedRevision.length}:${p}`));
  const out: Covering[] = [];
  for (const change of drawing) {
    const page = geometry.get(change.pageIndex);
    if (!page) {
      // the signed content could not be read: it cannot be shown uncovered, so it counts as covered
      out.push({ change, covered: { kind: 'unreadable' } });
      continue;
    }
    const hit = coveredBy(change.box, page);
    if (hit) out.push({ change, covered: hit });
  }
  return out;
}

/** The first text run, else image, of `page` that the box `drawn` covers (see the tolerance above). */
export function coveredBy(drawn: Box, page: PageGeometry): Covering['covered'] | undefined {
  const visible = intersection(drawn, page.box);
  if (!visible) return undefined;
  for (const t of page.text) if (covers(visible, t)) return { kind: 'text', text: t.text };
  for (const i of page.images) if (covers(visible, i)) return { kind: 'image' };
  return undefined;
}

function covers(drawn: Box, content: Box): boolean {
  const common = intersection(drawn, content);
  if (!common) return false;
  const smaller = Math.min(area(drawn), area(content));
  return smaller > 0 && area(common) > COVER_FRACTION * smaller;
}

/** Reads the pages not read yet in one pass of pdf.js (one parse of the signed revision). */
function readPages(bytes: Buffer, pages: readonly number[], cache: GeometryCache, timeoutMs: number): void {
  const key = (p: number) => `${bytes.length}:${p}`;
  const missing = pages.filter((p) => !cache.has(key(p)));
  if (!missing.length) return;
  const read = readPageGeometry(bytes, { pages: missing, timeoutMs }).then(
    (g) => new Map(g.map((x) => [x.pageIndex, x])),
    () => undefined,
  );
  for (const p of missing)
    cache.set(
      key(p),
      read.then((m) => m?.get(p)),
    );
}
