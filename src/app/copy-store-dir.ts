import { join } from 'node:path';
import type { KysoConfig } from '../config/load-config.js';

/**
 * The folder of kept signed copies: the configured one, else `<dataDir>/copies` on SQLite;
 * undefined means PostgreSQL keeps them in the database (table copy_documents).
 */
export function copyStoreDirOf(config: KysoConfig): string | undefined {
  return config.copyStoreDir ?? (config.database.kind === 'sqlite' ? join(config.dataDir, 'copies') : undefined);
}
