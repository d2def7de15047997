import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAppError } from '../../../src/core/errors.js';

/** KYSO_TRUST_PROXY: the forms Express takes that a client cannot talk round, checked at start-up. */
const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
const base = { KYSO_DATA: '/tmp/kyso-trust-proxy-config-unused' };
const trustOf = (value: string) => loadConfig({ env: { ...base, KYSO_TRUST_PROXY: value } }).trustProxy;

function refusal(value: string): string {
  try {
    trustOf(value);
  } catch (e) {
    if (isAppError(e, 'CONFIG_INVALID')) return e.message;
    throw e;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('KYSO_TRUST_PROXY', () => {
  it('is off by default and takes a hop count or a list of addresses, subnets and named ranges', () => {
    expect(loadConfig({ env: base }).trustProxy).toBeUndefined();
    expect(trustOf('1')).toBe(1);
    expect(trustOf('0')).toBe(0);
    expect(trustOf(' loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.7')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(trustOf('linklocal,uniquelocal,::1,::ffff:10.0.0.0/104')).toEqual(['linklocal', 'uniquelocal', '::1', '::ffff:10.0.0.0/104']);
  });

  it('hands Express only values it compiles', () => {
    for (const v of ['2', 'loopback', '10.0.0.0/8,fd00::/8', '192.0.2.7', '::ffff:10.0.0.0/104']) {
      const app = express();
      expect(() => app.set('trust proxy', trustOf(v)), v).not.toThrow();
      expect(app.get('trust proxy fn')('203.0.113.9', 0), v).toBeTypeOf('boolean');
    }
  });

  it('refuses `true` and a subnet wider than a proxy network, which would let clients pick their own address', () => {
    for (const v of ['true', 'TRUE', 'on', '*']) expect(refusal(v), v).toMatch(/every X-Forwarded-For hop/);
    // IPv4-mapped IPv6 ranges hold IPv4 clients: held to the IPv4 limit, as is an IPv6 range reaching into them
    for (const v of [
      '0.0.0.0/0',
      '::/0',
      '10.0.0.1,0.0.0.0/0',
      '0.0.0.0/1,128.0.0.0/1',
      '10.0.0.0/7',
      '::ffff:0.0.0.0/96',
      '::ffff:0:0/95',
      '::ffff:10.0.0.0/103',
      '::/64',
      '2000::/3',
    ])
      expect(refusal(v), v).toMatch(/wider than a proxy network/);
    expect(trustOf('::ffff:10.0.0.0/104,2001:db8::/32,fd00::/8,10.0.0.0/8')).toHaveLength(4);
  });

  it('refuses what is neither a hop count nor an address, subnet or named range', () => {
    for (const v of [
      'false',
      'proxy.example',
      '127.1',
      '10.0.0.0/33',
      'fd00::/129',
      '10.0.0.0/255.0.0.0',
      '10.0.0.0/8/1',
      '10.0.0.1,',
      'fe80::1%eth0',
      '-1',
      '1.5',
      '33',
    ])
      expect(refusal(v), v).toContain('config trustProxy:');
  });

  it('stops `kyso serve` with CONFIG_INVALID and exit 78 before anything is created', () => {
    const data = join(mkdtempSync(join(tmpdir(), 'kyso-trust-proxy-')), 'data');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], {
      encoding: 'utf8',
      env: { ...process.env, KYSO_ENV: '', KYSO_PUBLIC_URL: '', KYSO_DATABASE_URL: '', KYSO_TRUST_PROXY: 'true' },
      timeout: 60_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(78);
    expect(r.stderr).toContain('kyso: CONFIG_INVALID: config trustProxy:');
    expect(existsSync(data)).toBe(false);
  });
});
