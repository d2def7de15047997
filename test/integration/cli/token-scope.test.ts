import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/** `kyso token create` scope flags and `kyso register reopen`, through the real launcher (bin/kyso.js → dist/). */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-scope-'));
const data = join(work, 'data');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data', data], { encoding: 'utf8', env, cwd: work });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectFailure(r: ReturnType<typeof kyso>, exit: number, code: string, message: RegExp) {
  expect(r.code, r.out + r.err).toBe(exit);
  expect(r.err).toContain(`kyso: ${code}:`);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  expect(kyso(['init']).code).toBe(0);
}, 120_000);

describe('kyso token create: every role but admin is bound to an organization', () => {
  it('fail/no --org for a non-admin role, no --authority/--official for a certifier → exit 64, nothing created', () => {
    expectFailure(kyso(['token', 'create', '--role', 'ra-officer']), 64, 'VALIDATION_FAILED', /--org/);
    expectFailure(kyso(['token', 'create', '--role', 'auditor']), 64, 'VALIDATION_FAILED', /--org/);
    expectFailure(kyso(['token', 'create', '--role', 'certifier', '--org', 'sub_a']), 64, 'VALIDATION_FAILED', /--authority/);
    expectFailure(kyso(['token', 'create', '--role', 'admin', '--org', 'sub_a']), 64, 'VALIDATION_FAILED', /province-wide/);
    const list = JSON.parse(kyso(['token', 'list']).out) as { role: string }[];
    expect(list.map((t) => t.role)).toEqual(['admin']);
  });

  it('ok/a certifier token names its organization, authority and official; shown by token list', () => {
    const r = kyso(['token', 'create', '--role', 'certifier', '--org', 'sub_a', '--authority', 'xa-a', '--official', 'sub_off', '--json']);
    expect(r.code, r.err).toBe(0);
    const t = JSON.parse(r.out) as Record<string, unknown>;
    expect(t).toMatchObject({ role: 'certifier', organizationId: 'sub_a', authorityId: 'xa-a', officialId: 'sub_off' });
    expect(t.token).toMatch(/^kyso_/);
    const listed = (JSON.parse(kyso(['token', 'list']).out) as Record<string, unknown>[]).find((x) => x.id === t.id);
    expect(listed).toMatchObject({ authorityId: 'xa-a', officialId: 'sub_off' });
    expect(JSON.stringify(listed)).not.toContain(String(t.token));
  });
});

describe('kyso register reopen', () => {
  it('ok/reopens a closed year with a reason; refuses a year that is not closed and a missing reason', () => {
    expect(kyso(['authority', 'add', '--id', 'xa-a', '--name', 'UBND xã A', '--place', 'xã A']).code).toBe(0);
    const closed = kyso(['register', 'close', '--authority', 'xa-a', '--year', '2026']);
    expect(closed.code, closed.err).toBe(0);
    const noReason = kyso(['register', 'reopen', '--authority', 'xa-a', '--year', '2026']);
    expect(noReason.code).not.toBe(0);
    expect(noReason.err).toMatch(/--reason/);
    const ok = kyso(['register', 'reopen', '--authority', 'xa-a', '--year', '2026', '--reason', 'đóng sổ nhầm']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/reopened xa-a 2026/);
    expectFailure(
      kyso(['register', 'reopen', '--authority', 'xa-a', '--year', '2026', '--reason', 'lần nữa']),
      67,
      'CONFLICT',
      /not closed/,
    );
    expect(kyso(['register', 'open-volume', '--authority', 'xa-a', '--year', '2026']).code).toBe(0);
  });
});
