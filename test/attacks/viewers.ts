/** Text as independent viewers extract it: poppler (pdftotext) and MuPDF (mutool draw -F txt). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'kyso-attacks-'));
let n = 0;

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
  } catch (e) {
    // a viewer that complains still prints what it rendered
    return String((e as { stdout?: string }).stdout ?? '');
  }
}

export function viewerTexts(pdf: Buffer): { poppler: string; mupdf: string } {
  const file = join(dir, `f${n++}.pdf`);
  writeFileSync(file, pdf);
  return { poppler: run('pdftotext', ['-q', file, '-']), mupdf: run('mutool', ['draw', '-q', '-F', 'txt', file]) };
}

/** Does some viewer show `needle` in the file? */
export function someViewerShows(pdf: Buffer, needle: string): boolean {
  const t = viewerTexts(pdf);
  return t.poppler.includes(needle) || t.mupdf.includes(needle);
}

/** Does the file, as mutool sees its objects, contain `needle` (e.g. "/JavaScript")? */
export function mutoolObjectsContain(pdf: Buffer, needle: string): boolean {
  const file = join(dir, `f${n++}.pdf`);
  writeFileSync(file, pdf);
  return run('mutool', ['show', '-b', file, 'grep']).includes(needle);
}
