import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { extentOf, isSealRed, overlappingWords, ptToPx, pxToMm, renderPage, wordBoxes } from '../../fixtures/layout-checks.js';
import { readFileSync } from 'node:fs';

/**
 * `kyso sign --appearance organization` with the stamp flags of the real launcher: the seal at its
 * real diameter (--seal-size), the signing-authority lines (--authority-line, repeatable or
 * '/'-separated) and title (--title) beside it, --seal-only; checked on a 200 dpi rendering.
 */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const SEAL = fileURLToPath(new URL('../../../assets/samples/sample-seal-red.png', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../examples/quyet-dinh.pdf', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-stamps-'));
const data = join(work, 'data');
const p12 = join(work, 'seal.p12');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data', data], { encoding: 'utf8', env, cwd: work, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function ok(r: ReturnType<typeof kyso>) {
  expect(r.code, r.out + r.err).toBe(0);
  return r.out;
}
const sign = (out: string, ...flags: string[]) =>
  kyso(['sign', EXAMPLE, '--out', out, '--p12', p12, '--password', 'PW-seal', '--appearance', 'organization', '--image', SEAL, ...flags]);

beforeAll(() => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/commands/sign.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  ok(kyso(['init']));
  ok(
    kyso([
      'cert',
      'issue',
      '--profile',
      'organization',
      '--cn',
      'Ủy ban nhân dân xã Hạ Long',
      '--uid',
      'MST:5700100305',
      '--p12',
      p12,
      '--password',
      'PW-seal',
    ]),
  );
}, 180_000);

describe('kyso sign --appearance organization: seal size, authority lines, title, seal only', () => {
  it('ok/a 36 mm seal with "TM. … / KT. …", the title, "Ký bởi" and the time beside it, no overlaps', () => {
    const out = join(work, 'org.pdf');
    ok(sign(out, '--visible', '1,200,60,360,130', '--authority-line', 'TM. Ủy ban nhân dân/KT. Chủ tịch', '--title', 'Phó Chủ tịch'));
    const page = renderPage('cli-organization', readFileSync(out));
    const pageH = 841.89;
    const win = {
      x0: Math.floor(ptToPx(200)),
      x1: Math.ceil(ptToPx(560)),
      y0: Math.floor(ptToPx(pageH - 190)),
      y1: Math.ceil(ptToPx(pageH - 60)),
    };
    const red = extentOf(page.png, isSealRed, win)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 36)).toBeLessThanOrEqual(1);
    const words = wordBoxes(page.pdfPath);
    const text = words.map((w) => w.text).join(' ');
    expect(text).toContain('TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH');
    expect(text).toMatch(/Ký bởi: Ủy ban nhân dân xã Hạ Long/);
    expect(text).toMatch(/Thời gian ký: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \+07:00/);
    expect(overlappingWords(words)).toEqual([]);
  });

  it('ok/--seal-only --seal-size 30: the seal alone, 30 mm across', () => {
    const out = join(work, 'seal-only.pdf');
    const before = wordBoxes(renderPage('cli-example', readFileSync(EXAMPLE)).pdfPath).length;
    ok(sign(out, '--visible', '1,300,60,90,90', '--seal-only', '--seal-size', '30'));
    const page = renderPage('cli-seal-only', readFileSync(out));
    const pageH = 841.89;
    const win = {
      x0: Math.floor(ptToPx(300)),
      x1: Math.ceil(ptToPx(390)),
      y0: Math.floor(ptToPx(pageH - 150)),
      y1: Math.ceil(ptToPx(pageH - 60)),
    };
    const red = extentOf(page.png, isSealRed, win)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 30)).toBeLessThanOrEqual(1);
    expect(wordBoxes(page.pdfPath)).toHaveLength(before);
  });

  it('fail/a rectangle smaller than the seal, a line without TM./KT./TUQ./Q./TL., seal flags on another kind: VALIDATION_FAILED, no output', () => {
    for (const flags of [
      ['--visible', '1,300,60,60,60'],
      ['--visible', '1,200,60,360,130', '--authority-line', 'CHỦ TỊCH'],
      ['--visible', '1,200,60,360,130', '--seal-size', '200'],
    ]) {
      const out = join(work, `bad-${flags.length}.pdf`);
      const r = sign(out, ...flags);
      expect(r.code, r.err).not.toBe(0);
      expect(r.err).toContain('VALIDATION_FAILED');
      expect(existsSync(out)).toBe(false);
    }
    const r = kyso([
      'sign',
      EXAMPLE,
      '--out',
      join(work, 'ind.pdf'),
      '--p12',
      p12,
      '--password',
      'PW-seal',
      '--visible',
      '1,50,50,200,90',
      '--seal-only',
    ]);
    expect(r.err).toContain('VALIDATION_FAILED');
  });
});
