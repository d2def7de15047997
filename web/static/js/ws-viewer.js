/**
 * The page being signed, rendered by pdf.js (legacy build, served from this origin), with the
 * signature box on top. Placement is kept in PDF default user space (ISO 32000-1 §8.3.2.3), the
 * space of the sign routes' `visible.rect` [x, y, width, height]: pdf.js's viewport maps canvas
 * pixels to user space through the page's crop box and /Rotate, so a click lands where it was
 * made whatever the page's box origin or rotation. `size` is the stamp upright as the official
 * reads it; on a page with /Rotate 90 or 270 its user-space box is height × width (the signing
 * code draws it rotated to read upright). The preview inside the box is the server's own drawing
 * of the stamp (POST /api/v1/sign/stamp-preview).
 */
const PDFJS = '/static/vendor/pdfjs/legacy/pdf.min.mjs';
const WORKER = '/static/vendor/pdfjs/legacy/pdf.worker.min.mjs';
const MAX_WIDTH = 760;

/** @type {Promise<any> | null} */
let loading = null;
function pdfjs() {
  loading ??= import(PDFJS).then((m) => {
    m.GlobalWorkerOptions.workerSrc = WORKER;
    return m;
  });
  return loading;
}

/**
 * pdf.js refuses a second render() on a canvas while one is in progress; a page shown again or a
 * stamp moved while the previous drawing runs would fail. Drawings on one canvas therefore run one
 * after the other, the latest last.
 * @type {WeakMap<HTMLCanvasElement, Promise<void>>}
 */
const drawing = new WeakMap();

/** @param {HTMLCanvasElement} canvas @param {() => Promise<void>} draw */
function inTurn(canvas, draw) {
  const next = (drawing.get(canvas) ?? Promise.resolve()).catch(() => undefined).then(draw);
  drawing.set(canvas, next);
  return next;
}

/** @param {Uint8Array} bytes */
export async function openPdf(bytes) {
  const lib = await pdfjs();
  // No eval (CSP script-src 'self'), no network fetches for fonts or CMaps.
  return lib.getDocument({ data: bytes, isEvalSupported: false, useSystemFonts: false, stopAtErrors: false }).promise;
}

export class PageViewer {
  /**
   * @param {{ view: HTMLElement, canvas: HTMLCanvasElement, box: HTMLElement, stampCanvas: HTMLCanvasElement, onChange: () => void }} el
   */
  constructor(el) {
    this.el = el;
    /** @type {any} */ this.doc = null;
    /** @type {any} */ this.page = null;
    /** @type {any} */ this.viewport = null;
    this.pageNo = 1;
    /** Stamp in user space: [x, y, w, h]; null until placed. */
    /** @type {number[] | null} */ this.rect = null;
    this.size = [220, 90];
    /** @type {any} */ this.preview = null;
    this.#wirePointer();
  }

  get numPages() {
    return this.doc ? this.doc.numPages : 0;
  }

  async show(doc, pageNo) {
    this.doc = doc;
    this.pageNo = Math.max(1, Math.min(pageNo, doc.numPages));
    this.page = await doc.getPage(this.pageNo);
    const natural = this.page.getViewport({ scale: 1 });
    // The viewer's inner width (clientWidth includes its 0.75rem padding on each side).
    const width = Math.min(MAX_WIDTH, (this.el.view.parentElement?.clientWidth || MAX_WIDTH) - 24);
    const scale = Math.min(1.5, width / natural.width);
    this.viewport = this.page.getViewport({ scale });
    const c = this.el.canvas;
    const { page, viewport } = this;
    await inTurn(c, async () => {
      c.width = Math.ceil(viewport.width);
      c.height = Math.ceil(viewport.height);
      this.el.view.style.width = `${c.width}px`;
      this.el.view.style.height = `${c.height}px`;
      this.el.view.dataset.scale = String(scale);
      this.el.view.dataset.page = String(this.pageNo);
      await page.render({ canvasContext: c.getContext('2d'), canvas: c, viewport }).promise;
    });
    this.#draw();
  }

  /** True when the page is displayed a quarter turn from user space. */
  get quarter() {
    return !!this.viewport && Math.abs(this.viewport.rotation) % 180 === 90;
  }

