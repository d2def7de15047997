import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../http/harness.js';
import { createJsonLogger } from '../../../src/http/log.js';
import { maskUrlCredentials } from '../../../src/core/url-credentials.js';

/** Credentials never printed; data files private to the service account. */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));

function kyso(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KYSO_LOG_LEVEL: 'error', KYSO_MASTER_KEY: '', PORT: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SECRET = 'Hoa-Sen-2026';

describe('credentials in URLs are masked', () => {
  it('fail/config show with the password in the userinfo and as a query parameter prints neither', () => {
    const data = mkdtempSync(join(tmpdir(), 'kyso-hygiene-'));
    const url = `postgres://kyso:${SECRET}@127.0.0.1:5432/kyso?password=${SECRET}&sslmode=disable`;
    const r = kyso(['config', 'show', '--data', data], { KYSO_DATABASE_URL: url });
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain(SECRET);
    expect(JSON.parse(r.out).database.url).toBe('postgres://kyso:***@127.0.0.1:5432/kyso?password=***&sslmode=disable');
  });

  it('fail/an unparsable database URL in an error message is masked too', () => {
    const r = kyso(['config', 'show'], { KYSO_DATABASE_URL: `postgres://kyso:${SECRET}@[bad host/kyso?password=${SECRET}` });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('CONFIG_INVALID');
    expect(r.err).not.toContain(SECRET);
  });

  it('fail/log lines mask URLs in the message and in string fields', () => {
    const lines: string[] = [];
    const log = createJsonLogger('info', (l) => lines.push(l));
    log.warn(`cannot reach postgres://kyso:${SECRET}@db/kyso`, {
      target: `https://tsa.example/?token=${SECRET}`,
      nested: { url: `postgres://u:${SECRET}@h/d` },
    });
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).toContain('postgres://kyso:***@db/kyso');
  });

  it('ok/the masker keeps user, host, database and harmless parameters', () => {
    expect(maskUrlCredentials('postgres://user:pa:ss@host/db?password=x&sslmode=require')).toBe(
      'postgres://user:***@host/db?password=***&sslmode=require',
    );
    expect(maskUrlCredentials('postgres://user@host/db')).toBe('postgres://user@host/db');
    expect(maskUrlCredentials('no url here')).toBe('no url here');
  });
});

describe('data files are private', () => {
  it('fail/a new data dir is 0700 and the SQLite database, its -wal and -shm and the master key file are 0600', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'kyso-modes-')), 'data');
    const h = await startHarness({ KYSO_DATA: data, KYSO_MASTER_KEY: '' });
    try {
      const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
      expect(mode(data)).toBe('700');
      for (const f of ['kyso.sqlite', 'kyso.sqlite-wal', 'kyso.sqlite-shm', 'master.key']) {
        expect(existsSync(join(data, f)), f).toBe(true);
        expect(mode(join(data, f)), f).toBe('600');
      }
    } finally {
      await h.close();
    }
  }, 60_000);
});
