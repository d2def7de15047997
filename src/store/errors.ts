import { AppError } from '../core/errors.js';

/**
 * Maps driver errors (better-sqlite3, pg) to the domain's stable codes so callers never see
 * driver specifics: integrity violations → STORE_CONSTRAINT, lost/refused connections and lock
 * time-outs → STORE_UNAVAILABLE. Messages name the violated constraint, never row values.
 */
export function toStoreError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  // SQLite (better-sqlite3): SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _FOREIGNKEY, _CHECK, _NOTNULL, _TRIGGER
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new AppError('STORE_CONSTRAINT', `store constraint violated (${code.slice('SQLITE_'.length).toLowerCase()})`, {
      cause: err,
      details: { constraint: constraintName(err.message) },
    });
  }
  if (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    code.startsWith('SQLITE_BUSY_') ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_READONLY'
  ) {
    return new AppError('STORE_UNAVAILABLE', `store unavailable (${code})`, { cause: err });
  }
  // PostgreSQL SQLSTATE class 23: integrity constraint violation; P0001: raised by our triggers.
  if (/^23[0-9A-Z]{3}$/.test(code) || code === 'P0001') {
    const c = (err as { constraint?: unknown }).constraint;
    return new AppError('STORE_CONSTRAINT', `store constraint violated (${typeof c === 'string' ? c : code})`, {
      cause: err,
      details: { constraint: typeof c === 'string' ? c : code },
    });
  }
  // class 08 connection exception, 57P0x admin shutdown/cannot connect, 53xxx insufficient resources,
  // 40001/40P01 serialisation failure / deadlock (the caller may retry), Node socket errors.
  if (
    /^(08|53|57P0)/.test(code) ||
    code === '40001' ||
    code === '40P01' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code)
  ) {
    return new AppError('STORE_UNAVAILABLE', `store unavailable (${code})`, { cause: err });
  }
  return err;
}

function constraintName(message: string): string {
  // "UNIQUE constraint failed: certificates.ca_id, certificates.serial" → columns only, no values
  const m = /constraint failed: (.*)$/i.exec(message);
  return m?.[1]?.slice(0, 200) ?? 'unknown';
}

/** Awaits `p`, rethrowing driver errors as AppErrors. */
export async function storeCall<T>(p: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof p === 'function' ? p() : p);
  } catch (err) {
    throw toStoreError(err);
  }
}
