/**
 * The signed revision and the current document side by side, page by page, rendered in the
 * browser by pdf.js (the installed pdfjs-dist build, served from this origin), with each change
 * after signing outlined where it is. Rectangles are PDF user space (ISO 32000-1 §8.3.2.3);
 * pdf.js's viewport maps them onto the canvas. A change known only by its page is outlined as the
 * whole page.
 */
import { h, append, clear } from './dom.js';
import { t } from './i18n.js';

const PDFJS = '/static/vendor/pdfjs/pdf.min.mjs';
const WORKER = '/static/vendor/pdfjs/pdf.worker.min.mjs';
/** Largest CSS pixels per PDF point; smaller when two pages must fit next to each other. */
const MAX_SCALE = 1;
const MIN_SCALE = 0.35;
const GAP_PX = 16;

/** @type {Promise<any> | null} */
let pdfjsLoading = null;
function pdfjs() {
  pdfjsLoading ??= import(PDFJS).then((m) => {
    m.GlobalWorkerOptions.workerSrc = WORKER;
    return m;
  });
  return pdfjsLoading;
}

/**
 * @param {any} lib
 * @param {Uint8Array} bytes
 */
function open(lib, bytes) {
  // No eval (CSP script-src 'self'), no network fetches for fonts or CMaps.
  return lib.getDocument({ data: bytes, isEvalSupported: false, disableFontFace: false, useSystemFonts: false, stopAtErrors: false })
    .promise;
}

/**
 * One page onto a canvas inside a positioned frame, with the outlines of `changes` on top.
 * @param {any} doc @param {number} n @param {string} side @param {Array<any>} changes
 */
async function pageFrame(doc, n, side, changes, width) {
  const frame = h('div', { class: 'page-frame', 'data-side': side, 'data-page': String(n) });
  if (!doc || n > doc.numPages) {
    append(frame, h('p', { class: 'hint page-missing' }, t('compare.noPage')));
    return frame;
  }
  const page = await doc.getPage(n);
  const natural = page.getViewport({ scale: 1 });
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, (width - GAP_PX) / 2 / natural.width));
  const viewport = page.getViewport({ scale });
  frame.setAttribute('data-scale', String(scale));
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', { class: 'page-canvas', 'aria-label': `${t('compare.page')} ${n}` }));
  canvas.width = Math.ceil(viewport.width);
  canvas.height = Math.ceil(viewport.height);
  frame.style.width = `${canvas.width}px`;
  frame.style.height = `${canvas.height}px`;
  append(frame, canvas);
  await page.render({ canvasContext: canvas.getContext('2d'), canvas, viewport }).promise;
  for (const c of changes) {
    const [x1, y1, x2, y2] = c.rect ? viewport.convertToViewportRectangle(c.rect) : [0, 0, viewport.width, viewport.height];
    const box = h('div', { class: `change-outline ${c.category}`, title: c.text, role: 'note', 'aria-label': c.text });
    // pad the outline a little so a small note icon stays visible inside it
    const pad = c.rect ? 4 : 0;
    box.style.left = `${Math.min(x1, x2) - pad}px`;
    box.style.top = `${Math.min(y1, y2) - pad}px`;
    box.style.width = `${Math.abs(x2 - x1) + 2 * pad}px`;
    box.style.height = `${Math.abs(y2 - y1) + 2 * pad}px`;
    append(frame, box);
  }
  return frame;
}

/**
 * Renders both documents into `container`.
 * @param {HTMLElement} container
 * @param {{ signedUrl: string, current: Uint8Array, changes: Array<{ page: number | null, rect: number[] | null, category: string, text: string }> }} o
 */
export async function showSideBySide(container, o) {
  clear(container);
  append(container, h('p', { class: 'status', role: 'status' }, t('compare.loading')));
  const lib = await pdfjs();
  const res = await fetch(o.signedUrl, { headers: { Accept: 'application/pdf' } });
  if (!res.ok) throw new Error(`${res.status}`);
  const signedBytes = new Uint8Array(await res.arrayBuffer());
  const [signedDoc, currentDoc] = await Promise.all([open(lib, signedBytes), open(lib, o.current.slice())]);
  const pages = Math.max(signedDoc.numPages, currentDoc.numPages);
  const width = container.clientWidth || 800;
  const rows = [];
  for (let n = 1; n <= pages; n++) {
    const here = o.changes.filter((c) => c.page === n);
    rows.push(
      h(
        'div',
        { class: `compare-row${here.length ? ' has-changes' : ''}`, 'data-page': String(n) },
        h('h4', {}, `${t('compare.page')} ${n}${here.length ? ` — ${t('compare.changedHere', { n: here.length })}` : ''}`),
        h(
          'div',
          { class: 'compare-pair' },
          h('figure', {}, h('figcaption', {}, t('compare.signed')), await pageFrame(signedDoc, n, 'signed', here, width)),
          h('figure', {}, h('figcaption', {}, t('compare.current')), await pageFrame(currentDoc, n, 'current', here, width)),
        ),
      ),
    );
  }
  clear(container);
  append(container, ...rows);
  container.setAttribute('data-rendered', 'true');
}
