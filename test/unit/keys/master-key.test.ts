import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAppError } from '../../../src/core/errors.js';
import { deriveMasterKey, loadMasterKey, parseMasterSecret } from '../../../src/keys/adapters/master-key.js';
import { uriScheme } from '../../../src/keys/key-store-router.js';

const logger = () => {
  const lines: string[] = [];
  return { lines, warn: (m: string) => void lines.push(m) };
};

describe('master key', () => {
  it('ok/KYSO_MASTER_KEY as hex or base64 gives the same KEK; no file is written', () => {
    const secret = randomBytes(32);
    const dir = mkdtempSync(join(tmpdir(), 'kyso-mk-'));
    try {
      const log = logger();
      const a = loadMasterKey({ env: secret.toString('hex'), dataDir: dir, logger: log, create: true });
      const b = loadMasterKey({ env: secret.toString('base64'), dataDir: dir, logger: log });
      const c = loadMasterKey({ env: secret.toString('base64url'), dataDir: dir, logger: log });
      expect(a.kek).toEqual(b.kek);
      expect(c.kekId).toBe(a.kekId);
      expect(a.source).toBe('env');
      expect(a.kek).not.toEqual(secret);
      expect(log.lines).toEqual([]);
      expect(() => statSync(join(dir, 'master.key'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fail/a malformed env value → CONFIG_INVALID without echoing it', () => {
    const bad = `${randomBytes(31).toString('hex')}zz`;
    try {
      parseMasterSecret(bad);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'CONFIG_INVALID')).toBe(true);
      expect((e as Error).message).not.toContain(bad);
    }
    expect(() => parseMasterSecret(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => deriveMasterKey(randomBytes(16), 'env')).toThrow(/32 bytes/);
  });

  it('ok/without env, <data>/master.key is created 0600 once, reused, and each use warns (development only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-mk-'));
    try {
      const log = logger();
      expect(() => loadMasterKey({ dataDir: dir, logger: log })).toThrow(/run init/);
      const a = loadMasterKey({ dataDir: dir, logger: log, create: true });
      const file = join(dir, 'master.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(parseMasterSecret(readFileSync(file, 'utf8'))).toHaveLength(32);
      const b = loadMasterKey({ dataDir: dir, logger: log, create: true });
      expect(b.kekId).toBe(a.kekId);
      expect(a.source).toBe('file');
      expect(log.lines.filter((l) => /development/.test(l))).toHaveLength(2);
      for (const l of log.lines) expect(l).not.toContain(readFileSync(file, 'utf8').trim());
      chmodSync(file, 0o644);
      loadMasterKey({ dataDir: dir, logger: log });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(log.lines.some((l) => /tightening/.test(l))).toBe(true);
      writeFileSync(file, 'garbage\n');
      expect(() => loadMasterKey({ dataDir: dir, logger: log })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ok/uriScheme parses RFC 3986 schemes case-insensitively', () => {
    expect(uriScheme('kyso-key:k_1')).toBe('kyso-key');
    expect(uriScheme('PKCS11:token=a')).toBe('pkcs11');
    expect(uriScheme('k_1')).toBeUndefined();
    expect(uriScheme('1abc:x')).toBeUndefined();
  });
});
