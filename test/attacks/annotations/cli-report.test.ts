/**
 * What a person sees: `kyso verify` (bin/kyso.js → dist, run `npm run build` first) on an approval
 * signature with a FreeText laid over the signed text, and with a sticky note in the margin. The
 * covering must show in the exit code (2, INDETERMINATE), in the JSON report and in the HTML page
 * (message and detail: what covers what on which page); the sticky note's warning must show too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { messageText } from '../../../src/pdf/verify/i18n.js';
import { ATTACK_TEXT, makeSamples, type Samples } from '../samples.js';
import { addAnnotation, opaqueAppearance } from './page-update.js';

const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-overlay-cli-'));
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

let samples: Samples;
let trust: string;
beforeAll(async () => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  samples = await makeSamples();
  trust = join(work, 'ca.pem');
  writeFileSync(trust, samples.ca.certPem);
}, 60_000);

function kysoVerify(pdf: Buffer, name: string, format: string[]): { code: number | null; out: string } {
  const file = join(work, name);
  writeFileSync(file, appendDss(pdf, { crls: [samples.goodCrl] }));
  const r = spawnSync(process.execPath, [BIN, 'verify', file, '--trust', trust, '--offline', ...format], {
    encoding: 'utf8',
    env,
    cwd: work,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const approval = () => samples.all.find((s) => s.name === 'approval')!.pdf;

describe('kyso verify shows what was laid over the signed text', () => {
  it('a FreeText over the signed line: exit 2, key and detail in JSON and HTML', () => {
    const attacked = addAnnotation(
      approval(),
      9600,
      `<< /Type /Annot /Subtype /FreeText /Rect [45 772 260 800] /F 4 /DA (/Helv 14 Tf 0 g) /AP << /N 9601 0 R >> >>`,
      { 9601: opaqueAppearance(215, 28, ATTACK_TEXT) },
    );
    const json = kysoVerify(attacked, 'covered.pdf', ['--json']);
    expect(json.code, json.out).toBe(2);
    const report = JSON.parse(json.out) as { indication: string; signatures: { errors: string[]; modifications: { details: string[] } }[] };
    expect(report.indication).toBe('INDETERMINATE');
    expect(report.signatures[0]!.errors).toContain('MODIFICATION_COVERS_CONTENT');
    const detail = 'covers: new FreeText annotation covers text “Result page 1: approved” of the signed revision on page 1';
    expect(report.signatures[0]!.modifications.details).toContain(detail);
    const html = kysoVerify(attacked, 'covered.pdf', ['--html', '--lang', 'en']);
    expect(html.code).toBe(2);
    expect(html.out).toContain(messageText('MODIFICATION_COVERS_CONTENT', 'en'));
    // what covers what, on which page: the covered signed text is quoted on the located change line
    expect(html.out).toContain('“Result page 1: approved” (page 1)');
  });

  it('a sticky note in the margin: exit 0, the warning is on the page', () => {
    const noted = addAnnotation(approval(), 9610, '<< /Type /Annot /Subtype /Text /Rect [540 400 560 420] /F 4 /Contents (xem lại) >>');
    const html = kysoVerify(noted, 'noted.pdf', ['--html', '--lang', 'vi']);
    expect(html.code, html.out).toBe(0);
    expect(html.out).toContain(messageText('MODIFICATION_ANNOTATION', 'vi'));
  });
});
