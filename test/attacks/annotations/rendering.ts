/** What poppler (pdftoppm, independent of kyso) paints in a region of page 1. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Box } from '../../../src/pdf/content/box.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-overlay-'));
let n = 0;

/** Where basePdf draws "Result page 1: approved" (14 pt Helvetica at 50, 780), in user space. */
export const SIGNED_TEXT_BOX: Box = { x0: 50, y0: 776, x1: 215, y1: 795 };

/** Grey pixels (PGM, 72 dpi: one pixel per point) of `box` on page 1 of a 842 pt high page. */
export function paintedRegion(pdf: Buffer, box: Box, pageHeight = 842): Buffer {
  const file = join(dir, `r${n++}.pdf`);
  writeFileSync(file, pdf);
  const args = ['-r', '72', '-gray', '-f', '1', '-l', '1'];
  const crop = ['-x', box.x0, '-y', pageHeight - box.y1, '-W', box.x1 - box.x0, '-H', box.y1 - box.y0].map(String);
  return execFileSync('pdftoppm', [...args, ...crop, file], { timeout: 20_000 });
}

/** Does poppler paint the signed text's region differently in `attacked` than in the signed file? */
export function signedTextRepainted(signed: Buffer, attacked: Buffer): boolean {
  return !paintedRegion(signed, SIGNED_TEXT_BOX).equals(paintedRegion(attacked, SIGNED_TEXT_BOX));
}
