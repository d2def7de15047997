import { z } from 'zod';
import { unsafeTextReason } from '../core/safe-text.js';

/**
 * A human-readable name or free text in a request body (src/core/safe-text.ts says what is
 * refused and why): NFC-normalised, trimmed, bounded; an unsafe character becomes an issue that
 * the route turns into TEXT_UNSAFE rather than a generic VALIDATION_FAILED.
 */
export const TEXT_UNSAFE_ISSUE = 'TEXT_UNSAFE';

export function safeTextSchema(max: number, min = 1) {
  return z
    .string()
    .normalize('NFC')
    .trim()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const reason = unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: reason, params: { appCode: TEXT_UNSAFE_ISSUE } });
    });
}
