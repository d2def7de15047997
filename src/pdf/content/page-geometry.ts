import { AppError } from '../../core/errors.js';
import { IDENTITY, boxOfPoints, boxOfRect, isUsable, multiply, transformBox, type Box, type Matrix } from './box.js';

/**
 * What a page's content streams draw, as boxes in default user space: text runs, images and
 * painted (filled or stroked) paths. Annotations are not included: this is the page content that a
 * signature covers, against which later annotations and stamps are judged.
 *
 * The content streams are interpreted by pdf.js (Mozilla's reader, also what Firefox shows), so the
 * boxes follow the same operator semantics as a widely used viewer — including Form XObjects,
 * inline images and text matrices — rather than a hand-written approximation.
 */
export interface PageGeometry {
  /** 0-based page index. */
  readonly pageIndex: number;
  /** The page's visible area (CropBox, defaulting to MediaBox; ISO 32000-1 §14.11.2). */
  readonly box: Box;
  readonly text: readonly TextBox[];
  readonly images: readonly Box[];
  readonly paths: readonly Box[];
}

export interface TextBox extends Box {
  readonly text: string;
}

export interface ReadGeometryOptions {
  /** 0-based pages to read; default every page. */
  readonly pages?: readonly number[];
  /** Wall-clock budget for the whole read; default 10 s. */
  readonly timeoutMs?: number;
  /** Refuse documents with more pages than this when `pages` is not given; default 2,000. */
  readonly maxPages?: number;
  /** Password for an encrypted document, when the caller has it. */
  readonly password?: string;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;
/** Loaded on first use: commands that never look at page content never pay for pdf.js. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/** Reads the geometry of the requested pages of a complete PDF file (for a signed revision: bytes [0, c+d)). */
export async function readPageGeometry(pdf: Uint8Array, options: ReadGeometryOptions = {}): Promise<PageGeometry[]> {
  const lib = await loadPdfJs();
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  // pdf.js takes ownership of the buffer it is given: hand it a copy so the caller's bytes stay intact.
  const task = lib.getDocument({
    data: new Uint8Array(pdf),
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  try {
    const doc = await withDeadline(task.promise, deadline);
    const wanted = options.pages ?? range(doc.numPages, options.maxPages ?? 2_000);
    const out: PageGeometry[] = [];
    for (const index of wanted) {
      if (!Number.isInteger(index) || index < 0 || index >= doc.numPages) {
        throw new AppError('PDF_PAGE_OUT_OF_RANGE', `page ${index + 1} is not in the document (${doc.numPages} pages)`);
      }
      const page = await withDeadline(doc.getPage(index + 1), deadline);
      const [operators, text] = await withDeadline(Promise.all([page.getOperatorList(), page.getTextContent()]), deadline);
      out.push({
        pageIndex: index,
        box: boxOfRect(page.view),
        text: textBoxes(text.items),
        ...drawnBoxes(lib.OPS, operators.fnArray, operators.argsArray),
      });
    }
    return out;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('PDF_MALFORMED', 'the page content could not be interpreted', { cause: err });
  } finally {
    void task.destroy();
  }
}

function range(n: number, max: number): number[] {
  if (n > max) throw new AppError('PDF_LIMIT_EXCEEDED', `the document has ${n} pages; at most ${max} are read`);
  return Array.from({ length: n }, (_, i) => i);
}

async function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) throw new AppError('PDF_LIMIT_EXCEEDED', 'reading the page content took longer than allowed');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('PDF_LIMIT_EXCEEDED', 'reading the page content took longer than allowed')), left);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface TextItemLike {
  readonly str?: string;
  readonly width?: number;
  readonly height?: number;
  readonly transform?: readonly number[];
}

/**
 * Text runs as boxes. A run's transform is its text rendering matrix (ISO 32000-1 §9.4.4): the
 * origin sits on the baseline, (a, b) points along the text and (c, d) up the glyphs. The box spans
 * the run's advance width and from a quarter of the font size below the baseline (descenders) to one
 * font size above it.
 */
function textBoxes(items: readonly unknown[]): TextBox[] {
  const out: TextBox[] = [];
  for (const raw of items) {
    const item = raw as TextItemLike;
    if (!item.str || item.str.trim() === '' || !item.transform || item.transform.length < 6) continue;
    const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = item.transform;
    const along = Math.hypot(a, b) || 1;
    const up = Math.hypot(c, d) || 1;
    const size = item.height || up;
    const width = item.width ?? 0;
    const u: [number, number] = [a / along, b / along];
    const v: [number, number] = [c / up, d / up];
    const corner = (s: number, t: number): [number, number] => [e + s * u[0] + t * v[0], f + s * u[1] + t * v[1]];
    const box = boxOfPoints([corner(0, -0.25 * size), corner(width, -0.25 * size), corner(0, size), corner(width, size)]);
    if (isUsable(box)) out.push({ ...box, text: item.str });
  }
  return out;
}

/** Images and painted paths, following the graphics state's CTM through q/Q, cm and Form XObjects. */
function drawnBoxes(ops: PdfJs['OPS'], fns: readonly number[], args: readonly unknown[]): { images: Box[]; paths: Box[] } {
  const images: Box[] = [];
  const paths: Box[] = [];
  const stack: Matrix[] = [];
  let ctm: Matrix = IDENTITY;
  const unitSquare: Box = { x0: 0, y0: 0, x1: 1, y1: 1 };
  const painting = new Set<number>([
    ops.stroke,
    ops.closeStroke,
    ops.fill,
    ops.eoFill,
    ops.fillStroke,
    ops.eoFillStroke,
    ops.closeFillStroke,
    ops.closeEOFillStroke,
  ]);
  for (let i = 0; i < fns.length; i++) {
    const fn = fns[i];
    const a = args[i] as unknown[] | null;
    switch (fn) {
      case ops.save:
        stack.push(ctm);
        break;
      case ops.restore:
        ctm = stack.pop() ?? ctm;
        break;
      case ops.transform:
        if (a && a.length >= 6) ctm = multiply(a.slice(0, 6).map(Number) as unknown as Matrix, ctm);
        break;
      case ops.paintFormXObjectBegin: {
        stack.push(ctm);
        const m = a?.[0] as ArrayLike<number> | null | undefined;
        if (m && m.length >= 6) ctm = multiply(Array.from(m).slice(0, 6) as unknown as Matrix, ctm);
        break;
      }
      case ops.paintFormXObjectEnd:
        ctm = stack.pop() ?? ctm;
        break;
      case ops.paintImageXObject:
      case ops.paintInlineImageXObject:
      case ops.paintImageMaskXObject:
      case ops.paintSolidColorImageMask:
      case ops.paintImageXObjectRepeat:
      case ops.paintImageMaskXObjectRepeat: {
        // Images are drawn into the unit square of the current user space (ISO 32000-1 §8.9.4).
        const box = transformBox(unitSquare, ctm);
        if (isUsable(box)) images.push(box);
        break;
      }
      case ops.constructPath: {
        // pdf.js passes [paint operator, path data, [minX, minY, maxX, maxY]] in current user space;
        // a path that is only used for clipping (paint operator endPath) draws nothing.
        const paint = a?.[0] as number | undefined;
        const minMax = a?.[2] as ArrayLike<number> | null | undefined;
        if (paint !== undefined && painting.has(paint) && minMax && minMax.length >= 4) {
          const box = transformBox({ x0: minMax[0]!, y0: minMax[1]!, x1: minMax[2]!, y1: minMax[3]! }, ctm);
          if (isUsable(box)) paths.push(box);
        }
        break;
      }
      default:
        break;
    }
  }
  return { images, paths };
}
