export { openStore, type Store, type StoreRepositories, type OpenStoreOptions } from './store.js';
export { SERVICE_WAL_CHECKPOINT_MS } from './wal-checkpointer.js';
export { resolveStoreConfig, type StoreConfig, type StoreDialect } from './config.js';
export { toStoreError } from './errors.js';
export * from './ports/api-tokens.js';
export { FileCopyDocumentStore } from './adapters/copy-files.js';
