import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, describeConfig } from '../../../src/config/load-config.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('config', () => {
  it('ok/defaults: ./data, 3000, loopback, sqlite in data dir, public URL from port', () => {
    const c = loadConfig({ env: {}, cwd: '/srv/kyso' });
    expect(c).toMatchObject({
      dataDir: '/srv/kyso/data',
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      logLevel: 'info',
    });
    expect(c.database).toEqual({ kind: 'sqlite', file: '/srv/kyso/data/kyso.sqlite' });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('ok/env overrides defaults; CLI overrides env; JSON file under env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-cfg-'));
    const file = join(dir, 'kyso.json');
    writeFileSync(file, JSON.stringify({ port: 4000, province: 'Hà Nội', ocspCacheSeconds: 60 }));
    const c = loadConfig({ env: { KYSO_CONFIG: file, PORT: '5000', KYSO_DATA: '/d' }, overrides: { port: '6000' }, cwd: '/' });
    expect(c.port).toBe(6000);
    expect(c.dataDir).toBe('/d');
    expect(c.province).toBe('Hà Nội');
    expect(c.ocspCacheSeconds).toBe(60);
    expect(loadConfig({ env: { KYSO_CONFIG: file }, cwd: '/' }).port).toBe(4000);
  });
  it('ok/postgres URL and master key; describeConfig hides secrets', () => {
    const c = loadConfig({ env: { KYSO_DATABASE_URL: 'postgres://u:pw@127.0.0.1:5432/k', KYSO_MASTER_KEY: 'ab'.repeat(32) } });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:pw@127.0.0.1:5432/k' });
    const shown = JSON.stringify(describeConfig(c));
    expect(shown).not.toContain('abab');
    expect(shown).not.toContain(':pw@');
  });
  it.each([
    [{ PORT: 'eighty' }],
    [{ PORT: '70000' }],
    [{ KYSO_DATABASE_URL: 'mysql://x' }],
    [{ KYSO_PUBLIC_URL: 'ftp://x' }],
    [{ KYSO_MASTER_KEY: 'short' }],
    [{ KYSO_TSA_POLICY: '1.2.x' }],
    [{ KYSO_LOG_LEVEL: 'loud' }],
    [{ KYSO_CRL_INTERVAL: '100000', KYSO_CRL_VALIDITY: '3600' }],
    [{ KYSO_CONFIG: '/nonexistent/kyso.json' }],
  ])('fail/%j → CONFIG_INVALID', (env) => {
    expect(codeOf(() => loadConfig({ env }))).toBe('CONFIG_INVALID');
  });
  it('ok/PKCS#11 CA key store: token from the URI, module and PIN together; describeConfig hides the PIN', () => {
    const env = { KYSO_KEY_STORE: 'pkcs11:token=kyso-ca', KYSO_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so', KYSO_PKCS11_PIN: '5678' };
    const c = loadConfig({ env, cwd: '/' });
    expect(c.keyStore).toEqual({ kind: 'pkcs11', uri: 'pkcs11:token=kyso-ca', token: 'kyso-ca' });
    expect(c.pkcs11).toEqual({ modulePath: '/usr/lib/softhsm/libsofthsm2.so', pin: '5678' });
    expect(JSON.stringify(describeConfig(c))).not.toContain('5678');
    expect(loadConfig({ env: {}, cwd: '/' }).keyStore).toEqual({ kind: 'encrypted' });
    const bad: Record<string, string>[] = [
      { KYSO_KEY_STORE: 'hsm' },
      { KYSO_KEY_STORE: 'pkcs11:object=x' },
      { KYSO_KEY_STORE: 'pkcs11:token=kyso-ca' },
      { KYSO_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so' },
      { KYSO_PKCS11_MODULE: 'libsofthsm2.so', KYSO_PKCS11_PIN: '1' },
    ];
    for (const e of bad)
      expect(
        codeOf(() => loadConfig({ env: e, cwd: '/' })),
        JSON.stringify(e),
      ).toBe('CONFIG_INVALID');
  });
  it('fail/unknown key in the JSON file → CONFIG_INVALID naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-cfg-'));
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ env: { KYSO_CONFIG: file } })).toThrow(/prot/);
  });
});
