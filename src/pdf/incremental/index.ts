/** Append-only incremental updates (ISO 32000-1 §7.5.6). No cryptography here. */
export { IncrementalWriter, appendIncrementalUpdate, type IncrementalUpdate, type WriteOptions } from './writer.js';
export { serializeObject, serializeIndirect, formatNumber } from './serialize.js';
