// Vietnam time lives in src/core/vietnam-time.ts (shared with certified copies); re-exported for the stamp builders.
export { formatVietnamTime, formatVietnamDate, vietnamParts, type TimeFormatter } from '../../core/vietnam-time.js';
