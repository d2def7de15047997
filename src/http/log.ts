/**
 * Structured JSON-lines logger (stderr). Field names that look like secrets are redacted before
 * writing, as a second line of defence: callers must not pass tokens, PINs, passwords or keys
 * in the first place (HELPERS.md rules).
 */
import { maskUrlCredentials } from '../core/url-credentials.js';
import { currentRequestId } from './request-context.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogLevelSetting = Level | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevelSetting, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /(token|pin|password|passphrase|secret|authorization|private|pkcs8|masterkey|cookie|activationcode)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function createJsonLogger(level: LogLevelSetting, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = ORDER[level];
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const requestId = currentRequestId();
    const rec = {
      time: new Date().toISOString(),
      level: lvl,
      msg: maskUrlCredentials(msg),
      ...(requestId ? { requestId } : {}),
      ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
    };
    write(JSON.stringify(rec) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = createJsonLogger('silent', () => undefined);
