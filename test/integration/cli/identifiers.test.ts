import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/** Identifier and profile rules at the CLI edge: `kyso cert issue` (bin/kyso.js → dist/). */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kyso-cli-ids-'));
const data = join(work, 'data');
const env = { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: work });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const issue = (profile: string, extra: string[]) =>
  kyso([
    'cert',
    'issue',
    '--data',
    data,
    '--profile',
    profile,
    '--cn',
    'Sở Tư pháp tỉnh Quảng Ninh',
    '--p12',
    join(work, 'c.p12'),
    '--password',
    'PW',
    ...extra,
  ]);

beforeAll(() => {
  const r = kyso(['init', '--data', data]);
  expect(r.code, r.err).toBe(0);
});

describe('kyso cert issue: identifiers and profile rules', () => {
  it.each([
    [['--uid', 'MST:0100109107'], 'UID_INVALID', 'check digit'],
    [['--uid', 'MNS:100055'], 'UID_INVALID', '7 digits'],
    [[], 'SUBJECT_INVALID', 'needs an MST'],
    [['--uid', 'CCCD:022090001234'], 'SUBJECT_INVALID', 'personal CCCD'],
    [['--uid', 'MST:0100109106', '--c', 'US'], 'SUBJECT_INVALID', 'C must be VN'],
  ])('fail/organization %j → %s (exit 64)', (extra, code, rule) => {
    const r = issue('organization', extra);
    expect(r.code, r.out + r.err).toBe(64);
    expect(r.err).toContain(`kyso: ${code}:`);
    expect(r.err).toContain(rule);
  });
  it.each([
    [['--uid', 'CCCD:003090001234'], 'UID_INVALID', 'province code'],
    [['--uid', 'CCCD:022090001234', '--c', 'US'], 'SUBJECT_INVALID', 'C must be VN'],
  ])('fail/individual %j → %s', (extra, code, rule) => {
    const r = issue('individual', extra);
    expect(r.code, r.out + r.err).toBe(64);
    expect(r.err).toContain(`kyso: ${code}:`);
    expect(r.err).toContain(rule);
  });
  it('ok/an organization with a correct MST, an official with a correct CCCD', () => {
    const org = issue('organization', ['--uid', 'MST:0100109106-001']);
    expect(org.code, org.err).toBe(0);
    expect(org.out).toContain('UID=MST:0100109106-001');
    const person = issue('individual', ['--uid', 'CCCD:022190001234']);
    expect(person.code, person.err).toBe(0);
  });
});
