import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../../src/accounts/totp.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext } from '../../../src/app/context.js';

/** `kyso account …` through the real launcher (bin/kyso.js → dist/): the password never a flag. */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-account-'));
const data = join(work, 'data');
const MASTER = randomBytes(32).toString('hex');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: MASTER, KYSO_DATABASE_URL: '' };
const PASSWORD = 'mật khẩu quản trị 2026';

function kyso(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: work, ...(input !== undefined ? { input } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  expect(existsSync(fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))), 'run `npm run build` first').toBe(true);
  expect(kyso(['init', '--data', data]).code).toBe(0);
}, 120_000);

describe('kyso account', () => {
  it('creates an account with the password from stdin, never from a flag', () => {
    const flag = kyso(['account', 'create', '--data', data, '--username', 'x.y', '--role', 'admin', '--password', PASSWORD]);
    expect(flag.code).toBe(64);
    expect(flag.err).not.toMatch(/\n\s+at /);
    const r = kyso(
      [
        'account',
        'create',
        '--data',
        data,
        '--username',
        'lan.nguyen',
        '--name',
        'Nguyễn Thị Lan',
        '--role',
        'signer',
        '--org',
        'org_qn',
        '--password-stdin',
        '--json',
      ],
      `${PASSWORD}\n`,
    );
    expect(r.code, r.err).toBe(0);
    const acc = JSON.parse(r.out) as Record<string, unknown>;
    expect(acc).toMatchObject({
      username: 'lan.nguyen',
      displayName: 'Nguyễn Thị Lan',
      role: 'signer',
      organizationId: 'org_qn',
      kind: 'local',
      totp: false,
    });
    const short = kyso(['account', 'create', '--data', data, '--username', 'short.pw', '--role', 'admin', '--password-stdin'], 'short\n');
    expect(short.code).toBe(64);
    expect(short.err).toContain('kyso: VALIDATION_FAILED:');
    const scope = kyso(
      ['account', 'create', '--data', data, '--username', 'no.org', '--role', 'signer', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(scope.code).toBe(64);
  });

  it('turns TOTP on (the otpauth URI printed once), disables, and the audit log never holds the password', async () => {
    const t = kyso(['account', 'totp', 'enable', '--data', data, 'lan.nguyen']);
    expect(t.code, t.err).toBe(0);
    const uri = new URL(t.out.trim());
    expect(uri.protocol).toBe('otpauth:');
    const secret = uri.searchParams.get('secret')!;
    const list = kyso(['account', 'list', '--data', data]);
    expect(list.out).toContain('"totp": true');
    expect(list.out).not.toContain(secret);
    const missing = kyso(['account', 'disable', '--data', data, 'nobody']);
    expect(missing.code).toBe(66);
    expect(missing.err).toContain('kyso: ACCOUNT_NOT_FOUND:');
    expect(kyso(['account', 'disable', '--data', data, 'lan.nguyen']).code).toBe(0);

    const ctx = await openContext(loadConfig({ env: { KYSO_DATA: data, KYSO_MASTER_KEY: MASTER, KYSO_LOG_LEVEL: 'silent' } }));
    try {
      const a = await ctx.accounts.find('lan.nguyen');
      expect(a.disabledAt).not.toBeNull();
      // The secret is sealed at rest and opens to a secret that produces valid codes.
      expect(a.totpSecret).not.toContain(secret);
      expect(totpCodeAt(secret, new Date())).toMatch(/^\d{6}$/);
      const events = await ctx.audit.list({ limit: 1000 });
      expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['account.create', 'account.totp-enable', 'account.disable']));
      expect(JSON.stringify(events)).not.toContain(PASSWORD);
      expect(JSON.stringify(events)).not.toContain(secret);
    } finally {
      await ctx.close();
    }
    const files = readdirSync(data).map((f) => (f.endsWith('.sqlite') ? readFileSync(join(data, f)).toString('latin1') : ''));
    expect(files.join('')).not.toContain(secret);
  });
});
