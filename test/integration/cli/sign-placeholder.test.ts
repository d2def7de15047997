import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlaceholders } from '../../fixtures/placeholder-pdf.js';

/** `kyso sign` on a file with an unsigned placeholder signs it in place (checked with pdfsig and qpdf). */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-placeholder-'));
const data = join(work, 'data');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };
const p12 = join(work, 'me.p12');

function kyso(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: work, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Signature lines pdfsig prints, and the AcroForm field count qpdf sees. */
function inspect(file: string) {
  const sig = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
  const json = JSON.parse(spawnSync('qpdf', ['--json', '--json-key=acroform', file], { encoding: 'utf8' }).stdout) as {
    acroform: { fields: unknown[] };
  };
  return {
    signatures: (sig.match(/^Signature #\d+:/gm) ?? []).length,
    valid: (sig.match(/Signature Validation: Signature is Valid\./g) ?? []).length,
    fields: json.acroform.fields.length,
  };
}

beforeAll(() => {
  expect(kyso(['init', '--data', data]).code).toBe(0);
  const r = kyso([
    'cert',
    'issue',
    '--data',
    data,
    '--profile',
    'individual',
    '--cn',
    'Vũ Thị Lan',
    '--uid',
    'CCCD:022190000055',
    '--p12',
    p12,
    '--password',
    'pw',
  ]);
  expect(r.code, r.err).toBe(0);
});

describe('kyso sign on a document with an unsigned placeholder', () => {
  it('ok/signed in place: one valid signature, the field count unchanged', async () => {
    const input = join(work, 'placeholder.pdf');
    writeFileSync(input, await withPlaceholders(['ChuKy']));
    const before = inspect(input);
    expect(before.valid).toBe(0);
    const out = join(work, 'signed.pdf');
    const r = kyso(['sign', input, '--out', out, '--p12', p12, '--password', 'pw', '--data', data]);
    expect(r.code, r.err).toBe(0);
    const after = inspect(out);
    expect(after).toEqual({ signatures: 1, valid: 1, fields: before.fields });
    expect(readFileSync(out).subarray(0, readFileSync(input).length).equals(readFileSync(input))).toBe(true);
  });

  it('fail/two placeholders → exit 67 SIGNATURE_FIELD_PLACEHOLDER_BROKEN, no output file', async () => {
    const input = join(work, 'two.pdf');
    writeFileSync(input, await withPlaceholders(['A', 'B']));
    const out = join(work, 'two-signed.pdf');
    const r = kyso(['sign', input, '--out', out, '--p12', p12, '--password', 'pw', '--data', data]);
    expect(r.code).toBe(67);
    expect(r.err).toContain('kyso: SIGNATURE_FIELD_PLACEHOLDER_BROKEN:');
    expect(existsSync(out)).toBe(false);
  });
});
