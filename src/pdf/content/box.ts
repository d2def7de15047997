/**
 * Axis-aligned boxes in a page's default user space (ISO 32000-1 §8.3.2.3: origin at the lower
 * left, y upwards, units of 1/72 inch), the space of MediaBox, CropBox and annotation /Rect.
 */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** An affine matrix [a b c d e f] as in the `cm` operator (ISO 32000-1 §8.3.4). */
export type Matrix = readonly [number, number, number, number, number, number];

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** m1 applied first, then m2 (the PDF convention: CTM' = m1 × CTM). */
export function multiply(m1: Matrix, m2: Matrix): Matrix {
  return [
    m1[0] * m2[0] + m1[1] * m2[2],
    m1[0] * m2[1] + m1[1] * m2[3],
    m1[2] * m2[0] + m1[3] * m2[2],
    m1[2] * m2[1] + m1[3] * m2[3],
    m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
    m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
  ];
}

export function boxOfPoints(points: readonly (readonly [number, number])[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}

/** The bounding box of `box` after the matrix is applied. */
export function transformBox(box: Box, m: Matrix): Box {
  const at = (x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  return boxOfPoints([at(box.x0, box.y0), at(box.x1, box.y0), at(box.x0, box.y1), at(box.x1, box.y1)]);
}

/** A box from a PDF rectangle array in any corner order (ISO 32000-1 §7.9.5). */
export function boxOfRect(rect: readonly number[]): Box {
  const [a = 0, b = 0, c = 0, d = 0] = rect;
  return { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
}

export function area(b: Box): number {
  return Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
}

export function intersection(a: Box, b: Box): Box | undefined {
  const r = { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
  return r.x1 > r.x0 && r.y1 > r.y0 ? r : undefined;
}

export function union(boxes: readonly Box[]): Box | undefined {
  if (boxes.length === 0) return undefined;
  return boxes.reduce((u, b) => ({
    x0: Math.min(u.x0, b.x0),
    y0: Math.min(u.y0, b.y0),
    x1: Math.max(u.x1, b.x1),
    y1: Math.max(u.y1, b.y1),
  }));
}

/** Both dimensions finite and not negative: geometry from hostile files may be NaN or inverted. */
export function isUsable(b: Box): boolean {
  return [b.x0, b.y0, b.x1, b.y1].every(Number.isFinite) && b.x1 >= b.x0 && b.y1 >= b.y0;
}
