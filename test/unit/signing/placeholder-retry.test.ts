import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { retryPlaceholder, withPlaceholderRetry } from '../../../src/signing/placeholder.js';
import { errorCode } from './helpers.js';

const overflow = (needed: number) => new AppError('PLACEHOLDER_OVERFLOW', 'too small', { details: { needed, capacity: 0 } });

describe('withPlaceholderRetry', () => {
  it('ok/an overflow is tried once more with room for what the CMS needed', async () => {
    const sizes: number[] = [];
    const out = await withPlaceholderRetry(8192, async (size) => {
      sizes.push(size);
      if (sizes.length === 1) throw overflow(30_000);
      return 'signed';
    });
    expect(out).toBe('signed');
    expect(sizes).toEqual([8192, retryPlaceholder(8192, 30_000)]);
    expect(sizes[1]).toBeGreaterThanOrEqual(30_000);
  });

  it('fail/a second overflow, or any other error, is not retried', async () => {
    let calls = 0;
    expect(
      await errorCode(() =>
        withPlaceholderRetry(8192, async () => {
          calls++;
          throw overflow(90_000);
        }),
      ),
    ).toBe('PLACEHOLDER_OVERFLOW');
    expect(calls).toBe(2);
    calls = 0;
    expect(
      await errorCode(() =>
        withPlaceholderRetry(8192, async () => {
          calls++;
          throw new AppError('PDF_MALFORMED', 'bad');
        }),
      ),
    ).toBe('PDF_MALFORMED');
    expect(calls).toBe(1);
  });
});
