import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.js';
import { resolveStoreConfig, toStoreError, openStore } from '../../../src/store/index.js';

function driverError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`driver says ${code}`), { code, ...extra });
}

describe('store config and error mapping', () => {
  it('ok/resolveStoreConfig picks the dialect from the URL', () => {
    expect(resolveStoreConfig({ dataDir: '/srv/kyso' })).toEqual({ dialect: 'sqlite', filename: '/srv/kyso/kyso.sqlite' });
    expect(resolveStoreConfig({ dataDir: '/d', databaseUrl: '  ' })).toEqual({ dialect: 'sqlite', filename: '/d/kyso.sqlite' });
    expect(resolveStoreConfig({ dataDir: '/d', databaseUrl: 'postgres://postgres@127.0.0.1:5432/kyso' })).toEqual({
      dialect: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/kyso',
    });
    expect(resolveStoreConfig({ dataDir: '/d', databaseUrl: 'postgresql://h/db' }).dialect).toBe('postgres');
    expect(resolveStoreConfig({ dataDir: '/d', databaseUrl: 'sqlite:/tmp/x.db' })).toEqual({ dialect: 'sqlite', filename: '/tmp/x.db' });
    expect(() => resolveStoreConfig({ dataDir: '/d', databaseUrl: 'mysql://x' })).toThrow(TypeError);
  });

  it('ok/driver errors map to stable codes; others pass through', () => {
    const cases: [Error, string | undefined][] = [
      [driverError('SQLITE_CONSTRAINT_UNIQUE'), 'STORE_CONSTRAINT'],
      [driverError('SQLITE_CONSTRAINT_TRIGGER'), 'STORE_CONSTRAINT'],
      [driverError('SQLITE_BUSY'), 'STORE_UNAVAILABLE'],
      [driverError('23505', { constraint: 'certificates_ca_serial_unique' }), 'STORE_CONSTRAINT'],
      [driverError('23503'), 'STORE_CONSTRAINT'],
      [driverError('08006'), 'STORE_UNAVAILABLE'],
      [driverError('57P01'), 'STORE_UNAVAILABLE'],
      [driverError('40P01'), 'STORE_UNAVAILABLE'],
      [driverError('ECONNREFUSED'), 'STORE_UNAVAILABLE'],
      [driverError('42P01'), undefined],
      [new TypeError('misuse'), undefined],
    ];
    for (const [err, code] of cases) {
      const out = toStoreError(err);
      if (code) {
        expect(isAppError(out, code as 'STORE_CONSTRAINT')).toBe(true);
        expect((out as Error).cause).toBe(err);
      } else expect(out).toBe(err);
    }
    const pgUnique = toStoreError(
      driverError('23505', { constraint: 'certificates_ca_serial_unique', detail: 'Key (serial)=(abc) already exists.' }),
    );
    expect((pgUnique as Error).message).toBe('store constraint violated (certificates_ca_serial_unique)');
  });

  it('fail/an unreachable PostgreSQL → STORE_UNAVAILABLE at openStore', async () => {
    const e = await openStore({ dialect: 'postgres', url: 'postgres://postgres@127.0.0.1:1/nothing' }).catch((x: unknown) => x);
    expect(isAppError(e, 'STORE_UNAVAILABLE')).toBe(true);
  });
});