  /** The stamp's extent in user space: [width, height] upright, swapped on a quarter-turned page. */
  userSize() {
    const [w, h] = this.size;
    return this.quarter ? [h, w] : [w, h];
  }

  /** Default placement: bottom right of the screen page, about 2 cm from its edges (where a signature block usually is). */
  placeDefault() {
    if (!this.viewport) return;
    const [w, h] = this.size;
    const margin = 57 * this.viewport.scale;
    this.placeAt(this.viewport.width - w * this.viewport.scale - margin, this.viewport.height - h * this.viewport.scale - margin);
  }

  /** @param {number[]} r user-space [x, y, w, h], kept inside the page's visible box */
  setRect(r) {
    if (!this.page) {
      this.rect = r;
      return;
    }
    if (r[2] !== this.userSize()[0] || r[3] !== this.userSize()[1]) r = [r[0], r[1], ...this.userSize()];
    const [vx0, vy0, vx1, vy1] = this.page.view;
    const [w, h] = [r[2], r[3]];
    const x = Math.max(vx0, Math.min(vx1 - w, r[0]));
    const y = Math.max(vy0, Math.min(vy1 - h, r[1]));
    this.rect = [Math.round(x * 100) / 100, Math.round(y * 100) / 100, w, h];
    this.#draw();
    this.el.onChange();
  }

  /** Places the stamp so that its on-screen top-left corner is at canvas pixel (px, py). */
  placeAt(px, py) {
    if (!this.viewport) return;
    // Upright on screen: the stamp's screen box is width × height at the page's scale.
    const [w, h] = this.size;
    const a = this.viewport.convertToPdfPoint(px, py);
    const b = this.viewport.convertToPdfPoint(px + w * this.viewport.scale, py + h * this.viewport.scale);
    this.setRect([Math.min(a[0], b[0]), Math.min(a[1], b[1]), ...this.userSize()]);
  }

  /** The preview PDF (one page, the stamp's size) drawn into the box at the page's scale and rotation. */
  async setPreview(doc) {
    this.preview = doc;
    await this.#drawPreview();
  }

  #screenBox() {
    if (!this.viewport || !this.rect) return null;
    const [x, y, w, h] = this.rect;
    const [a, b, c, d] = this.viewport.convertToViewportRectangle([x, y, x + w, y + h]);
    return { left: Math.min(a, c), top: Math.min(b, d), width: Math.abs(c - a), height: Math.abs(d - b) };
  }

  #draw() {
    const box = this.el.box;
    const s = this.#screenBox();
    box.hidden = !s;
    if (!s) return;
    box.style.left = `${s.left}px`;
    box.style.top = `${s.top}px`;
    box.style.width = `${s.width}px`;
    box.style.height = `${s.height}px`;
    void this.#drawPreview();
  }

  async #drawPreview() {
    const s = this.#screenBox();
    const c = this.el.stampCanvas;
    if (!s || !this.preview) {
      c.hidden = true;
      return;
    }
    const p = await this.preview.getPage(1);
    // The preview page is the stamp upright, as it will read on the displayed page.
    const vp = p.getViewport({ scale: this.viewport.scale });
    await inTurn(c, async () => {
      c.width = Math.ceil(vp.width);
      c.height = Math.ceil(vp.height);
      c.hidden = false;
      await p.render({ canvasContext: c.getContext('2d'), canvas: c, viewport: vp }).promise;
    });
  }

  /** Click on the page: the stamp's top-left corner goes there; drag the stamp: it follows the pointer. */
  #wirePointer() {
    const view = this.el.view;
    /** @type {{ dx: number, dy: number } | null} */
    let drag = null;
    const local = (e) => {
      const r = this.el.canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    view.addEventListener('pointerdown', (e) => {
      if (!this.viewport) return;
      const [px, py] = local(e);
      const s = this.#screenBox();
      if (s && px >= s.left && px <= s.left + s.width && py >= s.top && py <= s.top + s.height) {
        drag = { dx: px - s.left, dy: py - s.top };
        view.setPointerCapture(e.pointerId);
      } else this.placeAt(px, py);
      e.preventDefault();
    });
    view.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const [px, py] = local(e);
      this.placeAt(px - drag.dx, py - drag.dy);
    });
    const end = () => {
      drag = null;
    };
    view.addEventListener('pointerup', end);
    view.addEventListener('pointercancel', end);
  }
}
