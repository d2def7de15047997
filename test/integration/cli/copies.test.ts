import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { originalPdf, scanPng } from '../copies/setup.js';

/**
 * The certified-copy commands of the real `kyso` launcher (bin/kyso.js → dist/): an operator sets
 * up a certifier credential and an authority seal from the CLI, certifies an original and a scan,
 * looks the copy up by its code, and exports the register (CSV and seal-signed PDF).
 */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-copies-'));
const data = join(work, 'data');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data', data], { encoding: 'utf8', env, cwd: work, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function ok(r: ReturnType<typeof kyso>) {
  expect(r.code, r.out + r.err).toBe(0);
  return r.out;
}

const SEAL = fileURLToPath(new URL('../../../assets/samples/sample-seal-red.png', import.meta.url));
const SIGNATURE = fileURLToPath(new URL('../../../assets/samples/sample-signature-blue.png', import.meta.url));
let certifierCred = '';
let code = '';
beforeAll(() => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/commands/copy.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  ok(kyso(['init']));
});

describe('kyso copy / credential / authority / register', () => {
  it('ok/credential issue without --pin prints a one-time activation code the holder activates with; fail/a second credential over one key → CREDENTIAL_KEY_BOUND', () => {
    const c = JSON.parse(
      ok(
        kyso([
          'credential',
          'issue',
          '--profile',
          'individual',
          '--cn',
          'Lê Văn Năm',
          '--owner',
          'off_nam',
          '--key-type',
          'p256',
          '--json',
        ]),
      ),
    );
    expect(c.activationCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const wrongHolder = kyso([
      'credential',
      'activate',
      '--credential',
      c.credentialId,
      '--owner',
      'off_khac',
      '--code',
      c.activationCode,
      '--pin',
      '123456',
    ]);
    expect(wrongHolder.code).toBe(77);
    expect(wrongHolder.err).toContain('kyso: FORBIDDEN:');
    expect(
      ok(
        kyso([
          'credential',
          'activate',
          '--credential',
          c.credentialId,
          '--owner',
          'off_nam',
          '--code',
          c.activationCode,
          '--pin',
          '123456',
        ]),
      ),
    ).toContain(`credential ${c.credentialId} activated for off_nam`);
    const reused = kyso([
      'credential',
      'activate',
      '--credential',
      c.credentialId,
      '--owner',
      'off_nam',
      '--code',
      c.activationCode,
      '--pin',
      '654321',
    ]);
    expect(reused.code).toBe(77);
    expect(reused.err).toContain('kyso: ACTIVATION_CODE_INVALID:');
    const second = kyso(['credential', 'add', '--certificate', c.certificateId, '--owner', 'off_ke_gian', '--pin', '999999']);
    expect(second.code, second.out + second.err).toBe(67);
    expect(second.err).toContain('kyso: CREDENTIAL_KEY_BOUND:');
    expect(second.err).not.toContain('999999');
    const list = JSON.parse(ok(kyso(['credential', 'list', '--owner', 'off_ke_gian'])));
    expect(list).toEqual([]);
  });

  it('ok/credential issue for a certifier and a seal, authority add', () => {
    const c = JSON.parse(
      ok(
        kyso([
          'credential',
          'issue',
          '--profile',
          'individual',
          '--cn',
          'Phạm Thị Thu',
          '--uid',
          'CCCD:022198002222',
          '--owner',
          'off_thu',
          '--pin',
          '112233',
          '--key-type',
          'p256',
          '--signature-image',
          SIGNATURE,
          '--json',
        ]),
      ),
    );
    expect(c.credentialId).toMatch(/^cred_/);
    certifierCred = c.credentialId;
    const seal = JSON.parse(
      ok(
        kyso([
          'credential',
          'issue',
          '--profile',
          'organization',
          '--cn',
          'Ủy ban nhân dân phường Bãi Cháy',
          '--uid',
          'MST:5700100305',
          '--owner',
          'org_bai_chay',
          '--pin',
          '445566',
          '--key-type',
          'p256',
          '--json',
        ]),
      ),
    );
    const a = JSON.parse(
      ok(
        kyso([
          'authority',
          'add',
          '--id',
          'ubnd-bai-chay',
          '--name',
          'Ủy ban nhân dân phường Bãi Cháy',
          '--place',
          'phường Bãi Cháy, tỉnh Quảng Ninh',
          '--org',
          'org_bai_chay',
          '--seal-credential',
          seal.credentialId,
          '--seal-image',
          SEAL,
          '--seal-size',
          '36',
          '--authority-line',
          'TM. Ủy ban nhân dân/KT. Chủ tịch',
          '--json',
        ]),
      ),
    );
    expect(a).toMatchObject({ id: 'ubnd-bai-chay', organizationId: 'org_bai_chay', sealCredentialId: seal.credentialId });
    expect(a.stamps).toMatchObject({ hasSealImage: true, sealDiameterMm: 36, authorityLines: ['TM. Ủy ban nhân dân', 'KT. Chủ tịch'] });
    const set = JSON.parse(ok(kyso(['authority', 'set', '--id', 'ubnd-bai-chay', '--title', 'Phó Chủ tịch', '--json'])));
    expect(set).toMatchObject({ title: 'Phó Chủ tịch', hasSealImage: true, textOnlyStamps: false });
    const bad = kyso(['authority', 'set', '--id', 'ubnd-bai-chay', '--authority-line', 'CHỦ TỊCH']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('VALIDATION_FAILED');
    const list = JSON.parse(ok(kyso(['credential', 'list', '--owner', 'off_thu'])));
    expect(list.map((x: { id: string }) => x.id)).toEqual([certifierCred]);
    expect(JSON.stringify(list)).not.toMatch(/pin|112233/i);
  });

  it('ok/copy certify ORIGINAL.pdf and IMAGES…, then copy lookup CODE', async () => {
    const original = join(work, 'original.pdf');
    writeFileSync(original, await originalPdf(2));
    const out = join(work, 'copy.pdf');
    const common = [
      '--authority',
      'ubnd-bai-chay',
      '--certifier',
      'off_thu',
      '--credential',
      certifierCred,
      '--pin',
      '112233',
      '--seal-pin',
      '445566',
      '--requester',
      'Đỗ Văn Hùng',
      '--requester-id',
      'CCCD 022080001234',
      '--doc-type',
      'Giấy khai sinh',
      '--doc-title',
      'Giấy khai sinh số 45/2001',
      '--doc-issuer',
      'UBND xã Hạ Long',
    ];
    const r = JSON.parse(ok(kyso(['copy', 'certify', original, '--out', out, ...common, '--json'])));
    expect(r).toMatchObject({ number: 1, volume: 1, feeTotal: 4_000 });
    code = r.lookupCode;
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const sig = spawnSync('pdfsig', [out], { encoding: 'utf8' });
    expect((sig.stdout.match(/Signature Validation: Signature is Valid\./g) ?? []).length, sig.stdout).toBe(2);
    const q = spawnSync('qpdf', ['--check', out], { encoding: 'utf8' });
    expect(q.status, q.stdout + q.stderr).toBe(0);
    // the signed copy is kept: downloaded twice, byte for byte what certify wrote, still valid
    for (const n of [1, 2]) {
      const again = join(work, `copy-again-${n}.pdf`);
      ok(kyso(['copy', 'download', r.id, '--out', again]));
      expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
      const s2 = spawnSync('pdfsig', [again], { encoding: 'utf8' });
      expect((s2.stdout.match(/Signature Validation: Signature is Valid\./g) ?? []).length, s2.stdout).toBe(2);
    }
    const missing = kyso(['copy', 'download', 'ent_nope', '--out', join(work, 'none.pdf')]);
    expect(missing.code).toBe(66);
    expect(missing.err).toContain('kyso: COPY_NOT_FOUND:');

    const p1 = join(work, 'p1.png');
    const p2 = join(work, 'p2.png');
    writeFileSync(p1, scanPng(400, 560, 200, 245));
    writeFileSync(p2, scanPng(400, 560, 200, 230));
    const r2 = JSON.parse(
      ok(kyso(['copy', 'certify', p1, p2, '--out', join(work, 'scan.pdf'), ...common, '--level', 'B-B', '--copies', '2', '--json'])),
    );
    expect(r2).toMatchObject({ number: 2, feeTotal: 8_000 });

    const facts = JSON.parse(ok(kyso(['copy', 'lookup', code.toLowerCase()])));
    expect(facts).toMatchObject({
      number: 1,
      status: 'valid',
      authorityId: 'ubnd-bai-chay',
      documentType: 'Giấy khai sinh',
      originalPages: 2,
    });
    expect(JSON.stringify(facts)).not.toContain('Đỗ Văn Hùng');
    const byNumber = JSON.parse(
      ok(kyso(['copy', 'lookup', '--authority', 'ubnd-bai-chay', '--year', String(facts.year), '--number', '2'])),
    );
    // by number: whether it exists and its status, nothing about the document (that needs the code)
    expect(byNumber).toEqual({
      authorityId: 'ubnd-bai-chay',
      year: facts.year,
      number: 2,
      numberLabel: expect.any(String),
      status: 'valid',
    });
  });

  it('fail/wrong PIN, unknown authority, malformed code: CODE on stderr, no stack trace, no new entry', () => {
    const original = join(work, 'original.pdf');
    const base = [
      'copy',
      'certify',
      original,
      '--out',
      join(work, 'x.pdf'),
      '--certifier',
      'off_thu',
      '--credential',
      certifierCred,
      '--seal-pin',
      '445566',
      '--requester',
      'A',
      '--requester-id',
      'CCCD 022080001234',
      '--doc-type',
      'C',
      '--doc-title',
      'D',
      '--doc-issuer',
      'E',
    ];
    const freeText = kyso([...base.map((a) => (a === 'CCCD 022080001234' ? 'B' : a)), '--authority', 'ubnd-bai-chay', '--pin', '112233']);
    expect(freeText.code).toBe(64);
    expect(freeText.err).toContain('kyso: UID_INVALID:');
    const wrongPin = kyso([...base, '--authority', 'ubnd-bai-chay', '--pin', '000000']);
    expect(wrongPin.code).not.toBe(0);
    expect(wrongPin.err).toContain('kyso: PIN_INVALID:');
    expect(wrongPin.err).not.toMatch(/\n\s+at /);
    const unknown = kyso([...base, '--authority', 'ubnd-khong-co', '--pin', '112233']);
    expect(unknown.err).toContain('kyso: AUTHORITY_UNKNOWN:');
    const bad = kyso(['copy', 'lookup', 'XXXX-0000-!!']);
    expect(bad.err).toContain('kyso: LOOKUP_CODE_INVALID:');
    const year = String(JSON.parse(ok(kyso(['copy', 'lookup', code]))).year);
    const next = kyso(['copy', 'lookup', '--authority', 'ubnd-bai-chay', '--year', year, '--number', '3']);
    expect(next.err).toContain('kyso: COPY_NOT_FOUND:');
  });

  it('ok/register export --format csv and --format pdf (sealed); the PDF signature is valid', () => {
    const year = String(JSON.parse(ok(kyso(['copy', 'lookup', code]))).year);
    const csv = join(work, 'register.csv');
    ok(kyso(['register', 'export', '--authority', 'ubnd-bai-chay', '--year', year, '--format', 'csv', '--out', csv]));
    const text = readFileSync(csv, 'utf8');
    expect(text).toContain(code);
    expect(text).toContain('Đỗ Văn Hùng');
    const pdf = join(work, 'register.pdf');
    ok(
      kyso([
        'register',
        'export',
        '--authority',
        'ubnd-bai-chay',
        '--year',
        year,
        '--format',
        'pdf',
        '--out',
        pdf,
        '--as',
        'org_bai_chay',
        '--seal-pin',
        '445566',
      ]),
    );
    const sig = spawnSync('pdfsig', [pdf], { encoding: 'utf8' });
    expect((sig.stdout.match(/Signature Validation: Signature is Valid\./g) ?? []).length, sig.stdout).toBe(1);
    const closed = ok(kyso(['register', 'close', '--authority', 'ubnd-bai-chay', '--year', year]));
    expect(closed).toMatch(/2 entries/);
  });
});
