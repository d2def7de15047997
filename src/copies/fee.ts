/**
 * Certification fee for copies from originals, Circular 226/2016/TT-BTC Art. 4:
 * 2,000 VND per page for pages 1 and 2, 1,000 VND per page from page 3, at most 200,000 VND
 * per copy; counted on the original's pages.
 */
export const FEE_FIRST_PAGES_VND = 2_000;
export const FEE_LATER_PAGES_VND = 1_000;
export const FEE_CAP_PER_COPY_VND = 200_000;

export interface Fee {
  readonly perCopy: number;
  readonly copies: number;
  readonly total: number;
}

export function certificationFee(pages: number, copies = 1): Fee {
  if (!Number.isInteger(pages) || pages < 1) throw new TypeError('certificationFee: pages must be a positive integer');
  if (!Number.isInteger(copies) || copies < 1) throw new TypeError('certificationFee: copies must be a positive integer');
  const firstPages = Math.min(pages, 2);
  const laterPages = Math.max(pages - 2, 0);
  const perCopy = Math.min(firstPages * FEE_FIRST_PAGES_VND + laterPages * FEE_LATER_PAGES_VND, FEE_CAP_PER_COPY_VND);
  return { perCopy, copies, total: perCopy * copies };
}
