export * from './errors.js';
export * from './error-codes.js';
export * from './clock.js';
export * from './ids.js';
export * from './bytes.js';
export * from './url-credentials.js';
export * from './safe-text.js';
