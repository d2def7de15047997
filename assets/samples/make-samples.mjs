// Regenerates the sample stamp images: `node assets/samples/make-samples.mjs`.
// sample-seal-red.png: a red round seal (two rings, a five-pointed star, a ring of dots standing in
// for the lettering), transparent background. sample-signature-blue.png: a blue scribble.
// Both are drawn with 4x4 supersampling for smooth edges; they are samples, not anyone's real seal.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const SS = 4;

function render(width, height, color, inside, file) {
  const png = new PNG({ width, height, colorType: 6 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let hits = 0;
      for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) if (inside(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS)) hits++;
      const i = (y * width + x) * 4;
      png.data[i] = color[0];
      png.data[i + 1] = color[1];
      png.data[i + 2] = color[2];
      png.data[i + 3] = Math.round((255 * hits) / (SS * SS));
    }
  }
  const out = PNG.sync.write(png, { colorType: 6, deflateLevel: 9 });
  writeFileSync(join(here, file), out);
  console.log(file, out.length, 'bytes');
}

// --- seal -----------------------------------------------------------------------------------
const S = 240;
const c = S / 2;
const star = [];
for (let k = 0; k < 10; k++) {
  const r = k % 2 === 0 ? 42 : 17;
  const a = -Math.PI / 2 + (k * Math.PI) / 5;
  star.push([c + r * Math.cos(a), c + r * Math.sin(a)]);
}
function inPolygon(px, py, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
const dots = [];
for (let k = 0; k < 28; k++) {
  const a = (k * 2 * Math.PI) / 28;
  dots.push([c + 93 * Math.cos(a), c + 93 * Math.sin(a)]);
}
render(S, S, [218, 22, 30], (x, y) => {
  const d = Math.hypot(x - c, y - c);
  if (d <= 117 && d >= 109) return true; // outer ring
  if (d <= 78 && d >= 75) return true; // inner ring
  if (inPolygon(x, y, star)) return true;
  if (dots.some(([dx, dy]) => Math.hypot(x - dx, y - dy) <= 6)) return true;
  return d <= 60 && d >= 58.5; // fine ring around the star
}, 'sample-seal-red.png');

// --- signature --------------------------------------------------------------------------------
const W = 300;
const H = 110;
const pts = [];
for (let t = 0; t <= 1; t += 0.002) {
  const x = 20 + 250 * t + 18 * Math.sin(t * 9 * Math.PI);
  const y = 60 - 30 * Math.sin(t * 4.5 * Math.PI) * (1 - 0.5 * t) + 14 * Math.cos(t * 9 * Math.PI);
  pts.push([x, y]);
}
for (let t = 0; t <= 1; t += 0.01) pts.push([70 + 200 * t, 92 - 6 * t]); // underline flourish
function distToSegment(px, py, [ax, ay], [bx, by]) {
  const vx = bx - ax;
  const vy = by - ay;
  const l = vx * vx + vy * vy;
  const t = l === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / l));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}
const segs = [];
for (let i = 1; i < pts.length; i++) if (Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]) < 10) segs.push([pts[i - 1], pts[i]]);
render(W, H, [20, 45, 170], (x, y) => segs.some(([a, b]) => Math.abs(a[0] - x) < 6 && distToSegment(x, y, a, b) <= 2.2), 'sample-signature-blue.png');
