/**
 * `kyso verify FILE` for people: the presenter's lines in Vietnamese (default) or English, a PDF
 * report with --pdf, and the exit codes unchanged (0 TOTAL_PASSED even when amber, 1 failed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendDss } from '../../../src/pdf/sign/index.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { appendUpdate, basePdf, dictText, makeCrl, pageInfo, signPdf } from '../verify/helpers.js';

const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-verify-'));
const env = {
  ...process.env,
  KYSO_LOG_LEVEL: 'error',
  KYSO_DATA: join(work, 'none'),
  PORT: '',
  KYSO_MASTER_KEY: '',
  KYSO_DATABASE_URL: '',
};
const kyso = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: work });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let amber = '';
let tampered = '';
let caPem = '';

beforeAll(async () => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  const ca = sharedTestCa();
  const signer = issueSigner(ca, { cn: 'Lê Văn Cường', o: 'UBND huyện Vân Đồn' });
  const crl = makeCrl(ca, { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * 86_400_000) });
  const signed = appendDss(await signPdf(await basePdf({ pages: 2 }), signer, { newFieldName: 'Sig1' }), { crls: [crl] });
  const { num } = pageInfo(signed, 1);
  const page = dictText(signed, num).replace(/>>\s*$/, ' /Annots [997 0 R] >>');
  const noted = appendUpdate(signed, {
    997: `<< /Type /Annot /Subtype /Text /Rect [100 100 120 120] /Contents (x) /P ${num} 0 R >>`,
    [num]: page,
  });
  amber = join(work, 'amber.pdf');
  writeFileSync(amber, noted);
  const bad = Buffer.from(signed);
  bad[bad.indexOf('/Producer') + 1] = 0x51;
  tampered = join(work, 'tampered.pdf');
  writeFileSync(tampered, bad);
  caPem = join(work, 'ca.pem');
  writeFileSync(caPem, ca.certPem);
});

describe('kyso verify (text for people)', () => {
  it('amber: Vietnamese by default, who signed, when (UTC+7), the change with its page; exit 0', () => {
    const r = kyso(['verify', amber, '--trust', caPem, '--offline']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('HỢP LỆ NHƯNG ĐÃ CÓ THAY ĐỔI SAU KHI KÝ');
    expect(r.out).toContain('Người ký: Lê Văn Cường — UBND huyện Vân Đồn');
    expect(r.out).toMatch(/Thời điểm ký: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(UTC\+7\)/);
    expect(r.out).toContain('△ Có ghi chú/chú thích được thêm sau khi ký. (trang 2)');
    expect(r.out).not.toMatch(/TOTAL_PASSED|MODIFICATION_/);
  });

  it('--lang en prints English; --pdf writes a report pdftotext can read', () => {
    const out = join(work, 'report.pdf');
    const r = kyso(['verify', amber, '--trust', caPem, '--offline', '--lang', 'en', '--pdf', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('VALID BUT CHANGED AFTER SIGNING');
    expect(r.out).toContain('(page 2)');
    const text = execFileSync('pdftotext', [out, '-'], { encoding: 'utf8' });
    expect(text).toContain('VALID BUT CHANGED AFTER SIGNING');
  });

  it('red: a tampered file exits 1 with the reason in Vietnamese; a bad --lang is refused', () => {
    const r = kyso(['verify', tampered, '--trust', caPem, '--offline']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('KHÔNG HỢP LỆ');
    expect(r.out).toContain('Lý do:');
    const bad = kyso(['verify', amber, '--lang', 'fr']);
    expect(bad.err).toContain('kyso: VALIDATION_FAILED:');
  });
});
