import { join } from 'node:path';

/**
 * Where the relational store lives. SQLite is the embedded default (one file in the data
 * directory); PostgreSQL is selected by a `postgres://` / `postgresql://` URL so several service
 * instances can share one database.
 */
export type StoreConfig =
  | { readonly dialect: 'sqlite'; readonly filename: string; readonly busyTimeoutMs?: number }
  | { readonly dialect: 'postgres'; readonly url: string; readonly maxConnections?: number };

export type StoreDialect = StoreConfig['dialect'];

/**
 * Picks the dialect from an optional database URL: a PostgreSQL URL → PostgreSQL; `sqlite:PATH`
 * → that file; nothing → `<dataDir>/kyso.sqlite`. Anything else is misuse of this API.
 */
export function resolveStoreConfig(o: { databaseUrl?: string | undefined; dataDir: string }): StoreConfig {
  const url = o.databaseUrl?.trim();
  if (!url) return { dialect: 'sqlite', filename: join(o.dataDir, 'kyso.sqlite') };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', filename: url.slice('sqlite:'.length) };
  throw new TypeError('resolveStoreConfig: database URL must start with postgres://, postgresql:// or sqlite:');
}
