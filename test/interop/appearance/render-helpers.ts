import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

/** test-artifacts/appearance/ (gitignored): PDFs and renderings kept for a human look. */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'appearance');

export function saveAndRender(name: string, pdf: Buffer, dpi = 100): { pdfPath: string; png: PNG; text: string } {
  mkdirSync(ARTIFACTS, { recursive: true });
  const pdfPath = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(pdfPath, pdf);
  const prefix = join(ARTIFACTS, name);
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', pdfPath, prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
  return { pdfPath, png, text };
}

/** Pixel at PDF user-space point (x, y) on a page of height pageH rendered at dpi. */
export function pixelAt(png: PNG, x: number, y: number, pageH: number, dpi = 100): [number, number, number] {
  const px = Math.floor((x * dpi) / 72);
  const py = Math.floor(((pageH - y) * dpi) / 72);
  const i = (py * png.width + px) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

/** Pixels inside a PDF-space rectangle, counted by a predicate. */
export function countPixels(
  png: PNG,
  rect: [number, number, number, number],
  pageH: number,
  pred: (rgb: [number, number, number]) => boolean,
  dpi = 100,
): { hits: number; total: number } {
  const [x0, y0, x1, y1] = rect;
  const px0 = Math.ceil((x0 * dpi) / 72);
  const px1 = Math.floor((x1 * dpi) / 72);
  const py0 = Math.ceil(((pageH - y1) * dpi) / 72);
  const py1 = Math.floor(((pageH - y0) * dpi) / 72);
  let hits = 0;
  let total = 0;
  for (let py = py0; py < py1; py++) {
    for (let px = px0; px < px1; px++) {
      const i = (py * png.width + px) * 4;
      total++;
      if (pred([png.data[i]!, png.data[i + 1]!, png.data[i + 2]!])) hits++;
    }
  }
  return { hits, total };
}

export const isRed = ([r, g, b]: [number, number, number]) => r > 180 && g < 90 && b < 90;
export const isBlue = ([r, g, b]: [number, number, number]) => b > 120 && r < 100 && g < 120;
export const isWhite = ([r, g, b]: [number, number, number]) => r > 245 && g > 245 && b > 245;
export const isDark = ([r, g, b]: [number, number, number]) => r < 90 && g < 90 && b < 90;
